// Policy endpoints (spec/vault-core-kv-api.md §4.3): both APIs, data injection on sys/policy*,
// base64 text, parse errors, the built-in root and default policies.
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { ROOT_TOKEN, startTestServer, vault } from '../../helper.js'
import { rawExchange, rawRequest } from '../../raw-http.js'

const READ_APP = 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n'

t.test('sys/policies/acl: write, read, list, delete', async (t) => {
  const { app } = await startTestServer(t)
  const put = await vault(app, 'PUT', '/v1/sys/policies/acl/App-Reader', { body: { policy: READ_APP } })
  t.equal(put.statusCode, 200, 'a converted name is a 200 with a warning, as in Vault 1.10+')
  t.same(put.json().warnings, ['policy name was converted to app-reader'])
  t.equal(put.json().data, null)
  const same = await vault(app, 'PUT', '/v1/sys/policies/acl/app-reader', { body: { policy: READ_APP } })
  t.equal(same.statusCode, 204, 'a lower-case name has nothing to say')
  const read = await vault(app, 'GET', '/v1/sys/policies/acl/app-reader')
  t.equal(read.statusCode, 200)
  t.match(read.json(), { data: { name: 'app-reader', policy: READ_APP }, mount_type: 'system' })
  t.notOk('policy' in read.json(), 'sys/policies/acl is not injected')
  const listed = await vault(app, 'GET', '/v1/sys/policies/acl?list=true')
  t.same(listed.json().data, { keys: ['app-reader', 'default', 'root'] })
  for (const method of ['GET', 'POST', 'PUT', 'DELETE'] as const) {
    const res = await vault(app, method, '/v1/sys/policies/acl', { body: method === 'POST' || method === 'PUT' ? {} : undefined })
    t.same([res.statusCode, res.json()], [405, { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] }], `${method} without a name: Vault's 405`)
  }
  const { port } = app.server.address() as AddressInfo
  const [verb] = await rawExchange(port, [rawRequest('LIST', '/v1/sys/policies/acl', { 'X-Vault-Token': ROOT_TOKEN })])
  t.same([verb.status, JSON.parse(verb.body).data], [200, { keys: ['app-reader', 'default', 'root'] }], 'the LIST verb over a socket still lists')
  t.equal((await vault(app, 'DELETE', '/v1/sys/policies/acl/app-reader')).statusCode, 204)
  const gone = await vault(app, 'GET', '/v1/sys/policies/acl/app-reader')
  t.equal(gone.statusCode, 404)
  t.same(gone.json(), { errors: [] })
  t.equal((await vault(app, 'DELETE', '/v1/sys/policies/acl/never-was')).statusCode, 204, 'deleting a missing policy is fine')
})

t.test('sys/policy (legacy): injected data, rules with a deprecation warning, base64', async (t) => {
  const { app } = await startTestServer(t)
  const b64 = await vault(app, 'POST', '/v1/sys/policy/b64', { body: { policy: Buffer.from(READ_APP).toString('base64') } })
  t.equal(b64.statusCode, 204)
  const read = await vault(app, 'GET', '/v1/sys/policy/b64')
  t.equal(read.json().rules, READ_APP, 'injected at the top level, decoded from base64')
  t.equal(read.json().data.rules, READ_APP)
  const legacy = await vault(app, 'PUT', '/v1/sys/policy/old', { body: { name: 'old', rules: READ_APP } })
  t.equal(legacy.statusCode, 200)
  t.same(legacy.json().warnings, ["'rules' is deprecated, please use 'policy' instead"])
  const cap = await vault(app, 'PUT', '/v1/sys/policy/CapPolicy', { body: { policy: READ_APP } })
  t.equal(cap.statusCode, 200)
  t.same(cap.json().warnings, ['policy name was converted to cappolicy'])
  t.equal((await vault(app, 'GET', '/v1/sys/policy/cappolicy')).statusCode, 200)
  const both = await vault(app, 'PUT', '/v1/sys/policy/MixedTwo', { body: { rules: READ_APP } })
  t.same(both.json().warnings, ['policy name was converted to mixedtwo', "'rules' is deprecated, please use 'policy' instead"])
  await vault(app, 'DELETE', '/v1/sys/policy/cappolicy')
  await vault(app, 'DELETE', '/v1/sys/policy/mixedtwo')
  const all = await vault(app, 'GET', '/v1/sys/policy')
  t.same(all.json().policies, ['b64', 'default', 'old', 'root'])
  t.same(all.json().data.keys, ['b64', 'default', 'old', 'root'])
  const root = await vault(app, 'GET', '/v1/sys/policy/root')
  t.same(root.json().data, { name: 'root', rules: '' })
  t.match((await vault(app, 'GET', '/v1/sys/policy/default')).json().data.rules, /path "auth\/token\/lookup-self"/)
})

t.test('refusals name the problem', async (t) => {
  const { app } = await startTestServer(t)
  const cases: Array<[string, unknown, string]> = [
    ['/v1/sys/policies/acl/x', { policy: '' }, "'policy' parameter not supplied or empty"],
    ['/v1/sys/policies/acl/x', {}, "'policy' parameter not supplied or empty"],
    ['/v1/sys/policies/acl/x', { policy: 'path "a" { capabilities = ["write"] }' }, 'failed to parse policy: path "a": invalid capability "write"'],
    ['/v1/sys/policies/acl/x', { policy: '{"path": {"a": {"caps": ["read"]}}}' }, 'failed to parse policy: path "a": invalid key "caps"'],
    ['/v1/sys/policies/acl/root', { policy: READ_APP }, 'cannot update "root" policy'],
    ['/v1/sys/policy/root', { policy: READ_APP }, 'cannot update "root" policy']
  ]
  for (const [url, body, message] of cases) {
    const res = await vault(app, 'PUT', url, { body })
    t.equal(res.statusCode, 400, url)
    t.same(res.json(), { errors: [message] })
  }
  const hcl = await vault(app, 'PUT', '/v1/sys/policies/acl/x', { body: { policy: 'path "a" {' } })
  t.equal(hcl.statusCode, 400)
  t.match(hcl.json().errors[0], /^failed to parse policy: .*policy\.hcl:1,/, 'the HCL position is given')
  for (const [url, message] of [['/v1/sys/policies/acl/root', 'cannot delete "root" policy'], ['/v1/sys/policy/default', 'cannot delete default policy']]) {
    const res = await vault(app, 'DELETE', url)
    t.equal(res.statusCode, 400)
    t.same(res.json(), { errors: [message] })
  }
  const edited = await vault(app, 'PUT', '/v1/sys/policies/acl/default', { body: { policy: READ_APP } })
  t.equal(edited.statusCode, 204, 'default can be edited')
})

t.test('a policy change applies to existing tokens at once', async (t) => {
  const { app } = await startTestServer(t)
  await vault(app, 'PUT', '/v1/sys/policies/acl/p', { body: { policy: 'path "sys/mounts" {\n capabilities = ["read"]\n}\n' } })
  const token = (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['p'] } })).json().auth.client_token
  t.equal((await vault(app, 'GET', '/v1/sys/mounts', { token })).statusCode, 200)
  await vault(app, 'PUT', '/v1/sys/policies/acl/p', { body: { policy: 'path "sys/mounts" {\n capabilities = ["deny"]\n}\n' } })
  t.equal((await vault(app, 'GET', '/v1/sys/mounts', { token })).statusCode, 403)
  await vault(app, 'DELETE', '/v1/sys/policies/acl/p')
  t.equal((await vault(app, 'GET', '/v1/sys/mounts', { token })).statusCode, 403)
})
