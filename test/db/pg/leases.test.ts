// db/pg/leases.ts and lease-keeper.ts on a real PostgreSQL 15: fencing epochs, balancing across
// replicas, take-over after a replica goes silent.
import t from 'tap'
import pg from 'pg'
import { LeaseKeeper } from '../../../db/pg/lease-keeper.js'
import { createPool, PG_TYPES, rowsOf, withTransaction, type PgConnectionSettings } from '../../../db/pg/connection.js'
import { acquireLease, assertFence, fairShare, heartbeat, leaseHolder, LeaseLostError, readLeases, releaseLease, renewLease } from '../../../db/pg/leases.js'
import { migratePostgres, migrateWith } from '../../../db/pg/migrate.js'
import { usePostgres } from '../../pg/shared-postgres.js'
import { capturingLog, waitFor } from './pg-test-kit.js'
import { ownersAgree, startKeepers, VAULTS } from './lease-fixtures.js'

const db = await usePostgres(t)

if (db !== undefined) {
  const settings = (replica: string): PgConnectionSettings => ({ connectionUrl: db.url, maxParallel: 2, replica, lockTimeoutMs: 300 })
  const admin = new pg.Client({ connectionString: db.url, types: PG_TYPES })
  await admin.connect()
  t.teardown(() => admin.end())
  await migrateWith(admin)
  const q = rowsOf(admin)

  t.test('acquire, renew, release; each acquisition after a vacancy raises the epoch; stale fences are refused', async (t) => {
    const a = await acquireLease(q, 'vault:a.example', 'r1', 60_000)
    t.strictSame(a, { name: 'vault:a.example', holder: 'r1', epoch: 1 })
    t.equal(await acquireLease(q, 'vault:a.example', 'r2', 60_000), undefined, 'held: not taken')
    t.equal(await renewLease(q, a!, 60_000), true)
    await assertFence(q, a!)
    await releaseLease(q, a!)
    t.equal(await renewLease(q, a!, 60_000), false, 'released: cannot renew')
    const b = await acquireLease(q, 'vault:a.example', 'r2', 60_000)
    t.same(b, { name: 'vault:a.example', holder: 'r2', epoch: 2 })
    await t.rejects(assertFence(q, a!), new LeaseLostError(a!), 'the old epoch cannot settle')
    // Expiry on the database clock.
    const c = await acquireLease(q, 'vault:short', 'r1', 200)
    await new Promise((resolve) => setTimeout(resolve, 300))
    await t.rejects(assertFence(q, c!), { name: 'LeaseLostError' })
    t.equal(await renewLease(q, c!, 60_000), false, 'expired: cannot renew')
    t.same(await acquireLease(q, 'vault:short', 'r2', 60_000), { name: 'vault:short', holder: 'r2', epoch: 2 })
  })

  t.test('the holder of a lease and its address, for sys/leader', async (t) => {
    t.equal(await leaseHolder(q, 'maintenance'), undefined, 'nobody yet')
    await heartbeat(q, 'r7', 'https://10.0.0.7:8200', 60_000)
    const f = await acquireLease(q, 'maintenance', 'r7', 60_000)
    const held = await leaseHolder(q, 'maintenance')
    t.strictSame({ ...held, acquiredAt: undefined }, { holder: 'r7', epoch: f!.epoch, address: 'https://10.0.0.7:8200', acquiredAt: undefined })
    t.ok(held!.acquiredAt instanceof Date && Math.abs(held!.acquiredAt.getTime() - Date.now()) < 60_000, 'when it was taken')
    await releaseLease(q, f!)
    t.equal(await leaseHolder(q, 'maintenance'), undefined, 'released')
  })

  t.test('a settle in progress keeps its lease: nobody takes it before the settle commits; its holder renews meanwhile', async (t) => {
    const pool = createPool(settings('settler'), capturingLog().log)
    const other = createPool(settings('other'), capturingLog().log)
    t.teardown(async () => { await pool.end(); await other.end() })
    const f = await acquireLease(q, 'vault:settle', 'settler', 1500)
    let commit!: () => void
    const gate = new Promise<void>((resolve) => { commit = resolve })
    let fenced!: () => void
    const isFenced = new Promise<void>((resolve) => { fenced = resolve })
    const settle = withTransaction(pool, async (tx) => {
      await assertFence(tx, f!)
      fenced()
      await gate
      await tx.query('SELECT 1')
    })
    await isFenced
    // The holder's own renewal does not wait for the settle (lock_timeout is 300 ms here): under
    // a stream of settles, waiting renewals let the lease of a live holder expire.
    t.equal(await renewLease(rowsOf(other), f!, 1500), true, 'the holder renews while the settle runs')
    await new Promise((resolve) => setTimeout(resolve, 1600)) // the lease expires meanwhile
    await t.rejects(acquireLease(rowsOf(other), 'vault:settle', 'other', 60_000), { code: '55P03' }, 'the take-over waits for the settle')
    commit()
    await settle
    t.same(await acquireLease(rowsOf(other), 'vault:settle', 'other', 60_000), { name: 'vault:settle', holder: 'other', epoch: 2 })
  })

  t.test('three keepers share the vault leases evenly, one holds maintenance; a silent one is replaced', async (t) => {
    const url = await db.another()
    await migratePostgres({ connectionUrl: url, maxParallel: 1, replica: 'test' })
    const keepers = await startKeepers(t, url, ['r1', 'r2', 'r3'])
    const c = new pg.Client({ connectionString: url, types: PG_TYPES })
    await c.connect()
    t.teardown(() => c.end())
    await waitFor(async () => await ownersAgree(rowsOf(c), keepers) && keepers.map((k) => k.keeper.heldNames().filter((n) => n !== 'maintenance').length).sort().join() === '1,2,2',
      'an even split').catch(async (err) => { for (const k of keepers) t.comment(k.id, k.keeper.heldNames(), k.events, k.lines.slice(-5)); t.comment(await readLeases(rowsOf(c))); throw err })
    t.equal(keepers.filter((k) => k.keeper.fence('maintenance') !== undefined).length, 1, 'one maintenance holder')
    const victim = keepers.find((k) => k.keeper.fence('maintenance') !== undefined)!
    const victimLeases = victim.keeper.heldNames()
    const epochs = new Map((await readLeases(rowsOf(c))).map((r) => [r.name, r.epoch]))
    await victim.keeper.close({ release: false }) // as if SIGKILLed: no release, no goodbye
    const rest = keepers.filter((k) => k !== victim)
    await waitFor(async () => await ownersAgree(rowsOf(c), rest) && rest.some((k) => k.keeper.fence('maintenance') !== undefined), 'take-over', 15_000)
    t.same(rest.map((k) => k.keeper.heldNames().filter((n) => n !== 'maintenance').length).sort(), [VAULTS.length >> 1, (VAULTS.length + 1) >> 1])
    for (const r of await readLeases(rowsOf(c), victimLeases)) t.equal(r.epoch, epochs.get(r.name)! + 1, `${r.name}: a new epoch after the take-over`)
    t.same(victim.events.filter((e) => e.endsWith(' closing')).sort(), victimLeases.map((n) => `lost ${n} closing`).sort(), 'the silent one stopped its work')
  })

  t.test('a nudge takes a newly wanted vault lease at once, not on the next period', async (t) => {
    const url = await db.another()
    await migratePostgres({ connectionUrl: url, maxParallel: 1, replica: 'test' })
    const wanted: string[] = []
    const { log } = capturingLog()
    // A period far beyond the wait below: only the nudge can take the lease in time.
    const keeper = new LeaseKeeper({ settings: { connectionUrl: url, maxParallel: 1, replica: 'n1' }, replica: 'n1', ttlMs: 300_000, renewEveryMs: 100_000, balanced: async () => [...wanted], log })
    keeper.nudge() // before start: nothing happens
    await keeper.start()
    t.teardown(async () => { await keeper.close() })
    t.same(keeper.heldNames(), [], 'nothing wanted yet')
    wanted.push('vault:new.example')
    keeper.nudge()
    keeper.nudge() // during the nudged tick: one more tick right after it, no overlap
    await waitFor(() => keeper.fence('vault:new.example') !== undefined, 'the nudged tick', 10_000)
    t.same(keeper.heldNames(), ['vault:new.example'])
  })
}

t.test('fair share: an even split, the remainder to the first replicas by id', async (t) => {
  t.same(['a', 'b', 'c'].map((r) => fairShare(['a', 'b', 'c'], r, 5)), [2, 2, 1])
  t.same(['a', 'b', 'c'].map((r) => fairShare(['a', 'b', 'c'], r, 2)), [1, 1, 0])
  t.equal(fairShare(['a', 'b'], 'z', 4), 0, 'not live: nothing')
})
