// Issue 13 finding 1 (the ACL judges exactly the path that is served), over a real socket since
// curl and inject() strip or normalise what follows `#`. Policy: frag/* create/read/list, a deny
// on frag/denied, read-only on ro/*, and the destinations (not the secret) for associations/set.
import t, { type Test } from 'tap'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, vault, type TestServer } from '../helper.js'
import { rawExchange, rawRequest, type RawResponse } from '../raw-http.js'

const POLICY = `
path "secret/data/frag/*" { capabilities = ["create", "read", "list"] }
path "secret/data/frag/denied" { capabilities = ["deny"] }
path "secret/data/ro/*" { capabilities = ["read"] }
path "secret/metadata/frag/*" { capabilities = ["list"] }
path "sys/sync/*" { capabilities = ["create", "read", "update", "delete", "list"] }
`

async function setUp (t: Test, env: Record<string, string> = {}): Promise<{ server: TestServer, port: number, token: string }> {
  const server = await startTestServer(t, env)
  const { app } = server
  t.equal((await vault(app, 'PUT', '/v1/sys/policies/acl/frag', { body: { policy: POLICY } })).statusCode, 204)
  for (const key of ['frag/denied', 'frag/existing', 'ro/x']) {
    t.equal((await vault(app, 'POST', `/v1/secret/data/${key}`, { body: { data: { v: `${key}-value` } } })).statusCode, 200)
  }
  const created = await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['frag'] } })
  const { port } = app.server.address() as AddressInfo
  return { server, port, token: created.json().auth.client_token as string }
}

const send = async (port: number, method: string, target: string, token: string, body?: string, headers: Record<string, string> = {}): Promise<RawResponse> =>
  (await rawExchange(port, [rawRequest(method, target, { 'X-Vault-Token': token, ...headers }, body)]))[0]

t.test('finding 1: no spelling of a denied path reaches its data', async (t) => {
  const { port, token } = await setUp(t)
  t.equal((await send(port, 'GET', '/v1/secret/data/frag/denied', token)).status, 403, 'the plain path is denied')
  t.equal((await send(port, 'GET', '/v1/secret/data/frag/existing', token)).status, 200, 'a sibling is readable')
  for (const target of ['/v1/secret/data/frag/denied#', '/v1/secret/data/frag/denied#x', '/v1/secret/data/frag/denied?#']) {
    const res = await send(port, 'GET', target, token)
    t.equal(res.status, 400, `${target}: refused before any handler`)
    t.notMatch(res.body, 'frag/denied-value')
  }
  for (const target of ['/v1/secret/data/frag/denied%00', '/v1/secret/data/frag/denied%zz', '/v1/secret/data/frag/denied%',
    '/v1/secret/data/frag/x/../denied', '/v1/secret/data/frag/x/%2e%2e/denied', '/v1/secret/data/frag%2Fx%2F..%2Fdenied']) {
    t.equal((await send(port, 'GET', target, token)).status, 400, `${target}: 400`)
  }
  for (const [target, clean] of [
    ['/v1/secret/data/frag//denied', '/v1/secret/data/frag/denied'],
    ['/v1/secret/data/frag/./denied', '/v1/secret/data/frag/denied'],
    ['/v1/secret/data/frag%2F%2Fdenied?version=1', '/v1/secret/data/frag/denied?version=1']
  ]) {
    const res = await send(port, 'GET', target, token)
    t.equal(res.status, 301, `${target}: Go's ServeMux redirect`)
    t.equal(res.headers.location, clean)
    t.notMatch(res.body, 'frag/denied-value')
  }
  const encoded = await send(port, 'GET', '/v1/secret/data/frag%2Fdenied', token)
  t.equal(encoded.status, 403, '%2F is decoded once, for the ACL and the router alike')
  const hash = await send(port, 'GET', '/v1/secret/data/frag/denied%23', token)
  t.equal(hash.status, 404, '%23 is a different key (denied#), served and judged as such')
  t.equal((await send(port, 'GET', '/v1/secret/data/frag/DENIED', token)).status, 404, 'paths are case-sensitive: another key')
  t.equal((await send(port, 'GET', '/v1/secret/data/frag/denied?', token)).status, 403, 'a trailing ? changes nothing')
})

t.test('finding 1: # cannot turn an update into a create, nor write a read-only path', async (t) => {
  const { server, port, token } = await setUp(t)
  const body = JSON.stringify({ data: { v: 'overwritten' } })
  t.equal((await send(port, 'POST', '/v1/secret/data/frag/existing', token, body)).status, 403, 'update is not granted')
  t.equal((await send(port, 'POST', '/v1/secret/data/frag/existing#', token, body)).status, 400)
  t.equal((await send(port, 'POST', '/v1/secret/data/ro/x#', token, body)).status, 400)
  t.equal((await send(port, 'POST', '/v1/secret/data/ro/x', token, body)).status, 403)
  const read = await vault(server.app, 'GET', '/v1/secret/data/frag/existing')
  t.same(read.json().data.data, { v: 'frag/existing-value' }, 'the data is unchanged')
})

t.test('finding 1: associations/set keeps its read check on every spelling', async (t) => {
  const { server, port, token } = await setUp(t)
  const dest = JSON.stringify({ key_vault_uri: 'https://kv1.vault.azure.net', tenant_id: 't', client_id: 'c', client_secret: 's' })
  t.ok([200, 204].includes((await send(port, 'POST', '/v1/sys/sync/destinations/azure-kv/d1', token, dest)).status), 'destination created')
  const set = JSON.stringify({ mount: 'secret', secret_name: 'frag/denied' })
  for (const target of ['/v1/sys/sync/destinations/azure-kv/d1/associations/set', '/v1/sys/sync/destinations/azure-kv/d1/associations/set#']) {
    const res = await send(port, 'POST', target, token, set)
    t.ok(res.status === 403 || res.status === 400, `${target}: ${res.status}`)
  }
  for (const name of ['frag//denied', '/frag/denied', 'frag/./denied']) {
    const res = await send(port, 'POST', '/v1/sys/sync/destinations/azure-kv/d1/associations/set', token, JSON.stringify({ mount: 'secret', secret_name: name }))
    t.not(res.status, 200, `secret_name ${name} is refused`)
  }
  const list = await vault(server.app, 'GET', '/v1/sys/sync/destinations/azure-kv/d1/associations')
  t.same(list.json().data.associated_secrets, {}, 'nothing was associated')
})

t.test('finding 6: malformed heads are answered at once; CONNECT and TRACE are 405; LIST still works', async (t) => {
  // The header timeout is long here: only an immediate verdict can answer within the test.
  const { port, token } = await setUp(t, { VAULT_SYNC_HTTP_READ_HEADER_TIMEOUT: '10m', VAULT_SYNC_HTTP_READ_TIMEOUT: '10m' })
  // Each is answered by the parser's own verdict, not by the header timeout (which would be a 408).
  const malformed = { errors: ['malformed HTTP request'] }
  const bareLf = (await rawExchange(port, ['GET /v1/sys/health HTTP/1.1\nHost: x\n\n']))[0]
  t.equal(bareLf.status, 400, 'a bare-LF head is answered')
  t.same(JSON.parse(bareLf.body), malformed)
  const hello = Buffer.from('16030100a5010000a103035f', 'hex').toString('latin1')
  const helloAnswer = (await rawExchange(port, [hello]))[0]
  t.equal(helloAnswer.status, 400, 'a TLS ClientHello on the plain port is a 400')
  t.same(JSON.parse(helloAnswer.body), malformed)
  const garbage = (await rawExchange(port, ['\x00\x01\x02garbage\r\n\r\n']))[0]
  t.equal(garbage.status, 400)
  t.same(JSON.parse(garbage.body), malformed)
  const connect = (await rawExchange(port, ['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n']))[0]
  t.equal(connect.status, 405)
  t.same(JSON.parse(connect.body), { errors: [] })
  const trace = await send(port, 'TRACE', '/v1/secret/data/frag/existing', token)
  t.equal(trace.status, 405)
  t.equal((await send(port, 'OPTIONS', '/v1/sys/health', token)).status, 405)
  const list = await send(port, 'LIST', '/v1/secret/metadata/frag', token)
  t.equal(list.status, 200, 'LIST is rewritten and allowed by frag/*')
  t.same(JSON.parse(list.body).data.keys.sort(), ['denied', 'existing'])
  const bareLfList = (await rawExchange(port, [`LIST /v1/secret/metadata/frag HTTP/1.1\nHost: x\nX-Vault-Token: ${token}\n\n`]))[0]
  t.ok(bareLfList.status === 200 || bareLfList.status === 400, `a bare-LF LIST head is rewritten or refused, never a 405 (${bareLfList.status})`)
})

t.test('finding 6: a slow body gets 408 after the read timeout', async (t) => {
  const { port, token } = await setUp(t, { VAULT_SYNC_HTTP_READ_TIMEOUT: '400ms', VAULT_SYNC_HTTP_READ_HEADER_TIMEOUT: '300ms' })
  const partial = `POST /v1/secret/data/frag/slow HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nContent-Length: 100\r\n\r\n{"data":`
  const res = (await rawExchange(port, [partial]))[0]
  t.equal(res.status, 408)
  const silent = (await rawExchange(port, ['GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n']))[0]
  t.equal(silent.status, 408, 'an unfinished head too')
})

t.test('finding 3: deep and wide JSON is a 400 naming the limit, audited, never a 500', async (t) => {
  const dir = (await import('node:os')).tmpdir()
  const auditFile = join(dir, `vault-sync-audit-${process.pid}-${Date.now()}.log`)
  const { server, port, token } = await setUp(t, { VAULT_SYNC_AUDIT_FILE: auditFile, VAULT_SYNC_MAX_JSON_ARRAY_ELEMENT_COUNT: '100' })
  const deep = (n: number): string => `{"data":{"v":${'['.repeat(n)}${']'.repeat(n)}}}`
  for (const n of [3000, 6000, 501]) {
    const res = await send(port, 'POST', '/v1/secret/data/frag/deep', token, deep(n))
    t.equal(res.status, 400, `depth ${n}`)
    t.match(JSON.parse(res.body).errors[0], /max_json_depth 500/)
  }
  const ok = await send(port, 'POST', '/v1/secret/data/frag/deep', token, deep(400))
  t.equal(ok.status, 200, 'depth 402 is within the limit')
  const wide = await send(port, 'POST', '/v1/secret/data/frag/wide', token, JSON.stringify({ data: { v: Array.from({ length: 101 }, () => 1) } }))
  t.equal(wide.status, 400)
  t.match(JSON.parse(wide.body).errors[0], /max_json_array_element_count 100/)
  const dup = await send(port, 'POST', '/v1/secret/data/frag/dup', token, '{"data":{"a":"1"},"data":{"a":"2"}}')
  t.equal(dup.status, 400, 'duplicate keys are refused, as Vault')
  const root = await vault(server.app, 'POST', '/v1/secret/data/frag/root-deep', { body: deep(3000) })
  t.equal(root.statusCode, 400, 'a root token gets the same 400')
  const audit = readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string, error: string })
  t.ok(audit.some((e) => e.type === 'response' && /max_json_depth/.test(e.error)), 'the refusal is audited')
})
