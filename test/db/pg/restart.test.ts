// PG-1 and PG-4 on a private PostgreSQL 15 that the test stops and starts: leases renewed on
// their own connection come back after a restart under load, with no process restart; a holder
// that cannot renew stops its work on its own; a killed renewer backend is replaced.
import t from 'tap'
import pg from 'pg'
import { createPool, PG_TYPES, rowsOf, withTransaction } from '../../../db/pg/connection.js'
import { migratePostgres } from '../../../db/pg/migrate.js'
import { privatePostgres } from '../../pg/shared-postgres.js'
import { ownersAgree, startKeepers, VAULTS } from './lease-fixtures.js'
import { capturingLog, waitFor } from './pg-test-kit.js'

const TTL_MS = 2000
const RENEW_MS = 600
/** Room for this machine's load on top of the bound under test. */
const SLACK_MS = 2500

const server = await privatePostgres(t)
if (server !== undefined) {
  const url = server.url()
  await migratePostgres({ connectionUrl: url, maxParallel: 1, replica: 'test' })
  await (async () => { const c = new pg.Client(url); await c.connect(); await c.query('CREATE TABLE load (n int)'); await c.end() })()
  const replicas = await startKeepers(t, url, ['r1', 'r2', 'r3'], TTL_MS, RENEW_MS)

  // Storage traffic on each replica's own pool, all along: its failures must not matter to leases.
  const stats = { ok: 0, failed: 0 }
  let loadOn = true
  const pools = replicas.map((r) => createPool({ connectionUrl: url, maxParallel: 3, replica: r.id }, capturingLog().log))
  const loops = pools.map(async (pool) => {
    // eslint-disable-next-line no-unmodified-loop-condition -- cleared by the test body while this loop awaits
    while (loadOn) {
      await withTransaction(pool, async (tx) => await tx.query('INSERT INTO load VALUES (1)')).then(() => stats.ok++, () => stats.failed++)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })
  t.teardown(async () => { loadOn = false; await Promise.all(loops); for (const p of pools) await p.end() })

  const observer = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url, types: PG_TYPES })
    c.on('error', () => {})
    await c.connect()
    return c
  }
  const agreed = async (): Promise<boolean> => {
    const c = await observer().catch(() => undefined)
    if (c === undefined) return false
    try { return await ownersAgree(rowsOf(c), replicas) } catch { return false } finally { await c.end().catch(() => {}) }
  }
  await waitFor(agreed, 'every lease held')

  t.test('PG-1: restart under load: every lease is held again within TTL + one renewal, by the same processes', async (t) => {
    await server.stop()
    await new Promise((resolve) => setTimeout(resolve, 500))
    await server.start()
    const restarted = Date.now()
    const c = await observer()
    t.teardown(() => c.end())
    const [{ now }] = (await c.query('SELECT clock_timestamp() AS now')).rows
    // Held, agreed, and renewed since the restart (expiry beyond restart + TTL).
    const renewed = async (): Promise<boolean> => await agreed() &&
      (await c.query('SELECT count(*)::int AS n FROM leases WHERE expires_at <= $1::timestamptz + make_interval(secs => $2::float8 / 1000)', [now, TTL_MS])).rows[0].n === 0
    await waitFor(renewed, `every lease held within TTL + one renewal (${TTL_MS + RENEW_MS} ms, + ${SLACK_MS} ms slack)`, TTL_MS + RENEW_MS + SLACK_MS)
    t.pass(`all ${VAULTS.length + 1} leases held, agreed and renewed ${Date.now() - restarted} ms after the restart`)
    const okBefore = stats.ok
    await waitFor(() => stats.ok > okBefore + 20, 'storage traffic through the same pools')
    t.ok(stats.failed > 0, 'the load did see the outage')
  })

  t.test('PG-1: a holder that cannot renew before expiry stops its work on its own; leases come back after', async (t) => {
    // Balancing may be moving a lease between replicas right after the restart: wait until
    // every lease is held in some process before taking the snapshot.
    const heldNow = (): string[] => replicas.flatMap((r) => r.keeper.heldNames().map((n) => `${r.id} ${n}`)).sort()
    await waitFor(async () => heldNow().length === VAULTS.length + 1 && await agreed(), 'every lease held by a process', TTL_MS + RENEW_MS + SLACK_MS)
    const held = heldNow()
    t.equal(held.length, VAULTS.length + 1)
    for (const r of replicas) r.events.length = 0
    await server.stop()
    await waitFor(() => replicas.every((r) => r.keeper.heldNames().length === 0), 'every holder to stop', TTL_MS + SLACK_MS)
    const lost = replicas.flatMap((r) => r.events.filter((e) => e.startsWith('lost')).map((e) => `${r.id} ${e.split(' ')[1]}`)).sort()
    t.same(lost, held, 'each holder stopped each of its leases while the database was still down')
    t.ok(replicas.every((r) => r.events.every((e) => e.endsWith(' expired'))), 'reason: expired')
    await server.start()
    await waitFor(agreed, 'every lease held again', TTL_MS + RENEW_MS + SLACK_MS)
    t.pass('held again')
  })

  t.test('PG-4: the lease renewer\'s backend terminated: the process stays up and holds its leases', async (t) => {
    const c = await observer()
    t.teardown(() => c.end())
    const renewers = async () => (await c.query("SELECT pid, application_name FROM pg_stat_activity WHERE application_name LIKE 'vault-sync/%/leases' ORDER BY 2")).rows
    await waitFor(async () => (await renewers()).length === 3, 'three renewer connections')
    for (const r of replicas) r.lines.length = 0
    const before = (await c.query("SELECT pid, application_name FROM pg_stat_activity WHERE application_name LIKE 'vault-sync/%/leases' ORDER BY 2")).rows
    t.same(before.map((r) => r.application_name), ['vault-sync/r1/leases', 'vault-sync/r2/leases', 'vault-sync/r3/leases'])
    await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'vault-sync/%/leases'")
    await waitFor(async () => (await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'vault-sync/%/leases' AND NOT (pid = ANY($1))",
      [before.map((r) => r.pid)])).rows[0].n === 3, 'three new renewer connections', TTL_MS)
    await waitFor(agreed, 'leases still held')
    t.ok(replicas.every((r) => r.lines.some((l) => /lease keeper: connection lost|tick failed/.test(l))), 'logged by every replica')
  })
}
