// Repository contract, destinations, associations and targets: the same cases on SQLite and
// PostgreSQL (issue 18).
import t from 'tap'
import { associationRow, contract, contractEngines, destinationRow, seed } from './contract-engines.js'
import { LOCAL_FENCE } from '../../../db/store/fence.js'

const engines = await contractEngines(t)

/** Without the association-view counters (`view_gen`, `view_reset`: kept by triggers), the worker's vault key and settle fence (issue 18) and its leftover names. */
const WORKER_KEPT = new Set(['view_gen', 'view_reset', 'vault_key', 'settled_lease', 'settled_epoch', 'leftover_names'])
function plain<T> (v: T): T {
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v
  return Object.fromEntries(Object.entries(v).filter(([k]) => !WORKER_KEPT.has(k)).map(([k, x]) => [k, plain(x)])) as T
}

contract(t, engines, 'destinations: live by name, byte-ordered list, update, purge, hide frees the name, delete cascades', async (t, { repos }) => {
  await seed(repos, ['s1'])
  await repos.destinations.insert(destinationRow({ id: 'd2', name: 'Two' }))
  await repos.destinations.insert(destinationRow({ id: 'd3', type: 'aws-sm', name: 'a', sealed_secrets: null }))
  t.strictSame(plain(await repos.destinations.live('azure-kv', 'one')), destinationRow())
  t.strictSame((await repos.destinations.allLive()).map((d) => d.id), ['d3', 'd2', 'd1'], 'by type, then name, in byte order')
  await repos.destinations.update({ id: 'd1', connection: '{}', sealed_secrets: null, options: '{"granularity":"secret-key"}', updated_at: 5 })
  t.match(await repos.destinations.byId('d1'), { connection: '{}', sealed_secrets: null, options: '{"granularity":"secret-key"}', updated_at: 5 })
  await repos.destinations.setPurge('d1', 'purge_failed', 7, 'boom')
  t.match(await repos.destinations.byId('d1'), { purge_state: 'purge_failed', purge_initiated_at: 7, purge_error: 'boom' })
  await repos.destinations.hide('d1', 9)
  t.equal(await repos.destinations.live('azure-kv', 'one'), undefined)
  t.equal((await repos.destinations.byId('d1'))?.deleted_at, 9)
  await repos.destinations.insert(destinationRow({ id: 'd1b' }))
  t.equal((await repos.destinations.live('azure-kv', 'one'))?.id, 'd1b', 'a hidden destination frees its name')
  await t.rejects(repos.destinations.insert(destinationRow({ id: 'd1c' })), 'two live destinations of one name are refused')
  await repos.destinations.delete('d1')
  t.equal(await repos.associations.byId('s1'), undefined, 'associations went with the destination')
})

contract(t, engines, 'destination read-modify-writes under liveForUpdate lose nothing when concurrent', async (t, store) => {
  await seed(store.repos)
  await Promise.all(Array.from({ length: 12 }, async (_, i) => await store.transaction(async (r) => {
    const d = await r.destinations.liveForUpdate('azure-kv', 'one')
    const tags = JSON.parse(d!.options).tags ?? []
    await r.destinations.update({ ...d!, options: JSON.stringify({ tags: [...tags, i] }), updated_at: i })
  })))
  const tags = JSON.parse((await store.repos.destinations.byId('d1'))!.options).tags as number[]
  t.strictSame([...tags].sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i), 'every update kept')
  t.equal(await store.repos.destinations.liveForUpdate('azure-kv', 'none'), undefined)
})

contract(t, engines, 'associations: lookups, lists, counts, status, refresh, delete', async (t, { repos }) => {
  await seed(repos, ['b', 'a', 'c'])
  await repos.destinations.insert(destinationRow({ id: 'd2', name: 'two' }))
  await repos.associations.insert(associationRow('a2', { destination_id: 'd2', secret_path: 'a' }))
  t.strictSame(plain(await repos.associations.find('d1', 'kv_1', 'a')), associationRow('a'))
  t.strictSame((await repos.associations.ofRecordedPath('d1', 'secret/', 'b')).map(plain), [associationRow('b')])
  t.equal(await repos.associations.find('d1', 'kv_1', 'zz'), undefined)
  t.strictSame((await repos.associations.ofDestination('d1')).map((a) => a.id), ['a', 'b', 'c'])
  t.strictSame((await repos.associations.ofSecret('kv_1', 'a')).map((a) => a.id).sort(), ['a', 'a2'])
  await repos.associations.setRemoved('c', 'UNSYNCING', 5)
  t.match(await repos.associations.byId('c'), { removed: 1, status: 'UNSYNCING', updated_at: 5 })
  t.equal(await repos.associations.countLive('d1'), 2)
  t.equal(await repos.associations.countLiveOfMount('kv_1'), 3, 'not removed, any live destination')
  await repos.destinations.hide('d2', 6)
  t.equal(await repos.associations.countLiveOfMount('kv_1'), 2, 'a hidden destination\'s association no longer counts')
  t.equal(await repos.associations.countLiveOfMount('kv_9'), 0)
  t.strictSame((await repos.associations.allOfLiveDestinations()).map((a) => a.id).sort(), ['a', 'b', 'c'])
  t.strictSame((await repos.associations.listingOfLive()).map((a) => a.secret_path).sort(), ['a', 'b'])
  await repos.associations.setStatus('a', 'EXTERNAL_SERVICE_ERROR', 'throttled', 3)
  t.strictSame(await repos.associations.erroredBefore(4), ['a'])
  t.strictSame(await repos.associations.erroredBefore(3), [])
  await repos.associations.refresh('c', 'secret-key', '{{ .SecretKey }}', 'PENDING', 8)
  t.match(await repos.associations.byId('c'), { removed: 0, granularity: 'secret-key', name_template: '{{ .SecretKey }}', status: 'PENDING', message: null })
  const since = (await repos.associations.byId('c'))!.created_at
  await repos.associations.refresh('c', 'secret-path', '{{ .SecretPath }}', 'PENDING', 9)
  t.equal((await repos.associations.byId('c'))?.created_at, since, 'a live association keeps when it became live')
  await repos.associations.delete('c')
  t.equal(await repos.associations.byId('c'), undefined)
})

contract(t, engines, 'set: inserts once, then refreshes the same row (id kept; live since kept, or the revive\'s time) and revives it', async (t, { repos }) => {
  await seed(repos)
  const first = await repos.associations.set(associationRow('id-1', { created_at: 10, updated_at: 10 }))
  t.strictSame(plain(first), { row: associationRow('id-1', { created_at: 10, updated_at: 10 }), inserted: true })
  const live = await repos.associations.set(associationRow('id-3', { secret_path: 'id-1', created_at: 11, updated_at: 11 }))
  t.strictSame(plain(live), { row: associationRow('id-1', { created_at: 10, updated_at: 11 }), inserted: false }, 'a set of a live one keeps created_at')
  await repos.associations.setRemoved('id-1', 'UNSYNCED', 11)
  await repos.associations.setStatus('id-1', 'UNSYNCED', 'gone', 11)
  const again = await repos.associations.set(associationRow('id-2', { secret_path: 'id-1', granularity: 'secret-key', name_template: 'x', created_at: 12, updated_at: 12 }))
  t.strictSame(plain(again), {
    row: associationRow('id-1', { granularity: 'secret-key', name_template: 'x', created_at: 12, updated_at: 12 }),
    inserted: false
  })
  t.equal((await repos.associations.ofDestination('d1')).length, 1)
})

contract(t, engines, 'leftover names: stored and read back, kept by set and remove, and nothing else changes', async (t, { repos }) => {
  await seed(repos, ['a'])
  const before = await repos.associations.byId('a')
  t.equal(before?.leftover_names, null, 'none at first')
  const json = '[{"sub_key":"","name":"Old-Name","purge":true}]'
  await repos.associations.setLeftoverNames('a', json)
  const after = await repos.associations.byId('a')
  t.equal(after?.leftover_names, json)
  t.strictSame(plain(after), plain(before), 'no other column moved')
  t.equal(after?.view_gen, before?.view_gen, 'the association list sees no change (no view generation)')
  await repos.associations.remove('a', 'UNSYNCING', 30)
  await repos.associations.set(associationRow('other-id', { secret_path: 'a', updated_at: 31 }))
  t.equal((await repos.associations.byId('a'))?.leftover_names, json, 'a remove and a revive keep them (the worker forgets them)')
  await repos.associations.setLeftoverNames('a', null)
  t.equal((await repos.associations.byId('a'))?.leftover_names, null)
})

contract(t, engines, 'set and remove from concurrent units of work: one row, one remover', async (t, store) => {
  await seed(store.repos)
  const sets = await Promise.all(['x1', 'x2', 'x3', 'x4'].map(async (id) =>
    await store.transaction(async (r) => await r.associations.set(associationRow(id, { secret_path: 'same' })))))
  t.equal(sets.filter((s) => s.inserted).length, 1, 'inserted once')
  t.equal(new Set(sets.map((s) => s.row.id)).size, 1, 'everyone got the same row')
  const id = sets[0].row.id
  const removes = await Promise.all([1, 2, 3].map(async (i) =>
    await store.transaction(async (r) => await r.associations.remove(id, 'UNSYNCING', 20 + i))))
  t.equal(removes.filter((r) => r !== undefined).length, 1, 'exactly one remover changed it')
  t.match(removes.find((r) => r !== undefined), { id, removed: 1, status: 'UNSYNCING', message: null })
  t.equal(await store.repos.associations.remove('nope', 'UNSYNCING', 1), undefined)
})

contract(t, engines, 'targets: upsert keeps the recorded name, put records, status, owners by name, expiry, delete', async (t, { repos }) => {
  await seed(repos, ['a', 'b'])
  await repos.associations.upsertTarget({ association_id: 'a', sub_key: 'k2', status: 'PENDING', message: null, updated_at: 1 })
  await repos.associations.upsertTarget({ association_id: 'a', sub_key: 'k1', status: 'PENDING', message: null, updated_at: 1 })
  await repos.associations.putTarget({
    association_id: 'a', sub_key: 'k1', external_name: 'Name-One', external_version: 'v1', digest: 'd.t', status: 'SYNCED', message: null, updated_at: 2
  })
  await repos.associations.upsertTarget({ association_id: 'a', sub_key: 'k1', status: 'PENDING', message: 'again', updated_at: 3 })
  t.strictSame(await repos.associations.targets('a'), [
    { association_id: 'a', sub_key: 'k1', external_name: 'Name-One', external_version: 'v1', status: 'PENDING', message: 'again', digest: 'd.t', updated_at: 3, drift_evidence: null, drift_finding: null },
    { association_id: 'a', sub_key: 'k2', external_name: null, external_version: null, status: 'PENDING', message: null, digest: null, updated_at: 1, drift_evidence: null, drift_finding: null }
  ])
  await repos.associations.putTarget({
    association_id: 'b', sub_key: '', external_name: 'other', external_version: null, digest: null, status: 'SYNCED', message: null, updated_at: 2
  })
  t.strictSame((await repos.associations.targetsOfDestination('d1')).map((r) => `${r.association_id}/${r.sub_key}`), ['a/k1', 'a/k2', 'b/'])
  t.strictSame(await repos.associations.ownersOfName('NAME-one', 'b'), [{
    association_id: 'a', destination_id: 'd1', sub_key: 'k1', external_name: 'Name-One', accessor: 'kv_1', mount_path: 'secret/', secret_path: 'a', removed: 0, live_since: 1
  }])
  t.strictSame(await repos.associations.ownersOfName('name-one', 'a'), [], 'its own association is left out')
  await repos.associations.setTargetStatus('a', 'k2', 'UNSYNCED', null, 4)
  t.equal(await repos.associations.deleteExpiredUnsyncedTargets(5), 1, 'the unsynced key with no recorded name')
  await repos.associations.setTargetsStatus('a', 'CLIENT_SIDE_ERROR', 'bad', 6)
  t.strictSame((await repos.associations.targets('a')).map((r) => [r.sub_key, r.status, r.message]), [['k1', 'CLIENT_SIDE_ERROR', 'bad']])
  t.strictSame(await repos.associations.erroredBefore(7), ['a'], 'an error target counts')
  await repos.associations.deleteTarget('a', 'k1')
  t.strictSame(await repos.associations.targets('a'), [])
  t.strictSame((await repos.associations.targetsOfLiveDestinations()).map((r) => r.association_id), ['b'])
})

contract(t, engines, 'drift columns: evidence clears the finding, findings and digests per target, drift targets of a destination', async (t, { repos }) => {
  await seed(repos, ['a', 'b'])
  await repos.associations.putTarget({
    association_id: 'a', sub_key: '', external_name: 'name-a', external_version: 'v1', digest: 'd.a', status: 'SYNCED', message: null, updated_at: 2
  })
  await repos.associations.upsertTarget({ association_id: 'b', sub_key: '', status: 'PENDING', message: null, updated_at: 1 })
  await repos.associations.setTargetFinding('a', '', '{"state":"drifted-value"}')
  await repos.associations.setTargetDigest('a', '', null)
  t.strictSame(await repos.associations.driftTargetsOfDestination('d1'), [{
    association_id: 'a', sub_key: '', external_name: 'name-a', accessor: 'kv_1', mount_path: 'secret/', secret_path: 'a', drift_evidence: null, drift_finding: '{"state":"drifted-value"}'
  }], 'only written targets, with their drift columns')
  t.equal((await repos.associations.targets('a'))[0].digest, null, 'the digest was cleared for a repair')
  await repos.associations.setTargetEvidence('a', '', '{"version":"v2"}')
  t.strictSame((await repos.associations.driftTargetsOfDestination('d1')).map((r) => [r.drift_evidence, r.drift_finding]), [['{"version":"v2"}', null]],
    'recording evidence at a write clears the last finding')
})

contract(t, engines, 'destination drift rows: override and sweep kept apart, gone with the destination', async (t, { repos }) => {
  await seed(repos, ['a'])
  t.equal(await repos.drift.get('d1'), undefined, 'no row until overridden or swept')
  await repos.drift.setSweep('d1', 1_700_000_000_000, '{"checked":1}')
  await repos.drift.setOverride('d1', '{"mode":"repair"}')
  await repos.drift.setSweep('d1', 1_700_000_000_001, '{"checked":2}')
  const row = { destination_id: 'd1', override: '{"mode":"repair"}', last_sweep_at: 1_700_000_000_001, last_result: '{"checked":2}' }
  t.strictSame(await repos.drift.get('d1'), row, 'each write keeps the other\'s columns')
  t.strictSame(await repos.drift.all(), [row])
  await repos.destinations.delete('d1')
  t.strictSame(await repos.drift.all(), [], 'the row went with its destination')
})

contract(t, engines, 'fencing: the local fence (epoch 0) settles on SQLite only; a stale fence never settles (issue 18)', async (t, store) => {
  await seed(store.repos, ['a'])
  const stale = { name: 'vault:https://one', holder: 'r1', epoch: 3 }
  await t.rejects(store.transaction(async (r) => { await r.fencing.settle(stale, 'a') }), { name: 'LeaseLostError' })
  if (store.engine === 'sqlite') await store.transaction(async (r) => { await r.fencing.settle(LOCAL_FENCE, 'a') })
  else await t.rejects(store.transaction(async (r) => { await r.fencing.settle(LOCAL_FENCE, 'a') }), { name: 'LeaseLostError' })
  t.match(await store.repos.associations.byId('a'), { settled_lease: null, settled_epoch: null }, 'nothing recorded')
})
