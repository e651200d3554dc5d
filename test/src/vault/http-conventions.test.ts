// Vault's wire conventions (spec/vault-core-kv-api.md §1; decisions D-6, D-17): bodies, errors,
// tokens, content types, status codes. Every error path checks status and body.
import t from 'tap'
import { ROOT_TOKEN, startTestServer, vault } from '../../helper.js'

const PERMISSION_DENIED = { errors: ['1 error occurred:\n\t* permission denied\n\n'] }
const INVALID_TOKEN = { errors: ['2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n'] }

t.test('tokens: header forms and the two 403 texts', async (t) => {
  const { app } = await startTestServer(t)
  const none = await vault(app, 'GET', '/v1/sys/mounts', { token: null })
  t.equal(none.statusCode, 403)
  t.same(none.json(), PERMISSION_DENIED)
  const bad = await vault(app, 'GET', '/v1/sys/mounts', { token: 'hvs.nope' })
  t.equal(bad.statusCode, 403)
  t.same(bad.json(), INVALID_TOKEN)
  const bearer = await vault(app, 'GET', '/v1/sys/mounts', { token: null, headers: { authorization: `Bearer ${ROOT_TOKEN}` } })
  t.equal(bearer.statusCode, 200)
  const notBearer = await vault(app, 'GET', '/v1/sys/mounts', { token: null, headers: { authorization: `Basic ${ROOT_TOKEN}` } })
  t.equal(notBearer.statusCode, 403)
  t.same(notBearer.json(), PERMISSION_DENIED)
  // X-Vault-Token wins over Authorization.
  const both = await vault(app, 'GET', '/v1/sys/mounts', { token: 'hvs.nope', headers: { authorization: `Bearer ${ROOT_TOKEN}` } })
  t.equal(both.statusCode, 403)
})

t.test('content types: exactly application/json, on success and error', async (t) => {
  const { app } = await startTestServer(t)
  for (const res of [
    await vault(app, 'GET', '/v1/sys/mounts'),
    await vault(app, 'GET', '/v1/sys/mounts', { token: null }),
    await vault(app, 'GET', '/v1/nope/x'),
    await app.inject({ method: 'GET', url: '/outside' })
  ]) {
    t.equal(res.headers['content-type'], 'application/json', `${res.statusCode}`)
    t.equal(res.headers['cache-control'], 'no-store')
  }
  const outside = await app.inject({ method: 'GET', url: '/outside' })
  t.equal(outside.statusCode, 404)
  t.same(outside.json(), { errors: [] })
})

t.test('bodies: JSON whatever the Content-Type, clear 400s otherwise', async (t) => {
  const { app } = await startTestServer(t)
  const body = JSON.stringify({ type: 'kv-v2' })
  const noType = await app.inject({ method: 'POST', url: '/v1/sys/mounts/a', headers: { 'x-vault-token': ROOT_TOKEN }, payload: body })
  t.equal(noType.statusCode, 204, 'no Content-Type (Vault Go client)')
  const form = await app.inject({
    method: 'POST', url: '/v1/sys/mounts/b', payload: body,
    headers: { 'x-vault-token': ROOT_TOKEN, 'content-type': 'application/x-www-form-urlencoded' }
  })
  t.equal(form.statusCode, 204, 'curl --data (form content type)')
  const badJson = await app.inject({ method: 'POST', url: '/v1/sys/mounts/c', headers: { 'x-vault-token': ROOT_TOKEN, 'content-type': 'application/json' }, payload: '{"type":' })
  t.equal(badJson.statusCode, 400)
  t.match(badJson.json(), { errors: [/^failed to parse JSON input: /] })
  const array = await vault(app, 'POST', '/v1/sys/mounts/c', { body: '[1,2]' })
  t.equal(array.statusCode, 400)
  t.same(array.json(), { errors: ['failed to parse JSON input: json: cannot unmarshal array into Go value of type map[string]interface {}'] })
  const str = await vault(app, 'POST', '/v1/sys/mounts/c', { body: '"kv"' })
  t.equal(str.statusCode, 400)
  t.same(str.json(), { errors: ['failed to parse JSON input: json: cannot unmarshal string into Go value of type map[string]interface {}'] })
  const wrongType = await vault(app, 'POST', '/v1/sys/mounts/c', { body: { type: 42 } })
  t.equal(wrongType.statusCode, 400)
  t.same(wrongType.json(), { errors: ['backend type must be specified as a string'] })
  const nulls = await vault(app, 'POST', '/v1/sys/mounts/c', { body: { type: 'kv', description: null, config: null, options: { version: 2 } } })
  t.equal(nulls.statusCode, 204, 'JSON null means "not provided"; a numeric version is stored as the string "2"')
  t.equal((await vault(app, 'GET', '/v1/sys/mounts/c')).json().data.options.version, '2')
  const mounts = (await vault(app, 'GET', '/v1/sys/mounts')).json()
  t.equal(mounts['c/']?.description, '', 'nothing of the failed requests was stored, and c/ holds the last write')
})

t.test('request size: 413 over VAULT_SYNC_MAX_REQUEST_BYTES', async (t) => {
  const { app } = await startTestServer(t, { VAULT_SYNC_MAX_REQUEST_BYTES: '1024' })
  const res = await vault(app, 'POST', '/v1/sys/mounts/big', { body: { type: 'kv-v2', description: 'x'.repeat(2000) } })
  t.equal(res.statusCode, 413)
  t.same(res.json(), { errors: ['http: request body too large'] })
  t.equal((await vault(app, 'GET', '/v1/sys/mounts/big')).statusCode, 400, 'nothing was mounted')
})

t.test('PATCH needs application/merge-patch+json', async (t) => {
  const { app } = await startTestServer(t)
  const missing = await app.inject({ method: 'PATCH', url: '/v1/sys/mounts/x', headers: { 'x-vault-token': ROOT_TOKEN }, payload: '{}' })
  t.equal(missing.statusCode, 400)
  t.same(missing.json(), { errors: ['mime: no media type'] })
  const json = await app.inject({ method: 'PATCH', url: '/v1/sys/mounts/x', headers: { 'x-vault-token': ROOT_TOKEN, 'content-type': 'application/json' }, payload: '{}' })
  t.equal(json.statusCode, 415)
  t.same(json.json(), { errors: ['PATCH requires Content-Type of application/merge-patch+json, provided application/json'] })
  const merge = await app.inject({ method: 'PATCH', url: '/v1/sys/mounts/x', headers: { 'x-vault-token': ROOT_TOKEN, 'content-type': 'application/merge-patch+json; charset=utf-8' }, payload: '{}' })
  t.equal(merge.statusCode, 405, 'accepted media type; sys/mounts has no patch operation')
  t.same(merge.json(), { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] })
})

t.test('list= values follow Go ParseBool', async (t) => {
  const { app } = await startTestServer(t)
  const bad = await vault(app, 'GET', '/v1/sys/mounts?list=yes')
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { errors: [] })
  for (const v of ['1', 't', 'True', 'TRUE', 'true']) {
    const res = await vault(app, 'GET', `/v1/sys/mounts?list=${v}`)
    t.equal(res.statusCode, 404, `list=${v} is a list (sys/mounts has none)`)
  }
  t.equal((await vault(app, 'GET', '/v1/sys/mounts?list=false')).statusCode, 200, 'list=false is a read')
})

t.test('unknown routes and methods', async (t) => {
  const { app } = await startTestServer(t)
  const nope = await vault(app, 'GET', '/v1/nope/x')
  t.equal(nope.statusCode, 404)
  t.same(nope.json(), { errors: ['no handler for route "nope/x". route entry not found.'] })
  const sys = await vault(app, 'GET', '/v1/sys/nothing-here')
  t.equal(sys.statusCode, 404)
  t.same(sys.json(), { errors: ['1 error occurred:\n\t* unsupported path\n\n'] })
  const method = await vault(app, 'DELETE', '/v1/sys/seal-status')
  t.equal(method.statusCode, 405)
  t.same(method.json(), { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] })
  const health = await vault(app, 'PUT', '/v1/sys/health', { body: {} })
  t.equal(health.statusCode, 405)
  t.same(health.json(), { errors: [] })
  const ns = await vault(app, 'GET', '/v1/sys/mounts', { headers: { 'x-vault-namespace': 'team-a' } })
  t.equal(ns.statusCode, 400)
  t.same(ns.json(), { errors: ['namespaces are not supported'] })
  t.equal((await vault(app, 'GET', '/v1/sys/mounts', { headers: { 'x-vault-namespace': 'root' } })).statusCode, 200)
  await vault(app, 'POST', '/v1/secret/data/wrapped', { body: { data: { k: 'v' } } })
  const wrapped = await vault(app, 'GET', '/v1/secret/data/wrapped', { headers: { 'x-vault-wrap-ttl': '60s' } })
  t.same([wrapped.statusCode, wrapped.json()], [400, { errors: ['response wrapping is not supported'] }], 'never the secret in clear when wrapping was asked')
  t.equal((await vault(app, 'GET', '/v1/secret/data/wrapped', { headers: { 'x-vault-wrap-ttl': '' } })).statusCode, 200, 'an empty header asks nothing')
  t.equal((await vault(app, 'GET', '/v1/secret/data/wrapped', { headers: { 'x-vault-wrap-ttl': '0s' } })).statusCode, 200, 'nor a TTL of 0')
  t.equal((await vault(app, 'GET', '/v1/sys/health', { token: null, headers: { 'x-vault-wrap-ttl': '60s' } })).statusCode, 200, 'status endpoints never look')
})

t.test('unauthenticated status endpoints', async (t) => {
  const { app, services, storage, address } = await startTestServer(t)
  const health = await vault(app, 'GET', '/v1/sys/health', { token: null })
  t.equal(health.statusCode, 200)
  t.match(health.json(), { initialized: true, sealed: false, standby: false, version: String, cluster_id: services.cluster.id })
  const head = await vault(app, 'HEAD', '/v1/sys/health', { token: null })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.equal((await vault(app, 'GET', '/v1/sys/health?activecode=299', { token: null })).statusCode, 299)
  const badCode = await vault(app, 'GET', '/v1/sys/health?sealedcode=x', { token: null })
  t.equal(badCode.statusCode, 400)
  t.same(badCode.json(), { errors: [] })
  t.match((await vault(app, 'GET', '/v1/sys/seal-status', { token: null })).json(), { type: 'shamir', initialized: true, sealed: false, t: 1, n: 1 })
  // On PostgreSQL (issue 18) this one replica holds the maintenance lease, and sys/leader says so.
  const leader = storage.engine === 'postgresql' ? { ha_enabled: true, is_self: true, leader_address: address } : { ha_enabled: false, is_self: false, leader_address: '' }
  t.match((await vault(app, 'GET', '/v1/sys/leader', { token: null })).json(), leader)
  t.same((await vault(app, 'GET', '/v1/sys/init', { token: null })).json(), { initialized: true })
  const flags = await vault(app, 'GET', '/v1/sys/activation-flags', { token: null })
  t.equal(flags.statusCode, 200)
  t.same(flags.json().data, { activated: ['secrets-sync'], unactivated: [] })
})

t.test('auth/token/lookup-self describes the root token', async (t) => {
  const { app } = await startTestServer(t)
  const res = await vault(app, 'GET', '/v1/auth/token/lookup-self')
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.mount_type, 'token')
  t.match(body.data, { id: ROOT_TOKEN, policies: ['root'], path: 'auth/token/root', display_name: 'root', ttl: 0, orphan: true, expire_time: null, type: 'service', accessor: /^[0-9A-Za-z]{24}$/ })
  t.same(Object.keys(body), ['request_id', 'lease_id', 'renewable', 'lease_duration', 'data', 'wrap_info', 'warnings', 'auth', 'mount_type'])
})
