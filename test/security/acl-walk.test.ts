// Issue 13 "Done when" 2: the ACL walk over every path and method of openapi.yaml, as an attacker
// would send them on a raw socket. A token with only the `default` policy is denied everywhere
// Vault's default policy does not grant, under every spelling of the path (`#`, `%23`, `%2F`,
// `//`, `/./`, `%2e%2e`, trailing `?`, mixed case); and a deny on a sub-path is unreachable by
// any spelling.
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { startTestServer, vault } from '../helper.js'
import { documentIndex } from '../openapi/document-index.js'
import { rawExchange, rawRequest, type RawResponse } from '../raw-http.js'

/** Paths the default policy grants (vault-sync implements these of Vault's default policy). */
const GRANTED = new Set(['GET auth/token/lookup-self', 'POST auth/token/renew-self', 'PUT auth/token/renew-self',
  'POST sys/capabilities-self', 'PUT sys/capabilities-self', 'POST auth/token/revoke-self', 'PUT auth/token/revoke-self'])

const PARAMS: Record<string, string> = {
  kv_v2_mount_path: 'secret', path: 'walk/item', name: 'walk', type: 'azure-kv', mount: 'secret', secret_name: 'walk/item'
}

/** `{param}`s filled in; `path` of sys/mounts and friends is a mount. */
function concrete (template: string): string {
  return template.slice(1).replace(/\{(\w+)\}/g, (_m, p: string) => {
    if (p === 'path' && template.startsWith('/sys/')) return template.startsWith('/sys/audit-hash') ? 'file' : 'secret'
    return PARAMS[p] ?? 'x'
  })
}

/** `same`: the very same path; `other`: another path (another key); neither: refused before any handler. */
interface Variant { name: string, target: (path: string) => string, same: boolean, other?: boolean }

const flipCase = (s: string): string => s.replace(/[a-z]/, (c) => c.toUpperCase())

/** Spellings of `/v1/<path>`; `same` ones denote the very same path (same verdict as the plain one). */
const VARIANTS: Variant[] = [
  { name: 'plain', target: (p) => `/v1/${p}`, same: true },
  { name: '#', target: (p) => `/v1/${p}#`, same: false },
  { name: '#frag', target: (p) => `/v1/${p}#x/../y`, same: false },
  { name: '%23', target: (p) => `/v1/${p}%23`, same: false, other: true },
  { name: '%2F', target: (p) => `/v1/${p.replace(/\/(?=[^/]*$)/, '%2F')}`, same: true },
  { name: '//', target: (p) => `/v1/${p.replace('/', '//')}`, same: false },
  { name: '/./', target: (p) => `/v1/${p.replace('/', '/./')}`, same: false },
  { name: '%2e%2e', target: (p) => `/v1/${p}/x/%2e%2e`, same: false },
  { name: '%2E/..', target: (p) => `/v1/x/%2E%2E/${p}`, same: false },
  { name: 'trailing ?', target: (p) => `/v1/${p}?`, same: true },
  { name: 'mixed case', target: (p) => `/v1/${p.replace(/[^/]+$/, flipCase)}`, same: false, other: true },
  { name: '%00', target: (p) => `/v1/${p}%00`, same: false },
  { name: 'bad escape', target: (p) => `/v1/${p}%G1`, same: false }
]

/** Write bodies other than `{}`: what a granted operation needs to answer 2xx (Vault's 400 otherwise). */
const BODIES: Record<string, string> = { 'sys/capabilities-self': '{"paths":["secret/data/walk/item"]}' }

async function send (port: number, method: string, target: string, token: string, list: boolean, body = '{}'): Promise<RawResponse> {
  const write = ['POST', 'PUT', 'PATCH'].includes(method)
  const headers: Record<string, string> = { 'X-Vault-Token': token }
  if (method === 'PATCH') headers['Content-Type'] = 'application/merge-patch+json'
  const withList = list ? `${target}${target.includes('?') ? '&' : '?'}list=true` : target
  return (await rawExchange(port, [rawRequest(method, withList, headers, write ? body : undefined)]))[0]
}

t.test('a default-policy token, every documented operation, every spelling', async (t) => {
  const { app } = await startTestServer(t)
  const created = await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['default'] } })
  const token = created.json().auth.client_token as string
  t.equal((await vault(app, 'POST', '/v1/secret/data/walk/item', { body: { data: { v: 'before' } } })).statusCode, 200)
  const { port } = app.server.address() as AddressInfo
  const ops = [...documentIndex().byId.values()].filter((op) => op.operation['x-vault-unauthenticated'] !== true && !/^\/sys\/(health|seal-status|leader|init|activation-flags|internal\/specs)/.test(op.path))
  t.ok(ops.length >= 50, `${ops.length} documented authenticated operations`)
  let calls = 0
  for (const op of ops) {
    const path = concrete(op.path)
    const list = op.method === 'get' && op.path.endsWith('/')
    const methods = op.method === 'post' ? ['POST', 'PUT'] : [op.method.toUpperCase()]
    for (const method of methods) {
      const granted = GRANTED.has(`${method} ${path}`)
      for (const v of VARIANTS) {
        // Revoking the walk's own token (by any same-path spelling) is left out: it would end the walk.
        if (path === 'auth/token/revoke-self' && v.same) continue
        const res = await send(port, method, v.target(path), token, list, BODIES[path])
        calls++
        const label = `${method} ${v.target(path)}${list ? ' (list)' : ''} -> ${res.status}`
        if (granted && v.same) t.ok(res.status < 300, `${label}: granted by default`)
        else if (v.same || v.other === true) t.equal(res.status, 403, `${label}: denied`)
        else t.ok([301, 400].includes(res.status), `${label}: refused before any handler`)
      }
    }
  }
  t.ok(calls > 900, `${calls} raw requests`)
  const lookup = await vault(app, 'GET', '/v1/auth/token/lookup-self', { token })
  t.equal(lookup.statusCode, 200, 'the token is still alive (revoke-self was never reached)')
  const read = await vault(app, 'GET', '/v1/secret/data/walk/item')
  t.same(read.json().data.data, { v: 'before' }, 'the data is unchanged')
})

t.test('a deny on a sub-path is unreachable by any spelling', async (t) => {
  const { app } = await startTestServer(t)
  const policy = `
path "secret/*" { capabilities = ["create", "read", "update", "patch", "delete", "list"] }
path "secret/data/team/denied" { capabilities = ["deny"] }
path "secret/metadata/team/denied" { capabilities = ["deny"] }
path "secret/delete/team/denied" { capabilities = ["deny"] }
path "secret/destroy/team/denied" { capabilities = ["deny"] }
path "secret/undelete/team/denied" { capabilities = ["deny"] }
path "secret/subkeys/team/denied" { capabilities = ["deny"] }
`
  t.equal((await vault(app, 'PUT', '/v1/sys/policies/acl/sub', { body: { policy } })).statusCode, 204)
  t.equal((await vault(app, 'POST', '/v1/secret/data/team/denied', { body: { data: { v: 'kept' } } })).statusCode, 200)
  const token = (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['sub'] } })).json().auth.client_token as string
  const { port } = app.server.address() as AddressInfo
  t.equal((await send(port, 'GET', '/v1/secret/data/team/other', token, false)).status, 404, 'siblings are reachable')
  let tried = 0
  for (const group of ['data', 'metadata', 'delete', 'destroy', 'undelete', 'subkeys']) {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const v of VARIANTS) {
        const target = v.target(`secret/${group}/team/denied`)
        const res = await send(port, method, target, token, false)
        tried++
        // `%23` and mixed case name other keys (`denied#`, `Denied`), which the policy allows.
        if (v.other !== true && res.status < 300) t.fail(`${method} ${target} -> ${res.status}`)
        if (v.same) t.equal(res.status, 403, `${method} ${target}: denied`)
      }
    }
  }
  t.pass(`${tried} spellings refused`)
  const read = await vault(app, 'GET', '/v1/secret/data/team/denied')
  t.equal(read.json().data.metadata.version, 1, 'no new version was written')
  t.same(read.json().data.data, { v: 'kept' })
  const meta = await vault(app, 'GET', '/v1/secret/metadata/team/denied')
  t.equal(meta.json().data.current_version, 1, 'metadata untouched')
  t.same(meta.json().data.versions['1'].deletion_time, '', 'not deleted')
})
