// Repository contract, the sync outbox and the read models over it (status, metrics): the same
// cases on SQLite and PostgreSQL (issue 18).
import t from 'tap'
import { associationRow, contract, contractEngines, destinationRow, seed } from './contract-engines.js'

const engines = await contractEngines(t)
const NOW = 1_700_000_000_000 // epoch ms

contract(t, engines, 'markDirty coalesces: generation bumps, refresh is OR-ed in, attempts reset, due again', async (t, { repos }) => {
  await seed(repos, ['a', 'b'])
  t.equal(await repos.outbox.markDirty('a', NOW), 1)
  t.strictSame(await repos.outbox.byAssociation('a'), {
    association_id: 'a', generation: 1, refresh: 0, lease_until: null, attempts: 0, next_attempt_at: NOW, created_at: NOW, first_failure_at: null
  })
  await repos.outbox.retry('a', 1, NOW + 500, 3, NOW)
  t.equal(await repos.outbox.markDirty('a', NOW + 10, true), 2)
  t.equal(await repos.outbox.markDirty('a', NOW + 20), 3)
  t.strictSame(await repos.outbox.byAssociation('a'), {
    association_id: 'a', generation: 3, refresh: 1, lease_until: null, attempts: 0, next_attempt_at: NOW + 20, created_at: NOW, first_failure_at: null
  })
  await repos.outbox.markDirty('b', NOW)
  t.equal(await repos.outbox.has('b'), true)
  t.equal(await repos.outbox.has('c'), false)
  t.equal(await repos.outbox.count(), 2)
  t.equal(await repos.outbox.countForDestination('d1'), 2)
  t.equal(await repos.outbox.countForDestination('d9'), 0)
})

contract(t, engines, 'refreshDone clears refresh at the claimed generation only (a newer set keeps its own)', async (t, { repos }) => {
  await seed(repos, ['a'])
  t.equal(await repos.outbox.markDirty('a', NOW, true), 1)
  await repos.outbox.refreshDone('a', 1)
  t.match(await repos.outbox.byAssociation('a'), { generation: 1, refresh: 0 })
  t.equal(await repos.outbox.markDirty('a', NOW + 1, true), 2)
  await repos.outbox.refreshDone('a', 1)
  t.match(await repos.outbox.byAssociation('a'), { generation: 2, refresh: 1 }, 'a set after the claim: still a refresh')
})

contract(t, engines, 'concurrent marks of one association each bump the generation once', async (t, store) => {
  await seed(store.repos, ['a'])
  const generations = await Promise.all(Array.from({ length: 10 }, async () =>
    await store.transaction(async (r) => await r.outbox.markDirty('a', NOW))))
  t.strictSame([...generations].sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
})

contract(t, engines, 'markDirtyWithin: a queued association coalesces even when full; a new one only while there is room', async (t, store) => {
  await seed(store.repos, ['a', 'b', 'c'])
  const within = async (id: string, refresh = false): Promise<number | undefined> =>
    await store.transaction(async (r) => await r.outbox.markDirtyWithin(id, NOW, refresh, 2))
  t.equal(await within('a'), 1)
  t.equal(await within('b', true), 1)
  t.equal(await within('c'), undefined, 'full: nothing written')
  t.equal(await store.repos.outbox.has('c'), false)
  t.equal(await within('a', true), 2, 'coalesces when full')
  t.match(await store.repos.outbox.byAssociation('a'), { generation: 2, refresh: 1 })
  t.equal(await store.repos.outbox.count(), 2)
})

contract(t, engines, 'markDirtyWithin counts the rows, not their span: a settled row in the middle makes room', async (t, store) => {
  await seed(store.repos, ['a', 'b', 'c', 'd', 'e'])
  const within = async (id: string): Promise<number | undefined> =>
    await store.transaction(async (r) => await r.outbox.markDirtyWithin(id, NOW, false, 3))
  for (const id of ['a', 'b', 'c']) t.equal(await within(id), 1)
  t.equal(await within('d'), undefined, 'full')
  t.equal(await store.repos.outbox.complete('b', 1), true, 'the middle row settles')
  t.equal(await within('d'), 1, 'two rows queued (their span is three): room for one')
  t.equal(await within('e'), undefined, 'full again')
  t.equal(await store.repos.outbox.count(), 3)
})

contract(t, engines, 'concurrent markDirtyWithin of new rows never exceed the capacity', async (t, store) => {
  const ids = Array.from({ length: 12 }, (_, i) => `n${i}`)
  await seed(store.repos, ids)
  const results = await Promise.all(ids.map(async (id) =>
    await store.transaction(async (r) => await r.outbox.markDirtyWithin(id, NOW, false, 5))))
  t.equal(results.filter((g) => g !== undefined).length, 5, 'exactly capacity rows queued')
  t.equal(await store.repos.outbox.count(), 5)
})

contract(t, engines, 'claim leases due rows earliest first; leases, retries, completion by generation', async (t, { repos }) => {
  await seed(repos, ['a', 'b', 'c', 'd'])
  await repos.outbox.markDirty('a', NOW + 2)
  await repos.outbox.markDirty('b', NOW + 1)
  await repos.outbox.markDirty('c', NOW + 3)
  await repos.outbox.markDirty('d', NOW + 1000)
  t.equal(await repos.outbox.nextDueAt(), NOW + 1)
  const claimed = await repos.outbox.claim(NOW + 10, 2, NOW + 60_000)
  t.strictSame(claimed.map((r) => [r.association_id, r.generation, r.lease_until]), [['b', 1, NOW + 60_000], ['a', 1, NOW + 60_000]])
  t.strictSame((await repos.outbox.claim(NOW + 10, 5, NOW + 60_000)).map((r) => r.association_id), ['c'], 'leased rows are not claimed again')
  t.strictSame(await repos.outbox.claim(NOW + 10, 5, NOW + 60_000), [])
  t.equal(await repos.outbox.nextDueAt(), NOW + 1000, 'the unleased row is next')
  await repos.outbox.markDirty('b', NOW + 20)
  t.equal(await repos.outbox.complete('b', 1), false, 'a newer generation is not completed')
  t.equal(await repos.outbox.complete('a', 1), true)
  t.equal(await repos.outbox.has('a'), false)
  await repos.outbox.retry('c', 1, NOW + 5000, 1, NOW + 10)
  t.match(await repos.outbox.byAssociation('c'), { lease_until: null, next_attempt_at: NOW + 5000, attempts: 1, first_failure_at: NOW + 10 })
  await repos.outbox.retry('b', 1, NOW + 9000, 4, NOW)
  t.match(await repos.outbox.byAssociation('b'), { generation: 2, lease_until: null, next_attempt_at: NOW + 20, attempts: 0 }, 'stale retry only frees the lease')
  t.strictSame((await repos.outbox.claim(NOW + 120_000, 10, NOW + 180_000)).map((r) => r.association_id), ['b', 'd', 'c'])
  t.equal(await repos.outbox.releaseAllLeases(), 3)
  t.equal(await repos.outbox.releaseAllLeases(), 0)
})

contract(t, engines, 'the lease of a claimed row expires', async (t, { repos }) => {
  await seed(repos, ['a'])
  await repos.outbox.markDirty('a', NOW)
  t.equal((await repos.outbox.claim(NOW, 1, NOW + 100)).length, 1)
  t.equal(await repos.outbox.nextDueAt(), NOW + 100, 'due again when the lease ends')
  t.strictSame(await repos.outbox.claim(NOW + 99, 1, NOW + 200), [])
  t.strictSame((await repos.outbox.claim(NOW + 100, 1, NOW + 200)).map((r) => r.lease_until), [NOW + 200])
})

contract(t, engines, 'settled removed associations and hidden destinations are cleaned up', async (t, { repos }) => {
  await seed(repos, ['a', 'b', 'c'])
  await repos.associations.setRemoved('a', 'UNSYNCED', NOW)
  await repos.associations.setRemoved('b', 'UNSYNCED', NOW)
  await repos.outbox.markDirty('b', NOW)
  t.strictSame(await repos.outbox.expiredRemoved(NOW + 1), ['a'])
  t.strictSame(await repos.outbox.expiredRemoved(NOW), [])
  await repos.outbox.deleteSettledRemoved('d1')
  t.strictSame((await repos.associations.ofDestination('d1')).map((a) => a.id), ['b', 'c'])
  await repos.destinations.hide('d1', NOW)
  t.equal(await repos.outbox.deleteSettledHidden(), 0, 'b still has an outbox row')
  await repos.outbox.complete('b', 1)
  t.equal(await repos.outbox.deleteSettledHidden(), 1)
  t.equal(await repos.destinations.byId('d1'), undefined)
})

contract(t, engines, 'status read model and metrics aggregates', async (t, { repos }) => {
  await seed(repos, ['b', 'a'])
  await repos.destinations.insert(destinationRow({ id: 'd2', name: 'two' }))
  await repos.associations.insert(associationRow('c', { destination_id: 'd2', status: 'SYNCED' }))
  await repos.associations.insert(associationRow('h', { destination_id: 'd2', secret_path: 'h', removed: 1, status: 'UNSYNCED' }))
  await repos.outbox.markDirty('a', NOW - 1)
  await repos.outbox.markDirty('b', NOW + 5000)
  await repos.outbox.markDirty('c', NOW)
  t.strictSame((await repos.outbox.claim(NOW, 1, NOW + 60_000)).map((r) => r.association_id), ['a'])
  t.strictSame((await repos.syncStatus.destinations()).map((d) => d.id), ['d1', 'd2'])
  const state = await repos.syncStatus.associations()
  t.strictSame(state.map((a) => [a.id, a.attempts, a.next_attempt_at]), [['a', 0, NOW - 1], ['b', 0, NOW + 5000], ['c', 0, NOW], ['h', null, null]])
  t.strictSame(state.filter((a) => a.lease_until === NOW + 60_000).map((a) => a.id), ['a'])
  t.strictSame(await repos.syncStatus.queue(NOW), { depth: 3, due: 1, inFlight: 1, nextAttemptAt: NOW + 5000 })
  t.strictSame(await repos.syncStatus.targets(), [])
  t.strictSame(await repos.metrics.destinationsByType(), [{ type: 'azure-kv', n: 2 }])
  t.strictSame(await repos.metrics.associationsByType(), [{ type: 'azure-kv', n: 3 }])
  const byStatus = (await repos.metrics.associationsByStatus()).sort((x, y) => x.status.localeCompare(y.status))
  t.strictSame(byStatus, [{ type: 'azure-kv', status: 'PENDING', n: 2 }, { type: 'azure-kv', status: 'SYNCED', n: 1 }, { type: 'azure-kv', status: 'UNSYNCED', n: 1 }])
  const queue = (await repos.metrics.queueByDestination(NOW)).sort((x, y) => x.name.localeCompare(y.name))
  t.strictSame(queue, [
    { type: 'azure-kv', name: 'one', depth: 2, oldest_at: NOW - 1, leased: 1 },
    { type: 'azure-kv', name: 'two', depth: 1, oldest_at: NOW, leased: 0 }
  ])
  t.strictSame(await repos.syncStatus.queue(NOW - 1), { depth: 3, due: 0, inFlight: 1, nextAttemptAt: NOW })
})

contract(t, engines, 'vault keys scope claims, next due times and lease releases to the vaults a replica owns (issue 18)', async (t, { repos }) => {
  await seed(repos, ['a', 'b'])
  await repos.destinations.insert(destinationRow({ id: 'd2', name: 'two' }))
  await repos.destinations.insert(destinationRow({ id: 'd3', name: 'three' }))
  await repos.associations.insert(associationRow('c', { destination_id: 'd2' }))
  await repos.associations.insert(associationRow('e', { destination_id: 'd3' }))
  t.equal(await repos.destinations.setVaultKey('d1', 'https://one'), true)
  t.equal(await repos.destinations.setVaultKey('d1', 'https://one'), false, 'unchanged')
  t.equal(await repos.destinations.setVaultKey('d2', 'https://two'), true)
  t.match(await repos.destinations.byId('d2'), { vault_key: 'https://two' })
  for (const [id, at] of [['a', 1], ['b', 2], ['c', 3], ['e', 4]] as const) await repos.outbox.markDirty(id, NOW + at)
  const one = { vaults: ['https://one'], unkeyed: false }
  t.equal(await repos.outbox.nextDueAt({ vaults: ['https://two'], unkeyed: false }), NOW + 3)
  t.equal(await repos.outbox.nextDueAt({ vaults: [], unkeyed: true }), NOW + 4, 'd3 has no vault key yet')
  t.equal(await repos.outbox.nextDueAt({ vaults: ['https://nine'], unkeyed: false }), undefined)
  const claimed = await repos.outbox.claim(NOW + 10, 10, NOW + 60_000, one)
  t.strictSame(claimed.map((r) => [r.association_id, r.vault_key, r.lease_until]), [['a', 'https://one', NOW + 60_000], ['b', 'https://one', NOW + 60_000]])
  t.equal(await repos.outbox.nextDueAt(one), NOW + 60_000, 'leased rows come due when their lease ends')
  t.strictSame((await repos.outbox.claim(NOW + 10, 10, NOW + 60_000, { vaults: ['https://two'], unkeyed: true })).map((r) => [r.association_id, r.vault_key]),
    [['c', 'https://two'], ['e', null]])
  t.equal(await repos.outbox.releaseVaultLeases(['https://one']), 2, 'a new owner frees the previous owner\'s row leases')
  t.match(await repos.outbox.byAssociation('c'), { lease_until: NOW + 60_000 }, 'other vaults keep theirs')
  t.strictSame((await repos.outbox.claim(NOW + 10, 10, NOW + 60_000)).map((r) => r.association_id), ['a', 'b'], 'no scope: every row')
})
