// Repository contract, KV v2 rows: the same cases on SQLite and PostgreSQL (issue 18).
import t from 'tap'
import type { KvMetadataRow } from '../../../db/kv-repo.js'
import { casWrite, contract, contractEngines, mountRow, writeNextVersion } from './contract-engines.js'

const engines = await contractEngines(t)
const US = 1_700_000_000_000_000 // microseconds: beyond 32 bits

function metadata (path: string, over: Partial<KvMetadataRow> = {}): KvMetadataRow {
  return {
    accessor: 'kv_1', path, current_version: 0, oldest_version: 0, created_time: US, updated_time: US, max_versions: 0,
    cas_required: 0, delete_version_after: 0, custom_metadata: null, ...over
  }
}

contract(t, engines, 'engine config: absent, inserted, replaced', async (t, { repos }) => {
  await repos.mounts.insert(mountRow())
  t.equal(await repos.kv.config('kv_1'), undefined)
  await repos.kv.upsertConfig({ accessor: 'kv_1', max_versions: 5, cas_required: 1, delete_version_after: -1 })
  t.strictSame(await repos.kv.config('kv_1'), { accessor: 'kv_1', max_versions: 5, cas_required: 1, delete_version_after: -1 })
  await repos.kv.upsertConfig({ accessor: 'kv_1', max_versions: 0, cas_required: 0, delete_version_after: 3600 })
  t.strictSame(await repos.kv.config('kv_1'), { accessor: 'kv_1', max_versions: 0, cas_required: 0, delete_version_after: 3600 })
})

contract(t, engines, 'metadata: round trip with sealed bytes and µs times, replace, delete cascades to versions', async (t, { repos }) => {
  await repos.mounts.insert(mountRow())
  const row = metadata('a/b', { current_version: 2, oldest_version: 1, custom_metadata: Buffer.from([0, 255, 7]) })
  await repos.kv.upsertMetadata(row)
  t.strictSame(await repos.kv.metadata('kv_1', 'a/b'), row)
  t.ok(Buffer.isBuffer((await repos.kv.metadata('kv_1', 'a/b'))?.custom_metadata), 'bytes come back as a Buffer')
  t.strictSame(await repos.kv.metadataForUpdate('kv_1', 'a/b'), row, 'outside a unit of work: a plain read')
  await repos.kv.upsertMetadata({ ...row, current_version: 3, updated_time: US + 5, custom_metadata: null })
  t.strictSame(await repos.kv.metadata('kv_1', 'a/b'), { ...row, current_version: 3, updated_time: US + 5, custom_metadata: null })
  await repos.kv.insertVersion('kv_1', 'a/b', { version: 3, created_time: US, deletion_time: null, destroyed: 0 }, Buffer.from('v3'))
  t.equal(await repos.kv.deleteMetadata('kv_1', 'a/b'), 1)
  t.equal(await repos.kv.deleteMetadata('kv_1', 'a/b'), 0)
  t.strictSame(await repos.kv.versions('kv_1', 'a/b'), [], 'versions went with the metadata')
  t.equal(await repos.kv.metadata('kv_1', 'a/b'), undefined)
})

contract(t, engines, 'paths in a range, in byte order', async (t, { repos }) => {
  await repos.mounts.insert(mountRow())
  for (const p of ['a', 'B', 'a/b', 'ä', 'a0', 'b']) await repos.kv.upsertMetadata(metadata(p))
  t.strictSame(await repos.kv.pathsInRange('kv_1', '', undefined), ['B', 'a', 'a/b', 'a0', 'b', 'ä'])
  t.strictSame(await repos.kv.pathsInRange('kv_1', 'a', 'b'), ['a', 'a/b', 'a0'])
  t.strictSame(await repos.kv.pathsInRange('kv_1', 'a/', 'a0'), ['a/b'])
  t.strictSame(await repos.kv.pathsInRange('kv_2', '', undefined), [])
})

contract(t, engines, 'versions: insert, delete time, destroy, trim, data', async (t, { repos }) => {
  await repos.mounts.insert(mountRow())
  await repos.kv.upsertMetadata(metadata('k', { current_version: 3, oldest_version: 1 }))
  for (const v of [3, 1, 2]) {
    await repos.kv.insertVersion('kv_1', 'k', { version: v, created_time: US + v, deletion_time: null, destroyed: 0 }, Buffer.from(`v${v}`))
  }
  t.strictSame((await repos.kv.versions('kv_1', 'k')).map((v) => v.version), [1, 2, 3], 'oldest first')
  await repos.kv.setDeletionTime('kv_1', 'k', 2, US + 100)
  await repos.kv.destroyVersion('kv_1', 'k', 3)
  t.strictSame(await repos.kv.versions('kv_1', 'k'), [
    { version: 1, created_time: US + 1, deletion_time: null, destroyed: 0 },
    { version: 2, created_time: US + 2, deletion_time: US + 100, destroyed: 0 },
    { version: 3, created_time: US + 3, deletion_time: null, destroyed: 1 }
  ])
  await repos.kv.setDeletionTime('kv_1', 'k', 2, null)
  t.equal((await repos.kv.versions('kv_1', 'k'))[1].deletion_time, null, 'undelete clears the time')
  t.strictSame(await repos.kv.versionData('kv_1', 'k', 1), Buffer.from('v1'))
  t.equal(await repos.kv.versionData('kv_1', 'k', 3), null, 'destroyed: null')
  t.equal(await repos.kv.versionData('kv_1', 'k', 9), undefined, 'no such version: undefined')
  await repos.kv.deleteVersionRange('kv_1', 'k', 1, 2)
  t.strictSame((await repos.kv.versions('kv_1', 'k')).map((v) => v.version), [3])
})

contract(t, engines, 'key state: metadata and versions in one read', async (t, { repos }) => {
  await repos.mounts.insert(mountRow())
  t.equal(await repos.kv.keyState('kv_1', 'k'), undefined)
  const row = metadata('k', { current_version: 2, oldest_version: 1, custom_metadata: Buffer.from('sealed') })
  await repos.kv.upsertMetadata(row)
  t.strictSame(await repos.kv.keyState('kv_1', 'k'), { metadata: row, versions: [] })
  await repos.kv.insertVersion('kv_1', 'k', { version: 2, created_time: US + 2, deletion_time: US + 9, destroyed: 0 }, Buffer.from('b'))
  await repos.kv.insertVersion('kv_1', 'k', { version: 1, created_time: US + 1, deletion_time: null, destroyed: 1 }, Buffer.from('a'))
  const state = await repos.kv.keyState('kv_1', 'k')
  t.strictSame(state, { metadata: row, versions: await repos.kv.versions('kv_1', 'k') })
  t.strictSame(state?.versions.map((v) => v.version), [1, 2])
  t.strictSame(state?.versions[1], { version: 2, created_time: US + 2, deletion_time: US + 9, destroyed: 0 })
  t.ok(Buffer.isBuffer(state?.metadata.custom_metadata))
})

contract(t, engines, 'next version: 20 concurrent units of work on one key give 1..20 once each', async (t, store) => {
  await store.repos.mounts.insert(mountRow())
  const versions = await Promise.all(Array.from({ length: 20 }, async (_, i) => await writeNextVersion(store, 'kv_1', 'k', Buffer.from(`w${i}`))))
  t.strictSame([...versions].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1))
  t.equal((await store.repos.kv.metadata('kv_1', 'k'))?.current_version, 20)
  t.equal((await store.repos.kv.versions('kv_1', 'k')).length, 20)
})

contract(t, engines, 'check-and-set: of concurrent writers expecting the same version, one wins', async (t, store) => {
  await store.repos.mounts.insert(mountRow())
  await writeNextVersion(store, 'kv_1', 'k', Buffer.from('v1'))
  const results = await Promise.all(Array.from({ length: 8 }, async () => await casWrite(store, 'kv_1', 'k', 1)))
  t.equal(results.filter(Boolean).length, 1, 'exactly one winner')
  t.equal((await store.repos.kv.metadata('kv_1', 'k'))?.current_version, 2)
  t.strictSame(await casWrite(store, 'kv_1', 'new', 0), true, 'cas 0 creates a key that does not exist')
})
