// Form-encoded bodies (spec/vault-core-kv-api.md §1.3, §1.4; Vault `http/logical.go`,
// `http/handler.go` `isForm`, `parseFormRequest`): `curl -d 'k=v'` works as on Vault, a JSON body
// with the form content type is still JSON, and the body limits hold for forms.
import t from 'tap'
import { execFile } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { ROOT_TOKEN, startTestServer, vault } from '../helper.js'
import { rawExchange, rawRequest } from '../raw-http.js'

const FORM = 'application/x-www-form-urlencoded'
const FORM_ERROR = { errors: ['error parsing form data'] }

/** A POST with `payload` and the form content type (curl --data). */
async function postForm (app: FastifyInstance, url: string, payload: string, type = FORM): Promise<LightMyRequestResponse> {
  return await vault(app, 'POST', url, { body: payload, headers: { 'content-type': type } })
}

/** The deletion times of a KV v2 secret's versions, by version. */
async function deletionTimes (app: FastifyInstance, path: string): Promise<Record<string, string>> {
  const versions = (await vault(app, 'GET', `/v1/secret/metadata/${path}`)).json().data.versions as Record<string, { deletion_time: string }>
  return Object.fromEntries(Object.entries(versions).map(([v, m]) => [v, m.deletion_time]))
}

t.test('KV v2 delete/undelete: versions=2 is the string "2"; a repeated key is a comma list', async (t) => {
  const { app } = await startTestServer(t)
  for (let i = 0; i < 3; i++) t.equal((await vault(app, 'POST', '/v1/secret/data/f', { body: { data: { n: i } } })).statusCode, 200)
  const del = await postForm(app, '/v1/secret/delete/f', 'versions=1&versions=2')
  t.equal(del.statusCode, 204, 'versions=1&versions=2 is "1,2"')
  let times = await deletionTimes(app, 'f')
  t.ok(times['1'] !== '' && times['2'] !== '' && times['3'] === '', 'versions 1 and 2 deleted, 3 kept')
  const undelete = await postForm(app, '/v1/secret/undelete/f', 'versions=2')
  t.equal(undelete.statusCode, 204)
  t.equal(undelete.body, '')
  times = await deletionTimes(app, 'f')
  t.ok(times['1'] !== '' && times['2'] === '', 'only version 2 restored')
  const encoded = await postForm(app, '/v1/secret/undelete/f', 'versions=%31%2C+3', `${FORM}; charset=utf-8`)
  t.equal(encoded.statusCode, 204, 'escapes and + decoded ("1, 3"); parameters on the type allowed')
  t.equal((await deletionTimes(app, 'f'))['1'], '')
  const bad = await postForm(app, '/v1/secret/undelete/f', 'versions=x')
  t.same([bad.statusCode, bad.json()], [400, { errors: ['Field validation failed: error converting input for field "versions": expected a list of int, got string'] }])
})

t.test('KV v2 data: a form cannot express `data` (an object), as on Vault', async (t) => {
  const { app } = await startTestServer(t)
  const flat = await postForm(app, '/v1/secret/data/g', 'foo=bar')
  t.same([flat.statusCode, flat.json()], [400, { errors: ['no data provided'] }], 'Vault: data.GetOk("data") is unset')
  const str = await postForm(app, '/v1/secret/data/g', 'data=foo')
  t.same([str.statusCode, str.json()], [400, { errors: ['Field validation failed: error converting input for field "data": \'\' expected a map, got \'string\''] }])
  t.equal((await vault(app, 'GET', '/v1/secret/data/g')).statusCode, 404, 'nothing written')
})

t.test('sys/mounts and sys/policies/acl take form fields', async (t) => {
  const { app } = await startTestServer(t)
  const mount = await postForm(app, '/v1/sys/mounts/formkv', 'type=kv-v2&description=from+a+form')
  t.equal(mount.statusCode, 204)
  const read = (await vault(app, 'GET', '/v1/sys/mounts/formkv')).json().data
  t.match(read, { type: 'kv', description: 'from a form', options: { version: '2' } }, 'kv-v2 mounts version 2 (`options` itself cannot be sent in a form)')
  const nested = await postForm(app, '/v1/sys/mounts/other', 'type=kv&options%5Bversion%5D=2')
  t.same([nested.statusCode, nested.json()], [400, { errors: ['vault-sync supports only KV version 2 mounts: set options.version="2" or use type "kv-v2"'] }],
    '`options[version]` is just an unknown flat key: `type=kv` has no options.version')

  const policy = 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n'
  const put = await postForm(app, '/v1/sys/policies/acl/form-reader', `policy=${encodeURIComponent(policy)}`)
  t.equal(put.statusCode, 204)
  t.equal((await vault(app, 'GET', '/v1/sys/policies/acl/form-reader')).json().data.policy, policy)
  const empty = await postForm(app, '/v1/sys/policies/acl/form-empty', 'policy=')
  t.same([empty.statusCode, empty.json()], [400, { errors: ["'policy' parameter not supplied or empty"] }])
})

t.test('JSON stays JSON: a body starting with { or [ (after whitespace), or another type', async (t) => {
  const { app } = await startTestServer(t)
  t.equal((await postForm(app, '/v1/sys/mounts/j1', ' \r\n\t{"type":"kv-v2"}')).statusCode, 204, 'curl -d \'{...}\'')
  const array = await postForm(app, '/v1/sys/mounts/j2', '[1]')
  t.same(array.json(), { errors: ['failed to parse JSON input: json: cannot unmarshal array into Go value of type map[string]interface {}'] })
  const badJson = await postForm(app, '/v1/sys/mounts/j2', '{"type":')
  t.match([badJson.statusCode, badJson.json()], [400, { errors: [/^failed to parse JSON input: /] }])
  const json = await vault(app, 'POST', '/v1/sys/mounts/j3', { body: 'type=kv-v2', headers: { 'content-type': 'application/json' } })
  t.match([json.statusCode, json.json()], [400, { errors: [/^failed to parse JSON input: /] }], 'the form rule needs the form type')
  const patch = await vault(app, 'PATCH', '/v1/secret/data/x', { body: 'a=b', headers: { 'content-type': FORM } })
  t.equal(patch.statusCode, 415, 'PATCH keeps its merge-patch rule')
})

t.test('limits: max_request_size is a 413 for forms too; Go\'s form limits are 400s', async (t) => {
  const small = await startTestServer(t, { VAULT_SYNC_MAX_REQUEST_BYTES: '1024' })
  const big = await postForm(small.app, '/v1/sys/mounts/big', `type=kv-v2&description=${'x'.repeat(2000)}`)
  t.same([big.statusCode, big.json()], [413, { errors: ['http: request body too large'] }], 'as a JSON body over the limit')
  t.equal((await vault(small.app, 'GET', '/v1/sys/mounts/big')).statusCode, 400, 'nothing was mounted')

  const { app } = await startTestServer(t)
  const tenMiB = await postForm(app, '/v1/sys/mounts/huge', `type=kv-v2&description=${'x'.repeat(10 << 20)}`)
  t.same([tenMiB.statusCode, tenMiB.json()], [400, FORM_ERROR], 'over Go\'s 10 MiB form limit (under max_request_size)')
  const params = await postForm(app, '/v1/sys/mounts/many', `type=kv-v2${'&x='.repeat(10_000)}`)
  t.same([params.statusCode, params.json()], [400, FORM_ERROR], 'over 10,000 parameters')
  t.equal((await postForm(app, '/v1/sys/mounts/many', `type=kv-v2${'&x='.repeat(9_999)}`)).statusCode, 204, '10,000 parameters')
})

t.test('malformed forms: 400 error parsing form data, nothing done', async (t) => {
  const { app } = await startTestServer(t)
  for (const [payload, why] of [
    ['type=kv-v2&description=100%', 'a lone %'],
    ['type=kv-v2&description=%zz', 'not hex'],
    ['type=kv%2', 'a cut escape'],
    ['%G1=x&type=kv-v2', 'a bad escape in a key'],
    ['type=kv-v2;description=x', 'a ; separator']
  ]) {
    const res = await postForm(app, '/v1/sys/mounts/bad', payload)
    t.same([res.statusCode, res.json()], [400, FORM_ERROR], why)
  }
  const query = await postForm(app, '/v1/sys/mounts/bad?x=%zz', 'type=kv-v2')
  t.same([query.statusCode, query.json()], [400, FORM_ERROR], 'ParseForm also parses the URL query')
  t.equal((await vault(app, 'GET', '/v1/sys/mounts/bad')).statusCode, 400, 'nothing was mounted')
  const json = await vault(app, 'POST', '/v1/sys/mounts/fine?x=%zz', { body: { type: 'kv-v2' } })
  t.equal(json.statusCode, 204, 'a JSON request does not parse its query')
})

t.test('over a socket, and with real curl -d', async (t) => {
  const { app, address } = await startTestServer(t)
  const { port } = app.server.address() as AddressInfo
  const [res] = await rawExchange(port, [rawRequest('PUT', '/v1/sys/mounts/raw', { 'X-Vault-Token': ROOT_TOKEN, 'Content-Type': FORM }, 'type=kv-v2')])
  t.equal(res.status, 204)
  const curl = async (...args: string[]): Promise<string> => await new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-H', `X-Vault-Token: ${ROOT_TOKEN}`, '-w', '%{http_code}', ...args], (err, stdout, stderr) => { if (err !== null) reject(new Error(stderr)); else resolve(stdout) })
  })
  t.equal(await curl('-X', 'POST', '-d', '{"data":{"a":"1"}}', `${address}/v1/raw/data/s`).then((out) => out.slice(-3)), '200', 'curl -d \'{...}\' (the form type, a JSON body)')
  t.equal(await curl('-X', 'POST', '-d', '{"data":{"a":"2"}}', `${address}/v1/raw/data/s`).then((out) => out.slice(-3)), '200')
  t.equal(await curl('-X', 'POST', '-d', 'versions=2', `${address}/v1/raw/delete/s`), '204')
  t.equal(await curl('-X', 'POST', '-d', 'versions=2', `${address}/v1/raw/undelete/s`), '204', 'the repro of the defect')
  t.equal((await vault(app, 'GET', '/v1/raw/data/s')).json().data.data.a, '2', 'version 2 readable again')
})
