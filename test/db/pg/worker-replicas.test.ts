// The sync worker as several replicas on one PostgreSQL (issue 18): two replicas in this process,
// each with its own Store (pool), lease keeper, outbox listener and worker, share two Key Vaults
// (fake-store endpoints). Each vault is owned by exactly one replica and only its owner writes
// to it; a NOTIFY from a third party's enqueue wakes the workers (their poll is too slow to
// matter); the maintenance lease has exactly one holder; a replica whose lease is gone settles
// nothing, checked in the database (the lease and epoch each association was settled under).
import t, { type Test } from 'tap'
import type pg from 'pg'
import { LeaseKeeper } from '../../../db/pg/lease-keeper.js'
import { readLeases } from '../../../db/pg/leases.js'
import type { PgListener } from '../../../db/pg/listener.js'
import { migratePostgres } from '../../../db/pg/migrate.js'
import { createPool, rowsOf } from '../../../db/pg/connection.js'
import { vaultLeaseName } from '../../../db/pg/sync-work.js'
import { openPgStore } from '../../../db/store/pg/pg-store.js'
import type { Store } from '../../../db/store/repositories.js'
import type { DriverRegistry } from '../../../src/drivers/registry.js'
import type { SyncDriver } from '../../../src/drivers/driver.js'
import { parseStoredOptions } from '../../../src/sync/destination-options.js'
import { createLeaseOwnership } from '../../../src/worker/lease-ownership.js'
import { listenForOutbox } from '../../../src/worker/outbox-wakeups.js'
import type { WorkOwnership } from '../../../src/worker/ownership.js'
import { createSyncWorker, type SyncWorker } from '../../../src/worker/worker.js'
import { createFakeStores, type FakeStores } from '../../src/drivers/fake-store/fake-store.js'
import { createFakeStoreDriver, type FakeConnection } from '../../src/drivers/fake-store/fake-store-driver.js'
import { usePostgres } from '../../pg/shared-postgres.js'
import { associationRow, destinationRow, mountRow } from '../contract/contract-engines.js'
import { capturingLog, waitFor } from './pg-test-kit.js'

const db = await usePostgres(t)
const VAULTS = ['fake-store:kv1', 'fake-store:kv2']
const TTL = 2000

interface Replica {
  id: string
  store: Store
  keeper: LeaseKeeper
  ownership: WorkOwnership
  worker: SyncWorker
  listener: PgListener
  lines: string[]
  /** Names written by this replica's driver, as `store/name`. */
  wrote: string[]
  /** While set, this replica's driver waits for it before applying. */
  gate?: Promise<void>
}

const settings = (url: string, replica: string) => ({ connectionUrl: url, maxParallel: 4, replica })

/** Starts replica `id` on `url` writing to `stores`; everything is closed at the end of `t`. */
async function replica (t: Test, url: string, id: string, stores: FakeStores, pollMs = 120_000): Promise<Replica> {
  const { log, lines } = capturingLog()
  const logger = { ...log, debug: () => {}, trace: () => {}, fatal: log.error, child: () => logger, level: 'info', silent: () => {} }
  const store = openPgStore(settings(url, id), log)
  const { ownership, keeperOptions } = createLeaseOwnership()
  const fake = createFakeStoreDriver(stores)
  const r = { id, store, ownership, lines, wrote: [] as string[] } as Partial<Replica> & { wrote: string[] }
  const driver: SyncDriver<FakeConnection> = {
    ...fake,
    apply: async (conn, ops, signal) => {
      await r.gate
      for (const op of ops) r.wrote.push(`${conn.store}/${op.name}`)
      return await fake.apply(conn, ops, signal)
    }
  }
  const registry = { get: (type: string) => type === 'fake-store' ? driver : undefined } as unknown as DriverRegistry
  const worker = createSyncWorker({
    services: {
      store,
      ownership,
      outbox: { enqueue: async (id, at) => { await store.repos.outbox.markDirty(id, at); return true } },
      registry,
      destinationService: { configOf: (row) => ({ connection: JSON.parse(row.connection), secrets: { api_key: 'k' }, options: parseStoredOptions(row.options) }) },
      kv: { readCurrent: (_accessor, path) => ({ version: 1, currentVersion: 1, data: { value: `value of ${path}` }, createdTime: '', deletionTime: '', deletionAtMs: null }) },
      mounts: { byAccessor: async (accessor) => await store.repos.mounts.byAccessor(accessor) },
      syncConfig: { get: () => ({ disabled: false, queue_capacity: 100_000 }) },
      now: Date.now,
      targetDigestKey: (d) => d
    },
    // By default the poll is far slower than any wait of these tests: only notifications wake the workers.
    settings: { maxInFlight: 8, leaseMs: 60_000, reconcileIntervalMs: 600_000, unsyncedRetentionMs: 600_000, stopGraceMs: 1000, pollMs, backoff: { baseMs: 100, maxMs: 1000 }, clientErrorRetryMs: 60_000 },
    log: logger as never
  })
  const keeper = new LeaseKeeper({ settings: settings(url, id), replica: id, ttlMs: TTL, renewEveryMs: 600, ...keeperOptions, log })
  const pool = createPool(settings(url, `${id}-ping`), log)
  const listener = await listenForOutbox({ settings: settings(url, id), worker, log, sendPing: async (p) => { await pool.query('SELECT pg_notify($1, $2)', ['vault_sync_ping', p]) } })
  worker.start()
  await keeper.start()
  t.teardown(async () => {
    await worker.stop()
    await listener.close()
    await keeper.close()
    await pool.end()
    await store.close()
  })
  return Object.assign(r, { keeper, worker, listener }) as Replica
}

/** A migrated database with mount kv_1, destinations d1 (kv1) and d2 (kv2) and `n` associations on each. */
async function seeded (t: Test, n: number): Promise<{ url: string, api: Store, ids: string[] }> {
  const url = await db!.another()
  await migratePostgres(settings(url, 'migrate'))
  const { log } = capturingLog()
  const api = openPgStore(settings(url, 'api'), log)
  t.teardown(() => api.close())
  await api.repos.mounts.insert(mountRow())
  const ids: string[] = []
  for (const [d, store] of [['d1', 'kv1'], ['d2', 'kv2']]) {
    await api.repos.destinations.insert(destinationRow({ id: d, type: 'fake-store', name: store, connection: JSON.stringify({ store }) }))
    await api.repos.destinations.setVaultKey(d, `fake-store:${store}`)
    for (let i = 0; i < n; i++) {
      const id = `${d}-a${i}`
      await api.repos.associations.insert(associationRow(id, { destination_id: d, secret_path: `${store}-s${i}` }))
      ids.push(id)
    }
  }
  return { url, api, ids }
}

/** Each replica's vault keys, once the two hold one vault each and the database agrees. */
async function balanced (c: pg.Pool | pg.Client, replicas: Replica[]): Promise<Record<string, string>> {
  const owners: Record<string, string> = {}
  await waitFor(async () => {
    const rows = await readLeases(rowsOf(c), VAULTS.map(vaultLeaseName))
    if (rows.length !== 2 || rows.some((r) => !r.live)) return false
    for (const r of rows) {
      const believers = replicas.filter((x) => x.keeper.fence(r.name)?.epoch === r.epoch)
      if (believers.length !== 1 || believers[0].id !== r.holder) return false
      owners[r.name.slice('vault:'.length)] = r.holder
    }
    return new Set(Object.values(owners)).size === 2
  }, 'each replica to own one vault')
  return owners
}

/** `seeded(t, n)` with replicas r1 and r2 started and balanced, and a pool for checks. */
async function cluster (t: Test, n: number, pollMs?: number) {
  const { url, api, ids } = await seeded(t, n)
  const stores = createFakeStores()
  const replicas = [await replica(t, url, 'r1', stores, pollMs), await replica(t, url, 'r2', stores, pollMs)]
  const check = createPool(settings(url, 'check'), capturingLog().log)
  t.teardown(() => check.end())
  return { api, ids, stores, replicas, check, owners: await balanced(check, replicas) }
}

if (db !== undefined) {
  t.test('two replicas share two vaults: one owner each, only the owner writes and settles; a NOTIFY wakes the workers; one maintenance holder', async (t) => {
    const { api, ids, stores, replicas, check, owners } = await cluster(t, 10)
    t.same(Object.keys(owners).sort(), VAULTS)

    // The maintenance lease: exactly one holder, the one the database names.
    const maint = (await readLeases(rowsOf(check), ['maintenance']))[0]
    t.same(replicas.filter((r) => r.ownership.maintains()).map((r) => r.id), [maint.holder], 'one replica maintains, the database agrees')

    // Enqueued by a third party (neither replica's process): only the NOTIFY of its commit can wake them in time.
    const at = Date.now()
    await api.transaction(async (r) => { for (const id of ids) await r.outbox.markDirty(id, at) })
    await waitFor(async () => (await api.repos.outbox.count()) === 0, 'every row to be settled')
    for (const r of replicas) {
      const mine = new Set(VAULTS.filter((v) => owners[v] === r.id).map((v) => v.slice('fake-store:'.length)))
      t.ok(r.wrote.length > 0 && r.wrote.every((w) => mine.has(w.split('/')[0])), `${r.id} wrote to its own vault only (${[...mine].join()})`)
    }
    const leases = new Map((await readLeases(rowsOf(check))).map((l) => [l.name, l]))
    const settled = (await check.query('SELECT a.id, a.status, a.settled_lease, a.settled_epoch, d.vault_key FROM associations a JOIN destinations d ON d.id = a.destination_id ORDER BY a.id')).rows
    t.equal(settled.length, 20)
    for (const a of settled) {
      t.equal(a.status, 'SYNCED', `${a.id} synced`)
      t.equal(a.settled_lease, vaultLeaseName(a.vault_key), `${a.id} settled under its vault's lease`)
      t.equal(a.settled_epoch, leases.get(a.settled_lease)?.epoch, `${a.id} settled under the current epoch`)
    }
    t.equal(stores.names('kv1').length + stores.names('kv2').length, 20)
  })

  t.test('fencing: a replica whose vault lease was lost mid-attempt settles nothing; the new owner does', async (t) => {
    const { api, ids, replicas, check, owners } = await cluster(t, 1)
    const victim = replicas.find((r) => r.id === owners['fake-store:kv1'])!
    const survivor = replicas.find((r) => r !== victim)!
    let release!: () => void
    victim.gate = new Promise((resolve) => { release = resolve })
    const row = ids.find((id) => id.startsWith('d1'))!
    const epochBefore = victim.keeper.fence(vaultLeaseName('fake-store:kv1'))!.epoch
    await api.repos.outbox.markDirty(row, Date.now())
    await waitFor(async () => (await api.repos.associations.byId(row))?.status === 'SYNCING', 'the victim to start the attempt')
    // The victim goes silent (as a stuck or partitioned process would): its keeper stops renewing.
    await victim.keeper.close({ release: false })
    await waitFor(() => survivor.keeper.fence(vaultLeaseName('fake-store:kv1')) !== undefined, 'the survivor to take the vault after the TTL')
    await waitFor(async () => (await api.repos.outbox.count()) === 0 && (await api.repos.associations.byId(row))?.status === 'SYNCED', 'the survivor to sync the row')
    const epochAfter = survivor.keeper.fence(vaultLeaseName('fake-store:kv1'))!.epoch
    t.ok(epochAfter > epochBefore, 'the lease was taken with a newer epoch')
    release() // the victim's attempt ends now: its settle must be refused
    await victim.worker.whenIdle()
    t.ok(victim.lines.some((l) => l.includes('lease of this row was lost')), 'the victim logged that its settle was refused')
    const a = (await check.query('SELECT settled_lease, settled_epoch, status FROM associations WHERE id = $1', [row])).rows[0]
    t.same(a, { settled_lease: vaultLeaseName('fake-store:kv1'), settled_epoch: epochAfter, status: 'SYNCED' }, 'settled by the new epoch only')
    const stale = (await check.query('SELECT count(*)::int AS n FROM associations a JOIN leases l ON l.name = a.settled_lease WHERE a.settled_epoch < l.epoch')).rows[0].n
    t.equal(stale, 0, 'no association was settled by a stale epoch')
    t.same(survivor.wrote, ['kv1/kv1-s0'])
  })
}

if (db !== undefined) {
  t.test('maintenance: exactly one holder runs the reconciliation; when it leaves, the other takes over', async (t) => {
    const { api, ids, replicas, check } = await cluster(t, 1)
    const holderId = async (): Promise<string | null | undefined> => (await readLeases(rowsOf(check), ['maintenance']))[0]?.holder
    const holder = replicas.find((r) => r.ownership.maintains())!
    const other = replicas.find((r) => r !== holder)!
    t.equal(other.ownership.maintains(), false, 'one holder only')
    t.equal(await holderId(), holder.id)
    // An errored association with nothing queued: only a reconciliation queues it again.
    const errored = ids[0]
    await api.repos.associations.setStatus(errored, 'EXTERNAL_SERVICE_ERROR', 'boom', Date.now() - 3_600_000)
    await other.worker.reconcileNow()
    t.equal(await api.repos.outbox.has(errored), false, 'a replica without the maintenance lease does not reconcile')
    await holder.keeper.close() // a clean shutdown gives the lease up at once
    await waitFor(() => other.ownership.maintains(), 'the other replica to take maintenance')
    t.equal(await holderId(), other.id)
    t.equal(holder.ownership.maintains(), false)
    await other.worker.reconcileNow()
    await waitFor(async () => (await api.repos.associations.byId(errored))?.status === 'SYNCED', 'the reconciled association to sync')
  })
}

if (db !== undefined) {
  t.test('a lost notification costs at most one poll: with both listeners gone, queued rows are still synced', async (t) => {
    const { api, ids, replicas } = await cluster(t, 2, 300)
    for (const r of replicas) await r.listener.close()
    const at = Date.now()
    await api.transaction(async (r) => { for (const id of ids) await r.outbox.markDirty(id, at) })
    await waitFor(async () => (await api.repos.outbox.count()) === 0, 'the polls to find and settle every row')
    for (const id of ids) t.match(await api.repos.associations.byId(id), { status: 'SYNCED' }, `${id} synced`)
  })
}
