// Units changing associations lock their destinations first (`destinations.lockForViewChange`).
// PostgreSQL's association-view trigger bumps the destination's `view_gen` on every association
// or target change, so such a change locks the destination's row after the association's; a
// purge locks the destination, then its associations. Without the destination locked first, a
// KV write's enqueue (association, then destination through the trigger) and a purge
// (destination, then association) deadlocked (40P01), the loser run again by the store's retry
// loop, and a purge answered 500 after four attempts (replica explorer, docs/postgresql.md).
import pg from 'pg'
import t, { type Test } from 'tap'
import { migratePostgres } from '../../../db/pg/migrate.js'
import { openPgStore } from '../../../db/store/pg/pg-store.js'
import type { Repositories, Store } from '../../../db/store/repositories.js'
import { createSyncOutbox } from '../../../src/sync/outbox.js'
import { DEFAULT_SYNC_CONFIG } from '../../../src/sync/sync-types.js'
import { usePostgres } from '../../pg/shared-postgres.js'
import { associationRow, destinationRow, pgSettings, seed } from '../contract/contract-engines.js'
import { capturingLog, waitFor } from './pg-test-kit.js'

const db = await usePostgres(t)

if (db !== undefined) {
  /** Two stores (replicas) on a fresh database with `d1` and associations a1, a2, and a watcher connection. */
  async function setup (t: Test): Promise<{ stores: Store[], watcher: pg.Client }> {
    const url = await db!.another()
    await migratePostgres(pgSettings(url))
    const stores = ['v1', 'v2'].map((r) => openPgStore(pgSettings(url, r, 3), capturingLog().log))
    const watcher = new pg.Client({ connectionString: url })
    await watcher.connect()
    t.teardown(async () => { await watcher.end(); for (const s of stores) await s.close() })
    await seed(stores[0].repos, ['a1', 'a2'])
    return { stores, watcher }
  }

  /** Backends of this database waiting for a lock. */
  const lockWaiters = async (c: pg.Client): Promise<number> => Number((await c.query(
    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0].n)

  t.test('a purge (destination, then associations) and a KV write\'s enqueue of one association: no deadlock, each unit runs once', async (t) => {
    const { stores: [purger, writer], watcher } = await setup(t)
    let enqueueAttempts = 0
    // The store of the KV write, counting the attempts of its top-level unit (a retry after 40P01 runs it again).
    const counted: Pick<Store, 'transaction'> = {
      transaction: async (work) => await writer.transaction(async (r) => { enqueueAttempts++; return await work(r) })
    }
    const outbox = createSyncOutbox({ store: counted, config: { read: async () => DEFAULT_SYNC_CONFIG } })
    let purgeAttempts = 0
    // Started from here, not from inside the purge's unit (where it would join that unit).
    let go!: () => void
    const enqueued = new Promise<void>((resolve) => { go = resolve })
      .then(async () => await outbox.enqueueMany(['a1'], 10, { status: 'PENDING', whenFull: 'error' }))
    await purger.transaction(async (r: Repositories) => {
      await r.destinations.liveForUpdate('azure-kv', 'one')
      if (++purgeAttempts === 1) {
        // The KV write's enqueue starts while the purge holds the destination, and waits.
        go()
        await waitFor(async () => await lockWaiters(watcher) > 0, 'the enqueue waiting for a lock')
      }
      await r.associations.setStatus('a1', 'UNSYNCING', null, 11)
      await r.associations.setTargetsStatus('a1', 'UNSYNCING', null, 11)
    })
    t.strictSame(await enqueued, [true], 'the association queued')
    t.equal(purgeAttempts, 1, 'the purge ran once (no deadlock)')
    t.equal(enqueueAttempts, 1, 'the enqueue ran once (no deadlock)')
    t.equal((await purger.repos.associations.byId('a1'))?.status, 'PENDING', 'the enqueue, waiting for the purge, wrote last')
  })

  t.test('lockForViewChange locks the destinations named and those of the associations named, until the unit ends', async (t) => {
    const { stores: [a, b], watcher } = await setup(t)
    await a.repos.destinations.insert(destinationRow({ id: 'd2', name: 'two' }))
    await a.repos.associations.insert(associationRow('b1', { destination_id: 'd2' }))
    const locked = async (id: string): Promise<boolean> => {
      await watcher.query("SET lock_timeout = '50ms'")
      try {
        await watcher.query('SELECT id FROM destinations WHERE id = $1 FOR UPDATE NOWAIT', [id])
        return false
      } catch (err) {
        if ((err as { code?: string }).code === '55P03') return true
        throw err
      }
    }
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    let inside!: () => void
    const entered = new Promise<void>((resolve) => { inside = resolve })
    const unit = a.transaction(async (r) => {
      await r.destinations.lockForViewChange([], ['b1', 'missing'])
      inside()
      await held
    })
    await entered
    t.equal(await locked('d2'), true, 'the destination of association b1 is locked')
    t.equal(await locked('d1'), false, 'another destination is not')
    release()
    await unit
    t.equal(await locked('d2'), false, 'released at the end of the unit')
    await b.transaction(async (r) => {
      await r.destinations.lockForViewChange(['d2', 'd1', 'nope'])
      t.equal(await locked('d1'), true)
      t.equal(await locked('d2'), true)
      await r.destinations.lockForViewChange([], []) // nothing to lock: no statement
    })
  })
}
