// Enforcement details through the HTTP API (spec/vault-core-kv-api.md §1.1, §2.7, §4.5):
// ACL before routing, lists, the CLI preflight, capabilities-self (and of another token or
// accessor), parameter constraints, wrapping-only rules, PATCH needing patch.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { ROOT_TOKEN, startTestServer, vault } from '../../helper.js'

const DENIED = { errors: ['1 error occurred:\n\t* permission denied\n\n'] }

async function tokenWith (app: FastifyInstance, name: string, policy: string): Promise<string> {
  t.equal((await vault(app, 'PUT', `/v1/sys/policies/acl/${name}`, { body: { policy } })).statusCode, 204, `policy ${name}`)
  return (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: [name] } })).json().auth.client_token as string
}

t.test('ACL runs before routing; lists use the list capability on the trailing-slash path', async (t) => {
  const { app } = await startTestServer(t)
  await vault(app, 'POST', '/v1/secret/data/team/a', { body: { data: { k: 'v' } } })
  const token = await tokenWith(app, 'lister', 'path "secret/metadata/team/" {\n capabilities = ["list"]\n}\npath "nope/*" {\n capabilities = ["read"]\n}\n')
  const unmounted = await vault(app, 'GET', '/v1/elsewhere/x', { token })
  t.equal(unmounted.statusCode, 403, 'a non-root token gets 403, not the 404 of an unknown route')
  t.same(unmounted.json(), DENIED)
  t.equal((await vault(app, 'GET', '/v1/nope/x', { token })).statusCode, 404, 'allowed by the ACL, then no handler')
  const listed = await vault(app, 'GET', '/v1/secret/metadata/team?list=true', { token })
  t.equal(listed.statusCode, 200)
  t.same(listed.json().data.keys, ['a'])
  t.same((await vault(app, 'GET', '/v1/secret/metadata/team/a', { token })).json(), DENIED, 'a read is not a list')
})

t.test('the CLI preflight answers by the token\'s grants under the mount', async (t) => {
  const { app } = await startTestServer(t)
  await vault(app, 'POST', '/v1/sys/mounts/other', { body: { type: 'kv-v2' } })
  const token = await tokenWith(app, 'one-secret', 'path "secret/data/app/db" {\n capabilities = ["read"]\n}\n')
  const ok = await vault(app, 'GET', '/v1/sys/internal/ui/mounts/secret/app/db', { token })
  t.equal(ok.statusCode, 200)
  t.match(ok.json().data, { path: 'secret/', options: { version: '2' } })
  const other = await vault(app, 'GET', '/v1/sys/internal/ui/mounts/other', { token })
  t.equal(other.statusCode, 403)
  t.same(other.json(), { errors: ['preflight capability check returned 403, please ensure client\'s policies grant access to path "other/"'] })
  t.same((await vault(app, 'GET', '/v1/sys/internal/ui/mounts/secret', { token: null })).json(), DENIED)
})

t.test('capabilities-self: single path repeats under capabilities; root is root', async (t) => {
  const { app } = await startTestServer(t)
  const token = await tokenWith(app, 'caps', 'path "secret/data/*" {\n capabilities = ["read", "list", "update"]\n}\npath "secret/data/x" {\n capabilities = ["deny"]\n}\n')
  const one = await vault(app, 'POST', '/v1/sys/capabilities-self', { token, body: { paths: ['secret/data/y'] } })
  t.same(one.json().data, { 'secret/data/y': ['list', 'read', 'update'], capabilities: ['list', 'read', 'update'] })
  t.same(one.json().capabilities, ['list', 'read', 'update'], 'injected')
  const two = await vault(app, 'POST', '/v1/sys/capabilities-self', { token, body: { paths: 'secret/data/x,auth/token/lookup-self' } })
  t.same(two.json().data, { 'secret/data/x': ['deny'], 'auth/token/lookup-self': ['read'] })
  const root = await vault(app, 'POST', '/v1/sys/capabilities-self', { body: { path: ['a/b'] } })
  t.same(root.json().data, { 'a/b': ['root'], capabilities: ['root'] })
})

t.test('sys/capabilities and sys/capabilities-accessor: another token\'s capabilities, with update on the path', async (t) => {
  const { app } = await startTestServer(t)
  const token = await tokenWith(app, 'caps', 'path "secret/data/*" {\n capabilities = ["read", "list"]\n}\n')
  const { accessor } = (await vault(app, 'GET', '/v1/auth/token/lookup-self', { token })).json().data as { accessor: string }
  // `vault token capabilities <token> <path>` sends { token, path }.
  const byToken = await vault(app, 'POST', '/v1/sys/capabilities', { body: { token, path: 'secret/data/y' } })
  t.equal(byToken.statusCode, 200)
  t.same(byToken.json().data, { 'secret/data/y': ['list', 'read'], capabilities: ['list', 'read'] })
  t.same(byToken.json().capabilities, ['list', 'read'], 'injected')
  const byAccessor = await vault(app, 'PUT', '/v1/sys/capabilities-accessor', { body: { accessor, paths: ['secret/data/y', 'sys/mounts'] } })
  t.same(byAccessor.json().data, { 'secret/data/y': ['list', 'read'], 'sys/mounts': ['deny'] })
  t.same((await vault(app, 'POST', '/v1/sys/capabilities', { body: { token: ROOT_TOKEN, paths: ['a/b'] } })).json().data, { 'a/b': ['root'], capabilities: ['root'] })

  const refusals: Array<[string, unknown, string]> = [
    ['/v1/sys/capabilities', { paths: ['a'] }, 'no token found'],
    ['/v1/sys/capabilities', { token: 'hvs.unknown', paths: ['a'] }, 'invalid token'],
    ['/v1/sys/capabilities-accessor', { paths: ['a'] }, 'missing accessor'],
    ['/v1/sys/capabilities-accessor', { accessor: 'nope', paths: ['a'] }, 'invalid accessor'],
    ['/v1/sys/capabilities', { token }, 'paths must be supplied'],
    ['/v1/sys/capabilities-self', { paths: [] }, 'paths must be supplied']
  ]
  for (const [url, body, text] of refusals) {
    const res = await vault(app, 'POST', url, { body })
    t.same([res.statusCode, res.json()], [400, { errors: [text] }], `${url} ${JSON.stringify(body)}`)
  }
  t.same((await vault(app, 'POST', '/v1/sys/capabilities', { body: { token: ['x'] } })).statusCode, 400, 'a token of the wrong type names the field')

  // Revoked: no longer a live token.
  t.equal((await vault(app, 'POST', '/v1/auth/token/revoke-accessor', { body: { accessor } })).statusCode, 204)
  t.same((await vault(app, 'POST', '/v1/sys/capabilities', { body: { token, paths: ['a'] } })).json(), { errors: ['invalid token'] })

  // The caller needs update on the path; the default policy grants only capabilities-self.
  const plain = await tokenWith(app, 'plain', 'path "secret/*" {\n capabilities = ["read"]\n}\n')
  t.same((await vault(app, 'POST', '/v1/sys/capabilities', { token: plain, body: { token: plain, paths: ['a'] } })).json(), DENIED)
  t.same((await vault(app, 'POST', '/v1/sys/capabilities-accessor', { token: plain, body: { accessor: 'x', paths: ['a'] } })).json(), DENIED)
  const asker = await tokenWith(app, 'asker', 'path "sys/capabilities" {\n capabilities = ["update"]\n}\n')
  t.same((await vault(app, 'POST', '/v1/sys/capabilities', { token: asker, body: { token: plain, paths: ['secret/a'] } })).json().data.capabilities, ['read'])
})

t.test('parameters, wrapping-only rules and PATCH', async (t) => {
  const { app } = await startTestServer(t)
  await vault(app, 'POST', '/v1/secret/data/p', { body: { data: { a: '1' } } })
  const token = await tokenWith(app, 'params', [
    'path "secret/data/p" {', ' capabilities = ["update", "read"]', ' allowed_parameters = {', '  "data" = []', ' }', '}',
    'path "secret/data/wrapped" {', ' capabilities = ["read"]', ' min_wrapping_ttl = "1m"', '}', ''
  ].join('\n'))
  t.equal((await vault(app, 'POST', '/v1/secret/data/p', { token, body: { data: { a: '2' } } })).statusCode, 200)
  t.same((await vault(app, 'POST', '/v1/secret/data/p', { token, body: { data: { a: '3' }, options: { cas: 2 } } })).json(), DENIED, 'options is not an allowed parameter')
  t.same((await vault(app, 'GET', '/v1/secret/data/wrapped', { token })).json(), DENIED, 'the rule requires response wrapping')
  const patch = await vault(app, 'PATCH', '/v1/secret/data/p', { token, body: { data: { a: '4' } }, headers: { 'content-type': 'application/merge-patch+json' } })
  t.same(patch.json(), DENIED, 'PATCH needs the patch capability')
})

t.test('sudo-protected paths need sudo as well', async (t) => {
  const { app } = await startTestServer(t)
  const token = await tokenWith(app, 'audit-admin', 'path "sys/audit/*" {\n capabilities = ["update", "read"]\n}\n')
  t.same((await vault(app, 'PUT', '/v1/sys/audit/file', { token, body: { type: 'file' } })).json(), DENIED)
  const sudo = await tokenWith(app, 'audit-sudo', 'path "sys/audit/*" {\n capabilities = ["update", "sudo"]\n}\n')
  t.equal((await vault(app, 'PUT', '/v1/sys/audit/file', { token: sudo, body: { type: 'file' } })).statusCode, 400, 'allowed by the ACL; the route says devices are set by VAULT_SYNC_AUDIT_FILE')
})
