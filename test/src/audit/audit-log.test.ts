// The file audit device (issue 9 Done-when 3, decisions D-26): after a secret write, a
// destination create and a token create, the log holds no secret value, client secret or token
// in clear, and the digests in it are the ones sys/audit-hash/file computes (also via hvac).
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ROOT_TOKEN, requirePythonModule, runPython, startTestServer, tempDir, tokenWithPolicy, vault } from '../../helper.js'
import { AZURE_BODY, CLIENT_SECRET } from '../../sync-fixtures.js'

const SECRET_VALUE = 'pa55-w0rd-never-logged'

interface Entry { type: string, auth: any, request: any, response?: any, error: string }

t.test('audit log: HMACs instead of secrets, matching sys/audit-hash', async (t) => {
  const file = join(tempDir(t), 'audit.log')
  const server = await startTestServer(t, { VAULT_SYNC_AUDIT_FILE: file })
  const { app } = server
  t.equal((await vault(app, 'POST', '/v1/secret/data/app/db', { body: { data: { password: SECRET_VALUE, port: 5432 } } })).statusCode, 200)
  t.equal((await vault(app, 'GET', '/v1/secret/data/app/db')).statusCode, 200)
  const dest = await vault(app, 'PUT', '/v1/sys/sync/destinations/azure-kv/audited', { body: AZURE_BODY })
  t.equal(dest.statusCode, 200)
  const created = (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['default'] } })).json().auth
  t.equal((await vault(app, 'GET', '/v1/sys/mounts', { token: created.client_token })).statusCode, 403)

  const hash = async (input: string): Promise<string> => {
    const res = await vault(app, 'POST', '/v1/sys/audit-hash/file', { body: { input } })
    t.equal(res.statusCode, 200)
    t.equal(res.json().hash, res.json().data.hash, 'injected at the top level')
    return res.json().data.hash as string
  }
  const text = readFileSync(file, 'utf8')
  t.equal(statSync(file).mode & 0o777, 0o600, 'the log is private to the server user')
  for (const clear of [SECRET_VALUE, CLIENT_SECRET, ROOT_TOKEN, created.client_token, created.accessor]) {
    t.notOk(text.includes(clear), `no ${clear.slice(0, 6)}… in clear`)
  }
  const entries = text.trim().split('\n').map((l) => JSON.parse(l) as Entry)
  t.ok(entries.every((e) => e.type === 'request' || e.type === 'response'))
  const find = (type: string, method: string, path: string): Entry | undefined =>
    entries.find((e) => e.type === type && e.request.path === path && e.request.operation === method)

  const rootHash = await hash(ROOT_TOKEN)
  t.match(rootHash, /^hmac-sha256:[0-9a-f]{64}$/)
  const write = find('request', 'create', 'secret/data/app/db')
  t.ok(write, 'the first write is a create (existence check)')
  t.equal(write?.request.data.data.password, await hash(SECRET_VALUE))
  t.equal(write?.request.data.data.port, 5432, 'non-string leaves are kept')
  t.equal(write?.auth.client_token, rootHash)
  t.same(write?.auth.policies, ['root'])
  t.equal(write?.request.mount_type, 'kv')
  const read = find('response', 'read', 'secret/data/app/db')
  t.equal(read?.response.data.data.password, await hash(SECRET_VALUE), 'the read answer is hashed too')
  const destReq = find('request', 'create', 'sys/sync/destinations/azure-kv/audited')
  t.equal(destReq?.request.data.client_secret, await hash(CLIENT_SECRET))
  const tokenResp = find('response', 'update', 'auth/token/create')
  t.equal(tokenResp?.response.auth.client_token, await hash(created.client_token))
  t.equal(tokenResp?.response.auth.accessor, await hash(created.accessor))
  const deniedPair = entries.filter((e) => e.request.path === 'sys/mounts')
  t.same(deniedPair.map((e) => e.type), ['request', 'response'], 'a denied request is audited')
  t.match(deniedPair[0].error, /permission denied/)
  t.equal(deniedPair[0].auth.client_token, await hash(created.client_token))
  t.notOk(entries.some((e) => e.request.path === 'sys/health'), 'health is not audited, as in Vault')

  if (!await requirePythonModule(t, 'hvac', 'python3-hvac')) return
  const out = await runPython(`
import hvac, json, os
c = hvac.Client(url=os.environ['VAULT_ADDR'], token=os.environ['VAULT_TOKEN'])
print(json.dumps(c.sys.calculate_hash(path='file', input_to_hash=os.environ['V'])['data']['hash']))
print(json.dumps(c.sys.list_enabled_audit_devices()['data']))
`, { VAULT_ADDR: server.address, VAULT_TOKEN: ROOT_TOKEN, V: SECRET_VALUE })
  const [hvacHash, hvacDevices] = out.trim().split('\n').map((l) => JSON.parse(l))
  t.equal(hvacHash, await hash(SECRET_VALUE), 'hvac sys.calculate_hash gives the logged digest')
  t.same(hvacDevices, { 'file/': { path: 'file/', type: 'file', description: '', options: { file_path: file }, local: false } },
    'hvac sys.list_enabled_audit_devices (vault audit list) shows the file device')
})

t.test('GET sys/audit lists the devices, root-protected as in Vault', async (t) => {
  const file = join(tempDir(t), 'audit.log')
  const { app } = await startTestServer(t, { VAULT_SYNC_AUDIT_FILE: file })
  const listed = await vault(app, 'GET', '/v1/sys/audit')
  t.equal(listed.statusCode, 200)
  const device = { path: 'file/', type: 'file', description: '', options: { file_path: file }, local: false }
  t.same(listed.json().data, { 'file/': device })
  t.same(listed.json()['file/'], device, 'injected at the top level (sys/audit*)')
  const reader = await tokenWithPolicy(app, 'audit-reader', 'path "sys/audit" { capabilities = ["read"] }')
  t.equal((await vault(app, 'GET', '/v1/sys/audit', { token: reader })).statusCode, 403, 'read alone is not enough: sudo')
  const sudoer = await tokenWithPolicy(app, 'audit-sudo', 'path "sys/audit" { capabilities = ["read", "sudo"] }')
  t.same((await vault(app, 'GET', '/v1/sys/audit', { token: sudoer })).json().data, { 'file/': device })

  for (const method of ['PUT', 'DELETE'] as const) {
    t.same((await vault(app, method, '/v1/sys/audit/file2', method === 'PUT' ? { body: { type: 'file', options: { file_path: '/tmp/x' } } } : {})).json(),
      { errors: ['audit devices are set by VAULT_SYNC_AUDIT_FILE (or audit_file in the config file), not through the API'] }, `${method} sys/audit/:path (vault audit enable/disable)`)
  }
  t.equal((await vault(app, 'PUT', '/v1/sys/audit/file2', { token: reader, body: { type: 'file' } })).statusCode, 403, 'root-protected first, as in Vault')
  const { app: none } = await startTestServer(t)
  t.same((await vault(none, 'GET', '/v1/sys/audit')).json().data, {}, 'no VAULT_SYNC_AUDIT_FILE, no device')
})

t.test('sys/audit-hash needs a device and update on its path', async (t) => {
  const { app } = await startTestServer(t)
  const none = await vault(app, 'POST', '/v1/sys/audit-hash/file', { body: { input: 'x' } })
  t.equal(none.statusCode, 400)
  t.same(none.json(), { errors: ['unknown audit backend file'] }, 'no VAULT_SYNC_AUDIT_FILE, no device')
  const token = (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['default'] } })).json().auth.client_token
  t.equal((await vault(app, 'POST', '/v1/sys/audit-hash/file', { token, body: { input: 'x' } })).statusCode, 403)
})

t.test('audit_non_hmac_request_keys / _response_keys: the serving mount\'s keys are logged in clear', async (t) => {
  const file = join(tempDir(t), 'audit.log')
  const { app } = await startTestServer(t, { VAULT_SYNC_AUDIT_FILE: file })
  const config = { audit_non_hmac_request_keys: ['user', 'tags'], audit_non_hmac_response_keys: 'user' }
  t.equal((await vault(app, 'POST', '/v1/sys/mounts/clear', { body: { type: 'kv-v2', config } })).statusCode, 204)
  const body = { data: { user: 'alice', password: SECRET_VALUE, tags: ['a', 'b'] } }
  t.equal((await vault(app, 'POST', '/v1/clear/data/app', { body })).statusCode, 200)
  t.equal((await vault(app, 'GET', '/v1/clear/data/app')).statusCode, 200)
  t.equal((await vault(app, 'POST', '/v1/secret/data/app', { body })).statusCode, 200)
  t.equal((await vault(app, 'POST', '/v1/sys/auth/token/tune', { body: { audit_non_hmac_request_keys: ['display_name'] } })).statusCode, 204)
  t.equal((await vault(app, 'POST', '/v1/auth/token/create', { body: { display_name: 'ci-job', policies: ['default'] } })).statusCode, 200)
  // A tune takes effect at once: `user` is hashed again.
  t.equal((await vault(app, 'POST', '/v1/sys/mounts/clear/tune', { body: { audit_non_hmac_request_keys: [] } })).statusCode, 204)
  t.equal((await vault(app, 'POST', '/v1/clear/data/later', { body })).statusCode, 200)

  const entries = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Entry)
  const find = (type: string, path: string): Entry => entries.find((e) => e.type === type && e.request.path === path)!
  const hmac = /^hmac-sha256:/
  for (const type of ['request', 'response']) {
    const written = find(type, 'clear/data/app').request.data.data
    t.same([written.user, written.tags], ['alice', ['a', 'b']], `${type} entry: the request keys in clear`)
    t.match(written.password, hmac)
  }
  const answer = entries.find((e) => e.type === 'response' && e.request.path === 'clear/data/app' && e.request.operation === 'read')!.response.data.data
  t.equal(answer.user, 'alice', 'the response key in clear')
  t.match(answer.password, hmac)
  t.match(answer.tags[0], hmac, 'a request key is hashed in the response')
  t.match(find('request', 'secret/data/app').request.data.data.user, hmac, 'another mount has its own (no) keys')
  t.equal(find('request', 'auth/token/create').request.data.display_name, 'ci-job', 'the token store\'s keys (sys/auth/token/tune)')
  t.match(find('request', 'clear/data/later').request.data.data.user, hmac)
  t.notOk(readFileSync(file, 'utf8').includes(SECRET_VALUE))
})
