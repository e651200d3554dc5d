// src/replicas/open-storage.ts on a real PostgreSQL 15 (issue 18): replicas opening one new
// database migrate it once, start their listeners and lease keepers, and agree on who holds
// `maintenance`, which `sys/leader` reports (ha_enabled, is_self, leader_address, active_time)
// and `sys/ha-status` lists (every live replica, that holder the one active node); start-up
// initialisation runs one replica at a time. SQLite: no HA, as before.
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { openDatabase } from '../../db/database.js'
import { PG_MIGRATIONS } from '../../db/pg/schema.js'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { generateSealKey } from '../../src/crypto/seal.js'
import { openStorage, type OpenedStorage } from '../../src/replicas/open-storage.js'
import { createServices } from '../../src/services.js'
import { ROOT_TOKEN, startTestServer, tempDir, vault } from '../helper.js'
import { capturingLog, waitFor } from '../db/pg/pg-test-kit.js'
import { usePostgres } from '../pg/shared-postgres.js'
import { startStallingRelay } from '../pg/stalling-relay.js'

const db = await usePostgres(t)

/** An app whose `sys/leader` and `sys/ha-status` report `storage`'s HA status (`ROOT_TOKEN` is its root token). */
async function appOf (tt: Test, storage: Pick<OpenedStorage, 'ha'>) {
  const lite = openDatabase(join(tempDir(tt), 'vs.db'))
  const services = await createServices({ db: lite, sealKey: generateSealKey() })
  await services.tokens.ensureRootToken(ROOT_TOKEN)
  const app = buildApp({ services, maxRequestBytes: 1 << 20, ha: storage.ha })
  await app.ready()
  tt.teardown(async () => { await app.close(); lite.close() })
  return app
}

t.test('SQLite: one process, no HA; sys/health 200', async (t) => {
  const storage = await openStorage(loadConfig({ dbPath: join(tempDir(t), 'vs.db') }, {}), capturingLog().log)
  t.teardown(storage.close)
  t.equal(storage.engine, 'sqlite')
  const app = await appOf(t, storage)
  t.match((await vault(app, 'GET', '/v1/sys/leader', { token: null })).json(), { ha_enabled: false, is_self: false, leader_address: '' })
  t.equal((await vault(app, 'GET', '/v1/sys/seal-status', { token: null })).json().storage_type, 'sqlite')
  await storage.started('http://10.0.0.7:8200')
  t.match((await vault(app, 'GET', '/v1/sys/ha-status')).json().data.nodes, [{ api_address: 'http://10.0.0.7:8200', active_node: true, last_echo: null }],
    'sys/ha-status: this process alone, active, at the address it listens on')
})

/** The `sys/ha-status` answer of each of `apps` (the root token's). */
async function haStatuses (apps: Awaited<ReturnType<typeof appOf>>[]): Promise<any[]> {
  return await Promise.all(apps.map(async (app) => {
    const res = await vault(app, 'GET', '/v1/sys/ha-status')
    if (res.statusCode !== 200) throw new Error(`sys/ha-status answered ${res.statusCode}: ${res.body}`)
    return res.json()
  }))
}

if (db !== undefined) {
  const config = loadConfig({}, { VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: db.url, VAULT_SYNC_PG_MAX_PARALLEL: '3' })

  t.test('three replicas on a new database: migrated once, one maintenance holder, named by sys/leader on each; sys/health 200 on each', async (t) => {
    const replicas = await Promise.all(['r1', 'r2', 'r3'].map(async (replica) =>
      await openStorage(config, capturingLog().log, { replica, leases: { ttlMs: 3000 } })))
    t.teardown(async () => { for (const r of replicas) await r.close() })
    t.same(replicas.map((r) => r.engine), ['postgresql', 'postgresql', 'postgresql'])
    const applied = replicas.flatMap((r) => r.replica!.migration.applied).sort((a, b) => a - b)
    t.same(applied, PG_MIGRATIONS.map((_, i) => i + 1), 'every migration applied once, by whichever replica came first')
    for (const [i, r] of replicas.entries()) await r.started(`http://10.0.0.${i + 1}:8200`)
    const apps = await Promise.all(replicas.map(async (r) => await appOf(t, r)))
    const leaders = await Promise.all(apps.map(async (app) => (await vault(app, 'GET', '/v1/sys/leader', { token: null })).json()))
    t.equal(leaders.filter((l) => l.is_self === true).length, 1, 'exactly one replica is the leader')
    const self = leaders.findIndex((l) => l.is_self === true)
    for (const l of leaders) {
      t.match(l, { ha_enabled: true, leader_address: `http://10.0.0.${self + 1}:8200`, performance_standby: false })
      t.equal(l.active_time === '0001-01-01T00:00:00Z', l.is_self !== true, 'active_time on the leader only (as Vault)')
    }
    t.equal(replicas[self].replica!.keeper!.heldNames().includes('maintenance'), true)
    // sys/ha-status: every replica lists all three, the one sys/leader names as the active node.
    const addresses = replicas.map((_, i) => `http://10.0.0.${i + 1}:8200`)
    for (const [i, status] of (await haStatuses(apps)).entries()) {
      const nodes = status.data.nodes as any[]
      t.same(nodes.map((n) => n.hostname), ['r1', 'r2', 'r3'], `replica ${i + 1} lists all three (hostname: the replica id), sorted by api_address`)
      t.same(nodes.map((n) => n.api_address), addresses, 'each at its heartbeat\'s address')
      t.same(nodes.map((n) => n.active_node), addresses.map((_, j) => j === self), 'exactly one active node: the one sys/leader names')
      for (const n of nodes) {
        if (n.active_node === true) { t.equal(n.last_echo, null, 'no last_echo for the active node (as Vault)'); continue }
        t.match(n.last_echo, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'last_echo: the last heartbeat, RFC 3339')
        t.ok(Math.abs(Date.now() - Date.parse(n.last_echo)) < 60_000, 'a recent heartbeat')
        t.match(n, { cluster_address: '', version: '1.21.0', echo_duration_ms: 0, clock_skew_ms: 0, replication_primary_canary_age_ms: 0 })
      }
      t.same(status.nodes, nodes, '`nodes` injected at the top level (Vault\'s HAStatusResponse reads it there)')
    }
    t.same(replicas.map((r) => r.holdsMaintenance()), replicas.map((_, i) => i === self), 'the holder alone exports the cluster gauges')
    for (const app of apps) {
      const health = await vault(app, 'GET', '/v1/sys/health', { token: null })
      t.equal(health.statusCode, 200, 'every replica is active: never 429')
      t.equal(health.json().standby, false)
      t.equal((await vault(app, 'GET', '/v1/sys/seal-status', { token: null })).json().storage_type, 'postgresql')
    }
    // The leader stops: another takes maintenance and every replica names it.
    await replicas[self].close()
    const rest = replicas.filter((_, i) => i !== self)
    await waitFor(async () => (await Promise.all(rest.map(async (r) => await r.ha.leader()))).some((l) => l.isSelf), 'another maintenance holder')
    const after = await Promise.all(rest.map(async (r) => await r.ha.leader()))
    t.equal(after.filter((l) => l.isSelf).length, 1)
    t.equal(after[0].address, after[1].address)
    t.not(after[0].address, `http://10.0.0.${self + 1}:8200`)
    // Its heartbeat gone with it (clean shutdown), the two left list each other, the new holder active.
    const restApps = apps.filter((_, i) => i !== self)
    for (const status of await haStatuses(restApps)) {
      const nodes = status.data.nodes as any[]
      t.same(nodes.map((n) => n.api_address), addresses.filter((_, i) => i !== self), 'the stopped leader is no longer listed')
      t.same(nodes.filter((n) => n.active_node === true).map((n) => n.api_address), [after[0].address], 'the new maintenance holder is the active node')
    }
    replicas.splice(self, 1)
  })

  t.test('a replica that loses contact with PostgreSQL answers sys/health 474 (haunhealthycode) until it is back', async (t) => {
    const relay = await startStallingRelay(t, db.url)
    const viaRelay = loadConfig({}, { VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: relay.url, VAULT_SYNC_PG_MAX_PARALLEL: '2' })
    const replica = await openStorage(viaRelay, capturingLog().log, { replica: 'cut', leases: { ttlMs: 1500 } })
    t.teardown(async () => { relay.resume(); await replica.close() })
    await replica.started('http://10.0.0.9:8200')
    const app = await appOf(t, replica)
    const health = async (query = ''): Promise<number> => (await vault(app, 'GET', `/v1/sys/health${query}`, { token: null })).statusCode
    t.equal(await health(), 200)
    relay.stall()
    await waitFor(async () => await health() === 474, 'sys/health 474 once no lease tick answered within the TTL')
    t.equal(await health('?haunhealthycode=503'), 503, 'the code is Vault\'s haunhealthycode parameter')
    relay.resume()
    await waitFor(async () => await health() === 200, 'sys/health 200 again once the database answers')
    t.pass('back in rotation')
  })

  t.test('a server running the worker answers 474 too: its worker\'s lease keeper is the replica\'s', async (t) => {
    const relay = await startStallingRelay(t, db.url)
    const server = await startTestServer(t, { VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: relay.url, VAULT_SYNC_PG_MAX_PARALLEL: '2', VAULT_SYNC_WORKER: 'on' })
    t.teardown(() => { relay.resume() })
    t.ok(server.worker !== undefined, 'the worker runs in this process')
    const health = async (): Promise<number> => (await fetch(`${server.address}/v1/sys/health`)).status
    t.equal(await health(), 200)
    relay.stall()
    // The engine's keeper has the default lease TTL (15 s): 474 once no tick answered within it.
    await waitFor(async () => await health() === 474, 'sys/health 474 with the worker on', 40_000)
    relay.resume()
    await waitFor(async () => await health() === 200, 'sys/health 200 again once the database answers', 40_000)
  })

  t.test('start-up initialisation runs on one replica at a time', async (t) => {
    const replicas = await Promise.all(['s1', 's2', 's3'].map(async (replica) => await openStorage(config, capturingLog().log, { replica })))
    t.teardown(async () => { for (const r of replicas) await r.close() })
    let inside = 0
    let most = 0
    await Promise.all(replicas.map(async (r) => await r.exclusive(async () => {
      most = Math.max(most, ++inside)
      await r.store.repos.meta.get('cluster_id')
      await new Promise((resolve) => setTimeout(resolve, 50))
      inside--
    })))
    t.equal(most, 1)
  })
}
