// KV v2 data paths through the HTTP API on a real SQLite file (spec/vault-core-kv-api.md §3.4-3.10).
import t from 'tap'
import { startTestServer } from '../../helper.js'
import { MERGE_PATCH, RFC3339, checkRaw404, checkVersionMetadata, kvClient } from './kv-test-client.js'

t.test('write, read latest and a given version', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  const w1 = await kv('POST', '/v1/secret/data/app/db', { data: { user: 'u1', nested: { n: 1 } } })
  t.equal(w1.status, 200)
  t.equal(w1.contentType, 'application/json')
  t.equal(w1.body.mount_type, 'kv')
  checkVersionMetadata(t, w1.body.data, 1)
  const w2 = await kv('PUT', '/v1/secret/data/app/db', { data: { user: 'u2' }, options: {} })
  checkVersionMetadata(t, w2.body.data, 2)
  const latest = await kv('GET', '/v1/secret/data/app/db')
  t.equal(latest.status, 200)
  t.same(latest.body.data.data, { user: 'u2' })
  checkVersionMetadata(t, latest.body.data.metadata, 2)
  t.equal(latest.body.data.metadata.created_time, w2.body.data.created_time)
  const v1 = await kv('GET', '/v1/secret/data/app/db?version=1')
  t.same(v1.body.data.data, { user: 'u1', nested: { n: 1 } })
  t.equal(v1.body.data.metadata.version, 1)
  t.same((await kv('GET', '/v1/secret/data/app/db?version=0')).body.data.metadata.version, 2, 'version 0 = current')
  for (const url of ['/v1/secret/data/app/db?version=3', '/v1/secret/data/nope']) {
    const missing = await kv('GET', url)
    t.equal(missing.status, 404, url)
    t.same(missing.body, { errors: [] })
  }
})

t.test('writes of one event-loop turn (one shared COMMIT on SQLite): each its own version, all kept; a CAS clash among them', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  const writes = await Promise.all([1, 2, 3, 4, 5, 6].map(async (i) => await kv('PUT', '/v1/secret/data/turn', { data: { i } })))
  t.strictSame(writes.map((w) => w.status), [200, 200, 200, 200, 200, 200])
  t.strictSame(writes.map((w) => w.body.data.version).sort(), [1, 2, 3, 4, 5, 6])
  for (const w of writes) {
    const read = await kv('GET', `/v1/secret/data/turn?version=${w.body.data.version as number}`)
    t.equal(read.body.data.metadata.created_time, w.body.data.created_time, `version ${w.body.data.version as number} as answered`)
    t.equal(read.body.data.data.i, writes.indexOf(w) + 1, 'holds the data of the write that got it')
  }
  t.equal((await kv('GET', '/v1/secret/metadata/turn')).body.data.current_version, 6)
  const clash = await Promise.all([{ a: 1 }, { a: 2 }].map(async (data) => await kv('POST', '/v1/secret/data/cas-turn', { data, options: { cas: 0 } })))
  t.strictSame(clash.map((c) => c.status).sort(), [200, 400], 'the later write of the turn sees the earlier')
  const won = clash.findIndex((c) => c.status === 200)
  t.same(clash[1 - won].body, { errors: ['check-and-set parameter did not match the current version'] })
  t.same((await kv('GET', '/v1/secret/data/cas-turn')).body.data.data, { a: won + 1 })
  const [put, get] = await Promise.all([kv('PUT', '/v1/secret/data/turn', { data: { i: 7 } }), kv('GET', '/v1/secret/data/turn')])
  t.equal(put.body.data.version, 7)
  const seen = get.body.data.metadata.version as number
  const stored = seen === 7 ? 7 : writes.findIndex((w) => w.body.data.version === seen) + 1
  t.same(get.body.data.data, { i: stored }, `a read in the same turn answers committed rows only (version ${seen} with its own data)`)
})

// Later writes of a key in one turn take its metadata row from the earlier write of the group
// (not selected again): versions, the trimmed range and the kept versions must come out as if
// each write had read the row.
t.test('writes of one turn beyond max_versions: each trims from the row the previous one wrote', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  t.equal((await kv('POST', '/v1/secret/metadata/trim-turn', { max_versions: 3 })).status, 204)
  const writes = await Promise.all(Array.from({ length: 12 }, async (_, i) => await kv('PUT', '/v1/secret/data/trim-turn', { data: { i } })))
  t.strictSame(writes.map((w) => w.body.data.version).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 1))
  const meta = (await kv('GET', '/v1/secret/metadata/trim-turn')).body.data
  t.equal(meta.current_version, 12)
  t.equal(meta.oldest_version, 10)
  t.strictSame(Object.keys(meta.versions).sort(), ['10', '11', '12'])
  for (const v of [10, 11, 12]) {
    const read = await kv('GET', `/v1/secret/data/trim-turn?version=${v}`)
    t.equal(read.body.data.data.i, writes.findIndex((w) => w.body.data.version === v), `version ${v} holds its write's data`)
  }
  t.equal((await kv('GET', '/v1/secret/data/trim-turn?version=9')).status, 404, 'version 9 trimmed')
  const next = await kv('PUT', '/v1/secret/data/trim-turn', { data: { i: 12 } })
  t.equal(next.body.data.version, 13, 'a write of a later turn reads the committed row')
})

t.test('check-and-set, per key and required by the mount config', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  t.equal((await kv('POST', '/v1/secret/data/c', { data: { a: 1 }, options: { cas: 0 } })).status, 200)
  const clash = await kv('POST', '/v1/secret/data/c', { data: { a: 2 }, options: { cas: 0 } })
  t.equal(clash.status, 400)
  t.same(clash.body, { errors: ['check-and-set parameter did not match the current version'] })
  t.same((await kv('POST', '/v1/secret/data/c', { data: { a: 2 }, options: { cas: 'x' } })).body, { errors: ['error parsing check-and-set parameter'] })
  t.equal((await kv('POST', '/v1/secret/data/c', { data: { a: 2 }, options: { cas: '1' } })).body.data.version, 2, 'cas decoded weakly')

  t.equal((await kv('POST', '/v1/secret/config', { cas_required: true })).status, 204)
  t.same((await kv('GET', '/v1/secret/config')).body.data, { cas_required: true, delete_version_after: '0s', max_versions: 0 })
  const required = await kv('POST', '/v1/secret/data/c', { data: { a: 3 } })
  t.equal(required.status, 400)
  t.same(required.body, { errors: ['check-and-set parameter required for this call'] })
  t.same((await kv('POST', '/v1/secret/data/new', { data: { a: 1 } })).body, { errors: ['check-and-set parameter required for this call'] })
  t.equal((await kv('POST', '/v1/secret/data/c', { data: { a: 3 }, options: { cas: 2 } })).body.data.version, 3)
  const warned = await kv('POST', '/v1/secret/metadata/c', { cas_required: false })
  t.equal(warned.status, 200)
  t.same(warned.body.data, null)
  t.same(warned.body.warnings, ['"cas_required" set to false, but is mandated by backend config. This value will be ignored.'])
  t.equal((await kv('POST', '/v1/secret/data/c', { data: { a: 4 } })).status, 400, 'still required by the mount')

  t.equal((await kv('POST', '/v1/secret/config', { cas_required: false })).status, 204)
  t.equal((await kv('POST', '/v1/secret/metadata/k', { cas_required: true })).status, 204)
  t.same((await kv('POST', '/v1/secret/data/k', { data: {} })).body, { errors: ['check-and-set parameter required for this call'] })
  t.equal((await kv('POST', '/v1/secret/data/k', { data: {}, options: { cas: 0 } })).status, 200, 'key created by metadata has current_version 0')
})

t.test('max_versions trimming: max(key, engine), default 10, oldest_version', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  for (let i = 1; i <= 12; i++) await kv('POST', '/v1/secret/data/ten', { data: { i } })
  let m = (await kv('GET', '/v1/secret/metadata/ten')).body.data
  t.equal(m.current_version, 12)
  t.equal(m.oldest_version, 3)
  t.same(Object.keys(m.versions).map(Number).sort((a, b) => a - b), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'default keeps 10')

  t.equal((await kv('POST', '/v1/secret/config', { max_versions: 3 })).status, 204)
  await kv('POST', '/v1/secret/data/k', { data: { i: 1 } })
  await kv('POST', '/v1/secret/data/k', { data: { i: 2 } })
  t.equal((await kv('GET', '/v1/secret/metadata/k')).body.data.oldest_version, 0, 'stays 0 until the key reaches max')
  await kv('POST', '/v1/secret/data/k', { data: { i: 3 } })
  t.equal((await kv('GET', '/v1/secret/metadata/k')).body.data.oldest_version, 1)
  await kv('POST', '/v1/secret/data/k', { data: { i: 4 } })
  await kv('POST', '/v1/secret/data/k', { data: { i: 5 } })
  m = (await kv('GET', '/v1/secret/metadata/k')).body.data
  t.equal(m.oldest_version, 3)
  t.same(Object.keys(m.versions).sort(), ['3', '4', '5'])
  t.same((await kv('GET', '/v1/secret/data/k?version=2')).body, { errors: [] }, 'a trimmed version is a plain 404')

  t.equal((await kv('POST', '/v1/secret/metadata/k', { max_versions: 2 })).status, 204)
  await kv('POST', '/v1/secret/data/k', { data: { i: 6 } })
  m = (await kv('GET', '/v1/secret/metadata/k')).body.data
  t.same(Object.keys(m.versions).sort(), ['4', '5', '6'], 'the engine value 3 wins over the key value 2 (maximum)')
  t.equal(m.max_versions, 2, 'metadata shows the key setting')
  t.equal((await kv('POST', '/v1/secret/metadata/k', { max_versions: 5 })).status, 204)
  await kv('POST', '/v1/secret/data/k', { data: { i: 7 } })
  t.same(Object.keys((await kv('GET', '/v1/secret/metadata/k')).body.data.versions).sort(), ['4', '5', '6', '7'])
})

t.test('soft delete, undelete, destroy; a destroyed version stays destroyed', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  for (let i = 1; i <= 3; i++) await kv('POST', '/v1/secret/data/d', { data: { i } })
  t.equal((await kv('DELETE', '/v1/secret/data/d')).status, 204)
  const deleted = await kv('GET', '/v1/secret/data/d')
  checkRaw404(t, deleted)
  t.equal(deleted.body.data.data, null)
  checkVersionMetadata(t, deleted.body.data.metadata, 3, { deleted: true })
  t.equal((await kv('DELETE', '/v1/secret/data/d')).status, 204, 'deleting again is a no-op')
  t.equal((await kv('DELETE', '/v1/secret/data/none')).status, 204, 'missing key: 204')

  t.equal((await kv('POST', '/v1/secret/undelete/d', { versions: [3] })).status, 204)
  t.same((await kv('GET', '/v1/secret/data/d')).body.data.data, { i: 3 })
  t.equal((await kv('PUT', '/v1/secret/delete/d', { versions: ['1', '2'] })).status, 204, 'string versions (Vault CLI)')
  t.equal((await kv('GET', '/v1/secret/data/d?version=1')).status, 404)
  t.equal((await kv('POST', '/v1/secret/undelete/d', { versions: '1,2' })).status, 204, 'comma string')
  t.equal((await kv('GET', '/v1/secret/data/d?version=2')).status, 200)

  t.equal((await kv('POST', '/v1/secret/delete/d', { versions: 1 })).status, 204)
  const deletionTime = (await kv('GET', '/v1/secret/metadata/d')).body.data.versions['1'].deletion_time
  t.equal((await kv('POST', '/v1/secret/destroy/d', { versions: [1, 2, 99] })).status, 204)
  const destroyed = await kv('GET', '/v1/secret/data/d?version=1')
  checkRaw404(t, destroyed)
  checkVersionMetadata(t, destroyed.body.data.metadata, 1, { deleted: true, destroyed: true })
  t.equal(destroyed.body.data.metadata.deletion_time, deletionTime, 'destroy keeps deletion_time')
  t.equal((await kv('POST', '/v1/secret/undelete/d', { versions: [1, 2] })).status, 204)
  for (const v of [1, 2]) {
    const still = await kv('GET', `/v1/secret/data/d?version=${v}`)
    checkRaw404(t, still)
    t.equal(still.body.data.metadata.destroyed, true, `version ${v} stays destroyed after undelete`)
  }
  t.equal((await kv('GET', '/v1/secret/metadata/d')).body.data.versions['1'].deletion_time, deletionTime)

  t.same((await kv('POST', '/v1/secret/delete/d', {})).body, { errors: ['No version number provided'] })
  t.same((await kv('POST', '/v1/secret/undelete/d', { versions: [] })).body, { errors: ['No version number provided'] })
  const destroyEmpty = await kv('POST', '/v1/secret/destroy/d', { versions: '' })
  t.equal(destroyEmpty.status, 400)
  t.same(destroyEmpty.body, { errors: ['no version number provided'] })
  t.equal((await kv('POST', '/v1/secret/destroy/none', { versions: [1] })).status, 204, 'missing key: 204')
})

t.test('patch: merge, 404s, cas', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  await kv('POST', '/v1/secret/data/p', { data: { a: 'x', b: { c: 1, d: 2 }, gone: true } })
  const p = await kv('PATCH', '/v1/secret/data/p', { data: { a: 'y', b: { d: null, e: 3 }, gone: null } }, MERGE_PATCH)
  t.equal(p.status, 200)
  checkVersionMetadata(t, p.body.data, 2)
  t.same((await kv('GET', '/v1/secret/data/p')).body.data.data, { a: 'y', b: { c: 1, e: 3 } })
  const casFail = await kv('PATCH', '/v1/secret/data/p', { data: { a: 'z' }, options: { cas: 1 } }, MERGE_PATCH)
  t.same(casFail.body, { errors: ['check-and-set parameter did not match the current version'] })
  t.same((await kv('PATCH', '/v1/secret/data/p', { options: {} }, MERGE_PATCH)).body, { errors: ['no data provided'] })
  const missing = await kv('PATCH', '/v1/secret/data/missing', { data: { a: 1 } }, MERGE_PATCH)
  t.equal(missing.status, 404)
  t.equal(missing.text, '', 'empty body')
  await kv('DELETE', '/v1/secret/data/p')
  const gone = await kv('PATCH', '/v1/secret/data/p', { data: { a: 1 } }, MERGE_PATCH)
  checkRaw404(t, gone)
  checkVersionMetadata(t, gone.body.data, 2, { deleted: true })
  const wrongType = await kv('PATCH', '/v1/secret/data/p', { data: {} }, { 'content-type': 'application/json' })
  t.equal(wrongType.status, 415)
})

t.test('subkeys and delete_version_after', async (t) => {
  const kv = kvClient((await startTestServer(t)).app)
  await kv('POST', '/v1/secret/data/s', { data: { foo: 'abc', bar: { baz: 'def' }, quux: {} } })
  const sk = await kv('GET', '/v1/secret/subkeys/s')
  t.same(sk.body.data.subkeys, { foo: null, bar: { baz: null }, quux: null })
  checkVersionMetadata(t, sk.body.data.metadata, 1)
  t.same((await kv('GET', '/v1/secret/subkeys/s?depth=1')).body.data.subkeys, { foo: null, bar: null, quux: null })
  t.same((await kv('GET', '/v1/secret/subkeys/s?depth=-2')).body.data.subkeys, { foo: null, bar: null, quux: null }, 'a negative depth: Vault\'s walk stops at the top level')
  await kv('DELETE', '/v1/secret/data/s')
  const gone = await kv('GET', '/v1/secret/subkeys/s')
  checkRaw404(t, gone)
  t.equal(gone.body.data.subkeys, null)

  t.equal((await kv('POST', '/v1/secret/config', { max_versions: 10, delete_version_after: '1h' })).status, 204)
  t.same((await kv('GET', '/v1/secret/config')).body.data, { cas_required: false, delete_version_after: '1h0m0s', max_versions: 10 })
  const w = await kv('POST', '/v1/secret/data/tmp', { data: { a: 1 } })
  t.match(w.body.data.deletion_time, RFC3339)
  const lag = Date.parse(w.body.data.deletion_time) - Date.parse(w.body.data.created_time)
  t.ok(lag >= 3600_000 - 1 && lag <= 3600_000 + 1, 'deletion_time = created_time + 1h')
  t.equal((await kv('GET', '/v1/secret/data/tmp')).status, 200, 'a future deletion_time is still live')
  t.equal((await kv('POST', '/v1/secret/metadata/tmp', { delete_version_after: '30m' })).status, 204)
  t.equal((await kv('GET', '/v1/secret/metadata/tmp')).body.data.delete_version_after, '30m0s')
  const neg = await kv('POST', '/v1/secret/metadata/tmp', { delete_version_after: '-1s' })
  t.equal(neg.status, 400)
  t.match(neg.body.errors[0], /^Field validation failed: .*"delete_version_after".*negative/)
  t.equal((await kv('POST', '/v1/secret/config', { delete_version_after: -5 })).status, 204)
  t.equal((await kv('GET', '/v1/secret/config')).body.data.delete_version_after, '-1s', 'negative disables')
  t.equal((await kv('POST', '/v1/secret/data/tmp', { data: { a: 2 } })).body.data.deletion_time, '')
})
