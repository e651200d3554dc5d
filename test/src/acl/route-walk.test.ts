// The route walk (issue 9 Done-when 2, decisions D-7): every registered route, every method,
// with a token that has only the `default` policy. Nothing may succeed except what Vault's
// default policy grants (lookup-self, renew-self, revoke-self, capabilities-self) and the
// routes that need no token; everything else is Vault's 403. revoke-self is walked last.
import t from 'tap'
import { startTestServer, vault } from '../../helper.js'

const DENIED = { errors: ['1 error occurred:\n\t* permission denied\n\n'] }

/** Default-policy grants vault-sync implements (method + route URL). */
const GRANTED = new Set([
  'GET /v1/auth/token/lookup-self',
  'POST /v1/auth/token/renew-self', 'PUT /v1/auth/token/renew-self',
  'POST /v1/sys/capabilities-self', 'PUT /v1/sys/capabilities-self',
  'POST /v1/auth/token/revoke-self', 'PUT /v1/auth/token/revoke-self'
])

/** A concrete URL for a route pattern (params filled with plausible values). */
function concrete (url: string): string {
  const wildcard: Record<string, string> = {
    '/v1/sys/mounts/*': 'secret',
    '/v1/sys/internal/ui/mounts/*': 'secret',
    '/v1/sys/audit-hash/*': 'file',
    '/v1/sys/sync/associations/*': 'secret/app',
    '/v1/*': 'secret/data/walk'
  }
  return url.replace(/\*$/, wildcard[url] ?? 'walk').replace(/:type/g, 'azure-kv').replace(/:name/g, 'walk')
}

t.test('a default-policy token can only do what Vault allows default', async (t) => {
  const { app } = await startTestServer(t)
  const defaultToken = async (): Promise<string> => {
    const created = await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['default'], ttl: '1h' } })
    t.same(created.json().auth.policies, ['default'])
    return created.json().auth.client_token as string
  }
  const token = await defaultToken()

  const calls: Array<{ method: string, route: string, unauthenticated: boolean }> = []
  for (const r of app.vaultRoutes) {
    for (const method of r.methods) calls.push({ method, route: r.url, unauthenticated: r.unauthenticated })
  }
  t.ok(calls.length > 80, `walked ${calls.length} route/method pairs`)
  for (const must of ['/v1/sys/policies/acl/:name', '/v1/sys/sync/destinations/:type/:name/associations/set', '/v1/*', '/v1/sys/audit-hash/*']) {
    t.ok(calls.some((c) => c.route === must), `the walk includes ${must}`)
  }
  // The OpenAPI document and its reference page need no token (D-10, D-32.4).
  for (const open of ['/v1/sys/internal/specs/openapi', '/ui/api-docs', '/ui/api-docs/json']) {
    t.ok(calls.some((c) => c.route === open && c.unauthenticated), `the walk allows ${open} without a token`)
  }
  // revoke-self last: it ends the token.
  calls.sort((a, b) => Number(a.route.endsWith('/revoke-self')) - Number(b.route.endsWith('/revoke-self')))

  let succeeded = 0
  let revoked = false
  for (const { method, route, unauthenticated } of calls) {
    const url = concrete(route)
    const isList = method === 'GET' && url.endsWith('/')
    const headers: Record<string, string> = method === 'PATCH' ? { 'content-type': 'application/merge-patch+json' } : {}
    const body = ['POST', 'PUT', 'PATCH'].includes(method) ? (route === '/v1/sys/capabilities-self' ? { paths: ['secret/data/x'] } : {}) : undefined
    // Each revoke-self ends its token: the first uses the walk's token, later ones a new one.
    const revokes = route === '/v1/auth/token/revoke-self'
    const caller = revokes && revoked ? await defaultToken() : token
    if (revokes) revoked = true
    const res = await vault(app, method as 'GET', isList ? `${url}?list=true` : url, { token: caller, body, headers })
    if (revokes) t.equal((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: caller })).statusCode, 403, 'revoked')
    const label = `${method} ${url}${isList ? '?list=true' : ''} -> ${res.statusCode}`
    const ok = res.statusCode >= 200 && res.statusCode < 300
    if (ok) succeeded++
    if (GRANTED.has(`${method} ${route}`)) {
      t.ok(ok, `${label}: granted by default`)
    } else if (unauthenticated) {
      t.not(res.statusCode, 403, `${label}: needs no token`)
    } else if (route === '/v1/sys/internal/ui/mounts/*') {
      t.same(res.json(), { errors: ['preflight capability check returned 403, please ensure client\'s policies grant access to path "secret/"'] }, `${label}: the preflight's own 403`)
    } else {
      t.equal(res.statusCode, 403, label)
      if (method !== 'HEAD') t.same(res.json(), DENIED, `${label}: Vault's text`)
    }
  }
  t.ok(succeeded >= GRANTED.size, 'the granted calls did succeed')
  const after = await vault(app, 'GET', '/v1/auth/token/lookup-self', { token })
  t.equal(after.statusCode, 403, 'revoke-self, walked last, revoked the token')
})
