// Bad input gets a 400 (or 413) naming the field and changes nothing; Vault's invalid-path and
// unsupported-operation answers (spec/vault-core-kv-api.md §1.4, §3.1; decisions D-17.3, D-17.4).
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { ROOT_TOKEN, startTestServer } from '../../helper.js'
import { rawExchange, rawRequest } from '../../raw-http.js'
import { MERGE_PATCH, checkRaw404, kvClient } from './kv-test-client.js'

t.test('bad bodies and fields: 400 naming the field, nothing stored', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  await kv('POST', '/v1/secret/data/keep', { data: { v: 1 } })
  const cases: Array<[string, string, unknown, RegExp]> = [
    ['POST', '/v1/secret/data/keep', '[1,2]', /^failed to parse JSON input/],
    ['POST', '/v1/secret/data/keep', '{"data":', /^failed to parse JSON input/],
    ['POST', '/v1/secret/data/keep', { options: {} }, /^no data provided$/],
    ['POST', '/v1/secret/data/keep', { data: null }, /^no data provided$/],
    ['POST', '/v1/secret/data/keep', { data: 'str' }, /field "data"/],
    ['POST', '/v1/secret/data/keep', { data: [1] }, /field "data"/],
    ['POST', '/v1/secret/data/keep', { data: {}, options: 3 }, /field "options"/],
    ['POST', '/v1/secret/delete/keep', { versions: ['a'] }, /field "versions"/],
    ['POST', '/v1/secret/destroy/keep', { versions: [1.5] }, /field "versions"/],
    ['POST', '/v1/secret/undelete/keep', { versions: { a: 1 } }, /field "versions"/],
    ['POST', '/v1/secret/config', { max_versions: 'many' }, /field "max_versions"/],
    ['POST', '/v1/secret/config', { max_versions: -1 }, /field "max_versions"/],
    ['POST', '/v1/secret/config', { cas_required: 'maybe' }, /field "cas_required"/],
    ['POST', '/v1/secret/config', { delete_version_after: '1x' }, /field "delete_version_after"/],
    ['POST', '/v1/secret/metadata/keep', { custom_metadata: 'x' }, /field "custom_metadata"/],
    ['POST', '/v1/secret/metadata/keep', { max_versions: 2, cas_required: 'x' }, /field "cas_required"/],
    ['POST', '/v1/secret/data', { data: {} }, /^missing path$/],
    ['DELETE', '/v1/secret/metadata/', undefined, /^missing path$/],
    ['POST', '/v1/secret/data/keep/', { data: {} }, /^cannot write to a path ending in '\/'$/],
    ['PUT', '/v1/secret/metadata/folder/', { max_versions: 1 }, /^cannot write to a path ending in '\/'$/],
    ['PATCH', '/v1/secret/data/', { data: {} }, /^cannot write to a path ending in '\/'$/]
  ]
  for (const [method, url, body, message] of cases) {
    const r = await kv(method as 'POST', url, body, method === 'PATCH' ? MERGE_PATCH : undefined)
    t.equal(r.status, 400, `${method} ${url} ${JSON.stringify(body)}`)
    t.equal(r.body.errors.length, 1)
    t.match(r.body.errors[0], message)
  }
  for (const url of ['/v1/secret/data/keep?version=abc', '/v1/secret/subkeys/keep?depth=1.5']) {
    const r = await kv('GET', url)
    t.equal(r.status, 400, url)
    t.match(r.body.errors[0], /^Field validation failed: error converting input for field "(version|depth)"/)
  }
  const m = (await kv('GET', '/v1/secret/metadata/keep')).body.data
  t.equal(m.current_version, 1, 'nothing changed')
  t.equal(m.max_versions, 0)
  t.same((await kv('GET', '/v1/secret/config')).body.data, { cas_required: false, delete_version_after: '0s', max_versions: 0 })
  t.same((await kv('GET', '/v1/secret/metadata/?list=true')).body.data.keys, ['keep'])
})

t.test('".." segments are refused over a real socket (no client-side normalisation)', async (t) => {
  const server = await startTestServer(t)
  const { port } = server.app.server.address() as AddressInfo
  const auth = { 'X-Vault-Token': ROOT_TOKEN }
  const body = JSON.stringify({ data: { a: 1 } })
  const answers = await rawExchange(port, [
    rawRequest('POST', '/v1/secret/data/a/../b', auth, body),
    rawRequest('POST', '/v1/secret/data/a/%2E%2E/b', auth, body),
    rawRequest('GET', '/v1/secret/data/../secret/data/x', auth),
    rawRequest('LIST', '/v1/secret/metadata/a/..', auth),
    rawRequest('GET', '/v1/secret/metadata?list=true', auth)
  ])
  for (const a of answers.slice(0, 4)) {
    t.equal(a.status, 400)
    t.same(JSON.parse(a.body), { errors: ['invalid path: ".." segments are not allowed'] })
  }
  t.equal(answers[4].status, 404, 'nothing was written')
})

t.test('a body over the request limit is a 413 and stores nothing', async (t) => {
  const kv = kvClient((await startTestServer(t, { VAULT_SYNC_MAX_REQUEST_BYTES: '2048' })).app)
  const big = await kv('POST', '/v1/secret/data/big', { data: { v: 'x'.repeat(4096) } })
  t.equal(big.status, 413)
  t.same(big.body, { errors: ['http: request body too large'] })
  t.same((await kv('GET', '/v1/secret/data/big')).body, { errors: [] })
  t.equal((await kv('POST', '/v1/secret/data/small', { data: { v: 'x' } })).status, 200)
})

t.test('invalid paths answer the raw 404 with Vault warnings; unsupported operations 405', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  const generic = (verb: string): string => `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${verb}' for this operation.`
  const cases: Array<[string, string, string]> = [
    ['GET', '/v1/secret/foo', generic('get')],
    ['GET', '/v1/secret/data/foo/', generic('get')],
    ['GET', '/v1/secret/data/?list=true', generic('list')],
    ['DELETE', '/v1/secret/foo', generic('delete')],
    ['POST', '/v1/secret/foo', generic('put')],
    ['GET', '/v1/secret/data', 'Non-listing operations on the root of a K/V v2 mount are not supported.'],
    ['GET', '/v1/secret/metadata', 'Non-listing operations on the root of a K/V v2 mount are not supported.']
  ]
  for (const [method, url, warning] of cases) {
    const r = await kv(method as 'GET', url, method === 'POST' ? {} : undefined)
    checkRaw404(t, r)
    t.equal(r.body.data, null)
    t.same(r.body.warnings, [warning], `${method} ${url}`)
  }
  for (const [method, url] of [['GET', '/v1/secret/delete/foo'], ['PATCH', '/v1/secret/config'], ['DELETE', '/v1/secret/config'], ['GET', '/v1/secret/destroy/foo'], ['POST', '/v1/secret/subkeys/foo'], ['GET', '/v1/secret/undelete/foo?list=true']]) {
    const r = await kv(method as 'GET', url, method === 'GET' || method === 'DELETE' ? undefined : {}, method === 'PATCH' ? MERGE_PATCH : undefined)
    t.equal(r.status, 405, `${method} ${url}`)
    t.same(r.body, { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] })
  }
})

t.test('fields a KV path does not declare: Vault\'s framework warnings on answers with a body, none on a 204', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  const ignored = (names: string): string => `Endpoint ignored these unrecognized parameters: [${names}]`
  const replaced = 'Endpoint replaced the value of these parameters with the values captured from the endpoint\'s path: [path]'
  // A misspelt `options` is not a check-and-set: the write goes through, and says what it ignored.
  const w = await kv('POST', '/v1/secret/data/typo', { zeta: 1, data: { v: 1 }, opitons: { cas: 5 }, beta: null })
  t.equal(w.status, 200)
  t.same(w.body.warnings, [ignored('beta opitons zeta')], 'sorted, a field sent as JSON null counted too (Vault counts every key)')
  t.equal(w.body.data.version, 1)
  t.same((await kv('POST', '/v1/secret/data/typo', { data: { v: 2 }, path: 'other' })).body.warnings, [replaced], 'the URL\'s path wins and says so')
  t.same((await kv('GET', '/v1/secret/data/other')).status, 404, 'nothing written at the body\'s path')
  t.equal((await kv('POST', '/v1/secret/data/typo', { data: { v: 3 }, options: { cas: 2 }, version: null })).body.warnings, null, 'declared fields (one null): no warning')
  const read = await kv('GET', '/v1/secret/data/typo?version=3&verison=2')
  t.same(read.body.warnings, [ignored('verison')])
  t.same(read.body.data.data, { v: 3 })
  t.equal((await kv('GET', '/v1/secret/data/typo')).body.warnings, null, 'a plain read (cached answer) has none')
  t.same((await kv('PATCH', '/v1/secret/data/typo', { data: { w: 1 }, extra: 1 }, MERGE_PATCH)).body.warnings, [ignored('extra')])
  t.same((await kv('GET', '/v1/secret/subkeys/typo?dept=1')).body.warnings, [ignored('dept')])
  t.same((await kv('GET', '/v1/secret/metadata/typo?x=1')).body.warnings, [ignored('x')])
  t.same((await kv('GET', '/v1/secret/metadata/?list=true&page=2')).body.warnings, [ignored('page')], 'a LIST\'s own `list` is not a field')
  t.equal((await kv('GET', '/v1/secret/metadata/?list=true')).body.warnings, null)
  t.same((await kv('GET', '/v1/secret/config?x=1')).body.warnings, [ignored('x')])
  // Vault adds them to a response only: a handler answering nothing (204) has no body to carry them.
  for (const [url, body] of [['/v1/secret/config', { max_versions: 5, maxversions: 3 }], ['/v1/secret/metadata/typo', { max_versions: 4, bogus: 1 }], ['/v1/secret/delete/typo', { versions: [1], x: 1 }]] as const) {
    t.equal((await kv('POST', url, body)).status, 204, url)
  }
  t.equal((await kv('GET', '/v1/secret/metadata/typo')).body.data.max_versions, 4, 'the declared fields were applied')
  await kv('POST', '/v1/secret/config', { cas_required: true })
  const warned = await kv('POST', '/v1/secret/metadata/typo', { cas_required: false, bogus: 1 })
  t.equal(warned.status, 200)
  t.equal(warned.body.warnings.length, 2, 'the handler\'s own warning first, then the ignored fields')
  t.same(warned.body.warnings[1], ignored('bogus'))
})
