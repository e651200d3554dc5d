// enqueue() (src/sync/outbox.ts): the capacity and status rules every caller shares, on the
// async Store.
import t from 'tap'
import { createAssociationsRepo } from '../../../db/associations-repo.js'
import type { Db } from '../../../db/database.js'
import { createOutboxRepo } from '../../../db/outbox-repo.js'
import { createSqliteStore } from '../../../db/store/sqlite-store.js'
import { createSyncOutbox } from '../../../src/sync/outbox.js'
import { addAssociation, openTestDb } from '../../db/repo-fixtures.js'

function outboxOver (db: Db, capacity: number) {
  const associations = createAssociationsRepo(db)
  const queue = createOutboxRepo(db)
  const config = { disabled: false, queue_capacity: capacity }
  const store = createSqliteStore(db)
  const outbox = createSyncOutbox({ store, config: { read: async () => config } })
  return { associations, queue, outbox, store }
}

t.test('capacity: coalescing is free; a full queue refuses, marks an error or skips', async (t) => {
  const db = openTestDb(t)
  for (const id of ['a1', 'a2', 'a3', 'a4']) addAssociation(db, id)
  const { associations, queue, outbox } = outboxOver(db, 2)
  let woken = 0
  outbox.onEnqueued(() => { woken++ })
  t.equal(await outbox.enqueue('a1', 1, { status: 'PENDING', whenFull: 'refuse' }), true)
  t.equal(await outbox.enqueue('a2', 1, { whenFull: 'refuse' }), true)
  t.equal(await outbox.enqueue('a1', 2, { whenFull: 'refuse' }), true, 'a queued association coalesces even when full')
  t.equal(queue.byAssociation('a1')?.generation, 2)
  await t.rejects(outbox.enqueue('a3', 3, { whenFull: 'refuse' }), { status: 503, errors: ['sync queue is full (queue_capacity=2); retry later'] })
  t.equal(await outbox.enqueue('a3', 3, { status: 'PENDING', whenFull: 'error' }), false)
  t.match(associations.byId('a3'), { status: 'INTERNAL_VAULT_ERROR', message: 'sync queue is full' })
  t.equal(await outbox.enqueue('a4', 3, { whenFull: 'skip' }), false)
  t.match(associations.byId('a4'), { status: 'PENDING', message: null }, 'skip leaves the association as it is')
  t.equal(queue.count(), 2)
  t.equal(woken, 3, 'one event per queued row')
})

t.test('status: shown on the association and its targets when queued', async (t) => {
  const db = openTestDb(t)
  addAssociation(db, 'a1', { status: 'SYNCED' })
  const { associations, outbox } = outboxOver(db, 10)
  associations.upsertTarget({ association_id: 'a1', sub_key: '', status: 'SYNCED', message: null, updated_at: 1 })
  await outbox.enqueue('a1', 2, { status: 'UNSYNCING', whenFull: 'refuse', refresh: true })
  t.equal(associations.byId('a1')?.status, 'UNSYNCING')
  t.equal(associations.targets('a1')[0].status, 'UNSYNCING')
  await outbox.enqueue('a1', 3, { whenFull: 'error' })
  t.equal(associations.byId('a1')?.status, 'UNSYNCING', 'no status given: unchanged')
})

t.test('a refused enqueue inside a caller\'s unit of work rolls back only with that unit', async (t) => {
  const db = openTestDb(t)
  for (const id of ['a1', 'a2']) addAssociation(db, id, { status: 'SYNCED' })
  const { associations, queue, outbox, store } = outboxOver(db, 1)
  await t.rejects(store.transaction(async () => {
    await outbox.enqueue('a1', 1, { status: 'PENDING', whenFull: 'refuse' })
    await outbox.enqueue('a2', 1, { status: 'PENDING', whenFull: 'refuse' })
  }), { status: 503, errors: ['sync queue is full (queue_capacity=1); retry later'] })
  t.equal(queue.count(), 0, 'the first enqueue of the failed unit is rolled back too')
  t.equal(associations.byId('a1')?.status, 'SYNCED')
})
