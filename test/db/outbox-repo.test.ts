// db/outbox-repo.ts on a real SQLite file: coalescing with generation fencing, claim under a
// lease, settle (complete / retry) fenced by generation, and the "nothing queued" queries.
import t from 'tap'
import { createOutboxRepo } from '../../db/outbox-repo.js'
import { createAssociationsRepo } from '../../db/associations-repo.js'
import { createDestinationsRepo } from '../../db/destinations-repo.js'
import { addAssociation, openTestDb } from './repo-fixtures.js'

t.test('markDirty coalesces: one row, generation bumped, refresh OR-ed, due again', async (t) => {
  const db = openTestDb(t)
  addAssociation(db, 'a1')
  const outbox = createOutboxRepo(db)
  outbox.markDirty('a1', 100, true)
  outbox.markDirty('a1', 200)
  t.equal(outbox.count(), 1)
  t.match(outbox.byAssociation('a1'), { generation: 2, refresh: 1, next_attempt_at: 200, attempts: 0 })
  t.equal(outbox.countForDestination('d1'), 1)
  t.equal(outbox.has('a2'), false)
})

t.test('claim leases due rows; a newer generation survives complete; retry re-arms', async (t) => {
  const db = openTestDb(t)
  addAssociation(db, 'a1')
  addAssociation(db, 'a2')
  const outbox = createOutboxRepo(db)
  outbox.markDirty('a1', 100)
  outbox.markDirty('a2', 500)
  t.equal(outbox.nextDueAt(), 100)
  const [row, ...rest] = outbox.claim(150, 10, 1_000)
  t.equal(rest.length, 0, 'a2 is not due yet')
  t.equal(row.association_id, 'a1')
  t.same(outbox.claim(150, 10, 1_000), [], 'a leased row is not claimed twice')
  outbox.markDirty('a1', 160) // a change during the attempt
  t.equal(outbox.complete('a1', row.generation), false, 'the newer generation is kept')
  outbox.retry('a1', row.generation, 9_999, 3, 150)
  t.match(outbox.byAssociation('a1'), { lease_until: null, next_attempt_at: 160, attempts: 0 }, 'fenced: only the lease is freed')
  const [again] = outbox.claim(170, 10, 2_000)
  outbox.retry('a1', again.generation, 5_000, 1, 170)
  t.match(outbox.byAssociation('a1'), { lease_until: null, next_attempt_at: 5_000, attempts: 1, first_failure_at: 170 })
  t.equal(outbox.claim(400, 10, 2_000).length, 0, 'nothing due at 400')
  t.equal(outbox.claim(600, 10, 2_000).length, 1, 'a2 due at 500')
  t.equal(outbox.releaseAllLeases(), 1)
  t.equal(outbox.complete('a2', 1), true)
  t.equal(outbox.count(), 1)
})

t.test('settled removals and hidden destinations go only once nothing is queued', async (t) => {
  const db = openTestDb(t)
  addAssociation(db, 'a1', { removed: 1, status: 'UNSYNCED', updated_at: 10 })
  addAssociation(db, 'a2', { removed: 1, status: 'UNSYNCED', updated_at: 10 })
  const outbox = createOutboxRepo(db)
  const associations = createAssociationsRepo(db)
  outbox.markDirty('a2', 10)
  t.same(outbox.expiredRemoved(20), ['a1'], 'a2 still has a row')
  createDestinationsRepo(db).hide('d1', 30)
  t.equal(outbox.deleteSettledHidden(), 0, 'an unsync of d1 is queued')
  outbox.deleteSettledRemoved('d1')
  t.same(associations.ofDestination('d1').map((a) => a.id), ['a2'])
  outbox.complete('a2', 1)
  t.equal(outbox.deleteSettledHidden(), 1)
  t.same(associations.ofDestination('d1'), [], 'associations cascade with the destination')
})
