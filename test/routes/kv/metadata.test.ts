// KV v2 metadata paths: LIST with folders, read, write, patch, delete, custom_metadata limits
// (spec/vault-core-kv-api.md §3.12-3.16).
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { ROOT_TOKEN, startTestServer } from '../../helper.js'
import { rawExchange, rawRequest } from '../../raw-http.js'
import { MERGE_PATCH, RFC3339, kvClient } from './kv-test-client.js'

t.test('LIST: direct children, folders with a trailing /, byte order, 404 when empty', async (t) => {
  const server = await startTestServer(t)
  const kv = kvClient(server.app)
  for (const p of ['foo', 'foo/bar', 'foo/baz/qux', 'a', 'Z', 'app/x']) await kv('POST', `/v1/secret/data/${p}`, { data: { v: p } })
  await kv('POST', '/v1/secret/metadata/only-meta', { max_versions: 2 })
  await kv('DELETE', '/v1/secret/data/a')
  await kv('POST', '/v1/secret/destroy/Z', { versions: [1] })
  const { port } = server.app.server.address() as AddressInfo
  const auth = { 'X-Vault-Token': ROOT_TOKEN }
  const [root, rootSlash, foo, fooSlash, baz, none, query1] = await rawExchange(port, [
    rawRequest('LIST', '/v1/secret/metadata', auth),
    rawRequest('LIST', '/v1/secret/metadata/', auth),
    rawRequest('LIST', '/v1/secret/metadata/foo', auth),
    rawRequest('LIST', '/v1/secret/metadata/foo/', auth),
    rawRequest('LIST', '/v1/secret/metadata/foo/baz', auth),
    rawRequest('LIST', '/v1/secret/metadata/nothing', auth),
    rawRequest('GET', '/v1/secret/metadata/?list=1', auth)
  ])
  const keys = (r: { body: string }): unknown => (JSON.parse(r.body) as { data: { keys: string[] } }).data.keys
  t.equal(root.status, 200)
  t.same(keys(root), ['Z', 'a', 'app/', 'foo', 'foo/', 'only-meta'], 'deleted/destroyed and metadata-only keys are listed')
  t.same(keys(rootSlash), keys(root))
  t.same(keys(query1), keys(root))
  t.same(keys(foo), ['bar', 'baz/'])
  t.same(keys(fooSlash), ['bar', 'baz/'])
  t.same(keys(baz), ['qux'])
  t.equal(none.status, 404)
  t.same(JSON.parse(none.body), { errors: [] })
  // Vault 1.21's exclude_deleted (vault-plugin-secrets-kv pathMetadataList): keys whose current
  // version has a deletion time, past or future, go; a destroyed one without a deletion time stays.
  await kv('POST', '/v1/secret/data/foo/bar', { data: { v: 2 } })
  await kv('DELETE', '/v1/secret/data/foo/bar')
  t.equal((await kv('POST', '/v1/secret/metadata/later', { delete_version_after: '1h' })).status, 204)
  await kv('POST', '/v1/secret/data/later', { data: { v: 'deleted in an hour' } })
  const [excluded, included, excludedFoo, bad] = await rawExchange(port, [
    rawRequest('LIST', '/v1/secret/metadata/?exclude_deleted=true', auth),
    rawRequest('LIST', '/v1/secret/metadata/?exclude_deleted=false', auth),
    rawRequest('GET', '/v1/secret/metadata/foo/?list=true&exclude_deleted=1', auth),
    rawRequest('LIST', '/v1/secret/metadata/?exclude_deleted=maybe', auth)
  ])
  t.same(keys(excluded), ['Z', 'app/', 'foo', 'foo/', 'only-meta'],
    'a (deleted) and later (deletion time in an hour) left out; Z (destroyed, no deletion time), folders and metadata-only keys stay')
  t.same(keys(included), ['Z', 'a', 'app/', 'foo', 'foo/', 'later', 'only-meta'])
  t.same(keys(excludedFoo), ['baz/'], 'foo/bar: its current version 2 is deleted, though version 1 is live')
  t.equal(bad.status, 400)
  t.same(JSON.parse(bad.body), { errors: ['Field validation failed: error converting input for field "exclude_deleted": expected bool, got string'] })
})

t.test('metadata read, write (creates the key), patch, delete', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  const created = await kv('POST', '/v1/secret/metadata/m', { max_versions: 4, custom_metadata: { owner: 'ops', n: 5, ok: true } })
  t.equal(created.status, 204)
  t.equal(created.text, '')
  let m = (await kv('GET', '/v1/secret/metadata/m')).body.data
  t.same(Object.keys(m), ['cas_required', 'created_time', 'current_version', 'custom_metadata', 'delete_version_after', 'max_versions', 'oldest_version', 'updated_time', 'versions'])
  t.match(m.created_time, RFC3339)
  t.equal(m.updated_time, m.created_time, 'a key created by metadata has created = updated')
  t.same({ ...m, created_time: 0, updated_time: 0 }, {
    cas_required: false, created_time: 0, current_version: 0, custom_metadata: { n: '5', ok: '1', owner: 'ops' },
    delete_version_after: '0s', max_versions: 4, oldest_version: 0, updated_time: 0, versions: {}
  })
  t.same((await kv('GET', '/v1/secret/data/m')).body, { errors: [] }, 'no version yet: plain 404')

  const w = await kv('POST', '/v1/secret/data/m', { data: { a: 1 } })
  t.same(w.body.data.custom_metadata, { n: '5', ok: '1', owner: 'ops' })
  t.same((await kv('GET', '/v1/secret/data/m')).body.data.metadata.custom_metadata, { n: '5', ok: '1', owner: 'ops' })
  const afterWrite = (await kv('GET', '/v1/secret/metadata/m')).body.data
  t.equal(afterWrite.created_time, m.created_time, 'created_time kept')
  t.equal(afterWrite.updated_time, w.body.data.created_time, 'updated_time = the new version time')

  t.equal((await kv('PATCH', '/v1/secret/metadata/m', { custom_metadata: { owner: null, team: 'x' }, cas_required: true }, MERGE_PATCH)).status, 204)
  m = (await kv('GET', '/v1/secret/metadata/m')).body.data
  t.same(m.custom_metadata, { n: '5', ok: '1', team: 'x' })
  t.equal(m.cas_required, true)
  t.equal(m.max_versions, 4, 'fields not in the patch are kept')
  t.equal(m.updated_time, afterWrite.updated_time, 'metadata writes do not move updated_time')
  t.equal((await kv('POST', '/v1/secret/metadata/m', { custom_metadata: {} })).status, 204)
  t.equal((await kv('GET', '/v1/secret/metadata/m')).body.data.custom_metadata, null, 'write replaces the map; empty reads null')
  t.equal((await kv('POST', '/v1/secret/metadata/m', {})).status, 204, 'no field: no-op')

  const missing = await kv('PATCH', '/v1/secret/metadata/nope', { max_versions: 1 }, MERGE_PATCH)
  t.equal(missing.status, 404)
  t.equal(missing.text, '')
  t.equal((await kv('DELETE', '/v1/secret/metadata/m')).status, 204)
  t.same((await kv('GET', '/v1/secret/metadata/m')).body, { errors: [] })
  t.same((await kv('GET', '/v1/secret/data/m?version=1')).body, { errors: [] }, 'versions went with the metadata')
  t.equal((await kv('DELETE', '/v1/secret/metadata/m')).status, 204, 'missing key: 204')
  t.equal((await kv('GET', '/v1/secret/metadata/?list=true')).status, 404)
})

t.test('custom_metadata limits with Vault texts', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))
  const r1 = await kv('POST', '/v1/secret/metadata/c', { custom_metadata: tooMany })
  t.equal(r1.status, 400)
  t.same(r1.body.errors, ['1 error occurred:\n\t* custom_metadata validation failed: payload must contain at most 64 keys, provided 65\n\n'])
  const r2 = await kv('POST', '/v1/secret/metadata/c', { custom_metadata: { ['k'.repeat(129)]: 'v', empty: '', ctl: 'a\u0007b' } })
  t.equal(r2.status, 400)
  t.same(r2.body.errors, [
    '3 errors occurred:\n' +
    '\t* custom_metadata validation failed: value for key "ctl" contains unprintable characters\n' +
    '\t* custom_metadata validation failed: length of value for key "empty" is 0 but must be 0 < len(value) <= 512\n' +
    `\t* custom_metadata validation failed: length of key "${'k'.repeat(129)}" is 129 but must be 0 < len(key) <= 128\n\n`
  ])
  const r3 = await kv('PATCH', '/v1/secret/metadata/c', { custom_metadata: { v: 'x'.repeat(513) } }, MERGE_PATCH)
  t.equal(r3.status, 400, 'validated before the key lookup (missing key would be 404)')
  t.match(r3.body.errors[0], /length of value for key "v" is 513/)
  t.equal((await kv('POST', '/v1/secret/metadata/c', { custom_metadata: { ok: 'x'.repeat(512), ['k'.repeat(128)]: 'é' } })).status, 204)
  t.equal((await kv('GET', '/v1/secret/metadata/c')).body.data.custom_metadata.ok.length, 512)
})
