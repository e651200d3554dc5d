/**
 * Bench 5, footprint and scale: a database holding S KV secrets and A associations, all on one
 * destination (S = 10,000 / A = 1,000 quick, 100,000 / 10,000 full; decisions D-28, issue 16),
 * seeded through the service layer in this process with no worker, on a file DB. Then `vault-sync server` in production mode on that
 * file (`VAULT_SYNC_DB_PATH`, worker off; `-dev` would add its built-in emulator to the figures):
 * start time, RSS, database size, and the latency of the association lists (the global LIST and
 * one destination's list; neither endpoint is paged, as in Vault), and the association endpoints
 * at that scale (`b5-associations.ts`: set on the full vs an empty destination, seeding through the API).
 *
 * References, same run: the same server on a new, empty database (start time, RSS, size), the
 * in-memory `server -dev` with its built-in emulator (decisions D-11 "dev server ready"), the
 * emulator's cold and warm start (D-11 "emulator ready"), and a bare Fastify route returning the
 * same list bytes.
 *
 * Then the worker at scale (`b5-scale.ts`, issue 17): server CPU with 100,000 idle associations
 * (10,000 quick) while 10 change per second, against the same with 1,000.
 */
import { statSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { startAkvEmulator } from '../src/akv-emulator/index.js'
import { benchAssociationEndpoints, leanLatencies, measureBareSetPair, timedWithCpu, WARM_UP_CALLS } from './b5-associations.js'
import type { BareRoute } from './bare-server.js'
import { benchScale } from './b5-scale.js'
import { latencySummary, median, now, round } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import { captureRoute, startBareServer } from './lib/child-processes.js'
import type { BenchOutput } from './lib/report.js'
import { seedSecrets } from './lib/seed-database.js'
import { ROOT_TOKEN, startServerProcess, type ServerProcess } from './lib/server-process.js'
import { vaultHttp } from './lib/vault-http.js'

const VALUE = { username: 'app-user', password: 'c2VjcmV0LXBhc3N3b3JkLWZvci1iZW5jaA' }

function dbBytes (path: string): number {
  let total = 0
  for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) total += statSync(f).size
  return total
}

const mib = (bytes: number | undefined): number => bytes === undefined ? NaN : round(bytes / 1024 / 1024, 1)

/**
 * The full / empty `associations/set` ratio (p50s, ms) of a server whose only extra cost on the
 * full destination is sending the bigger answer as bare Fastify does: (`emptyMs` + `bareFullMs` -
 * `bareEmptyMs`) / `emptyMs` (session 13).
 */
const setFloor = (emptyMs: number, bareFullMs: number, bareEmptyMs: number): number => round((emptyMs + bareFullMs - bareEmptyMs) / emptyMs, 2)

/** Seeds `dbPath` as `server -dev -dev-db` would find it, through the services. */
async function seed (dbPath: string, secrets: number, associations: number): Promise<{ seedS: number, secretsS: number }> {
  const started = now()
  const { db, services } = await seedSecrets(dbPath, secrets, (i) => `app/s${i}`, (i) => ({ ...VALUE, n: i }))
  const secretsS = (now() - started) / 1000
  await services.destinationService.write('azure-kv', 'd0', {
    key_vault_uri: 'https://bench-d0.vault.azure.net', tenant_id: '00000000-0000-4000-8000-000000000001',
    client_id: '00000000-0000-4000-8000-000000000002', client_secret: 'not-used'
  }, 'write')
  // The same checks and rows as `associations/set`, 1,000 per transaction, without answering the map.
  for (let b = 0; b < associations; b += 1000) {
    const bodies = Array.from({ length: Math.min(1000, associations - b) }, (_, i) => ({ mount: 'secret', secret_name: `app/s${b + i}` }))
    await services.associationService.setMany('azure-kv', 'd0', bodies)
  }
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return { seedS: (now() - started) / 1000, secretsS }
}

/** Latencies (ms) of `n` sequential calls after `warmUp` calls (WARM_UP_CALLS for large answers). */
const timed = async (n: number, fn: () => Promise<unknown>, warmUp = 2): Promise<number[]> => (await timedWithCpu(undefined, n, fn, warmUp)).ms

/** Starts `count` times (`server` on `dbPath`, or `server -dev` in memory); keeps the last one running. */
async function starts (ctx: BenchContext, label: string, count: number, dbPath: string | undefined): Promise<{ readyMs: number[], server: ServerProcess }> {
  const readyMs: number[] = []
  for (let i = 0; ; i++) {
    const s = await startServerProcess({ mode: dbPath === undefined ? 'dev' : 'server', dir: ctx.dir, label: `${label}-${i}`, dbPath, env: { VAULT_SYNC_WORKER: 'off' } })
    readyMs.push(s.readyMs)
    if (i === count - 1) return { readyMs, server: s }
    await s.stop()
  }
}

export async function benchFootprint (ctx: BenchContext): Promise<BenchOutput> {
  const secrets = ctx.quick ? 10_000 : 100_000
  const associations = ctx.quick ? 1_000 : 10_000
  const samples = ctx.quick ? 10 : 30
  const startCount = ctx.quick ? 2 : 3
  const bigDb = join(ctx.dir, 'b5-big.db')
  ctx.log(`bench 5: seeding ${secrets} secrets and ${associations} associations through the service layer`)
  const seeded = await seed(bigDb, secrets, associations)
  const dbSize = dbBytes(bigDb)

  ctx.log('bench 5: server starts on the seeded database and on an empty one')
  const big = await starts(ctx, 'b5-big', startCount, bigDb)
  const figures: Record<string, unknown> = {}
  let listRoute
  let destRoute
  let setRoutes: BareRoute[] = []
  try {
    const api = vaultHttp(big.server.address)
    const rssIdle = big.server.rssKb()
    const list = await timed(samples, async () => await api.must('GET', 'sys/sync/associations/?list=true'), WARM_UP_CALLS)
    const listBody = await api.must('GET', 'sys/sync/associations/?list=true')
    const kvRead = await timed(samples, async () => await api.must('GET', `secret/data/app/s${secrets - 1}`))
    listRoute = await captureRoute(big.server.address, 'GET', '/v1/sys/sync/associations/?list=true', { 'x-vault-token': ROOT_TOKEN })
    destRoute = await captureRoute(big.server.address, 'GET', '/v1/sys/sync/destinations/azure-kv/d0/associations', { 'x-vault-token': ROOT_TOKEN })
    // Then the association endpoints (adds associations: after the captures).
    const endpoints = await benchAssociationEndpoints(ctx, big.server, secrets, associations)
    setRoutes = endpoints.setRoutes
    Object.assign(figures, {
      kv_secrets: secrets,
      associations,
      destinations: 1,
      seed_s: round(seeded.seedS, 1),
      seed_secrets_s: round(seeded.secretsS, 1),
      database_mib: mib(dbSize),
      start_ms: round(median(big.readyMs), 0),
      start_ms_all: big.readyMs.map((v) => round(v, 0)),
      rss_idle_mib: mib(rssIdle === undefined ? undefined : rssIdle * 1024),
      rss_peak_mib: mib((big.server.peakRssKb() ?? NaN) * 1024),
      list_all_associations_ms: latencySummary(list),
      list_all_associations_bytes: listBody.text.length,
      list_all_associations_keys: (listBody.json.data.keys as unknown[]).length,
      kv_read_ms: latencySummary(kvRead),
      ...endpoints.figures
    })
  } finally {
    await big.server.stop()
  }

  const emptyDb = join(ctx.dir, 'b5-empty.db')
  const empty = await starts(ctx, 'b5-empty', startCount, emptyDb)
  const emptyRss = empty.server.rssKb()
  await empty.server.stop()
  const emptySize = dbBytes(emptyDb)
  const memory = await starts(ctx, 'b5-mem', startCount, undefined)
  const memoryRss = memory.server.rssKb()
  await memory.server.stop()

  const bare = await startBareServer(ctx.dir, 'b5-bare', [listRoute!, destRoute!, ...setRoutes])
  let bareList: number[]
  let bareDest: number[]
  let bareSet: Awaited<ReturnType<typeof measureBareSetPair>>
  let bareDestLean: number[]
  try {
    const get = async (url: string): Promise<void> => { await (await fetch(`${bare.address}${url}`)).text() }
    bareList = await timed(samples, async () => await get('/v1/sys/sync/associations/?list=true'), WARM_UP_CALLS)
    bareDest = await timed(100, async () => await get('/v1/sys/sync/destinations/azure-kv/d0/associations'), WARM_UP_CALLS)
    bareDestLean = (await leanLatencies(bare.address, '/v1/sys/sync/destinations/azure-kv/d0/associations', 100)).ms
    bareSet = await measureBareSetPair(bare.address)
  } finally {
    await bare.stop()
  }

  // Emulator start (D-11): a new state dir (CA and certificate generated), then again on it (loaded).
  const emuDir = join(ctx.dir, 'b5-emu-state')
  const emuMs: number[] = []
  for (let i = 0; i < 2; i++) {
    const t = now()
    const emu = await startAkvEmulator({ stateDir: emuDir })
    emuMs.push(now() - t)
    await emu.close()
  }

  // BENCH_B5_SCALE=off leaves out the worker-at-scale part (minutes; issue 17's figures).
  const scale = process.env.BENCH_B5_SCALE === 'off' ? { figures: {} as Record<string, number | boolean>, reference: {} as Record<string, number | boolean> } : await benchScale(ctx)
  figures.worker_scale = scale.figures
  const reference = {
    worker_scale_1000_associations: scale.reference,
    empty_db_start_ms: round(median(empty.readyMs.slice(1)), 0),
    empty_db_first_start_ms: round(empty.readyMs[0], 0),
    empty_db_rss_idle_mib: mib((emptyRss ?? NaN) * 1024),
    empty_db_mib: mib(emptySize),
    dev_in_memory_with_emulator_start_ms: round(median(memory.readyMs), 0),
    dev_in_memory_with_emulator_rss_idle_mib: mib((memoryRss ?? NaN) * 1024),
    emulator_ready_cold_ms: round(emuMs[0], 0),
    emulator_ready_warm_ms: round(emuMs[1], 0),
    emulator_ready_in_this_run_ms: round(ctx.azure.readyMs, 0),
    bare_list_all_associations_ms: latencySummary(bareList),
    bare_list_destination_associations_ms: latencySummary(bareDest),
    bare_list_destination_associations_lean_client_ms: latencySummary(bareDestLean),
    bare_set_answer_ms_full: latencySummary(bareSet.undici.full.ms),
    bare_set_answer_ms_empty: latencySummary(bareSet.undici.empty.ms),
    bare_set_answer_p50_full_over_empty: bareSet.undici.p50Ratio,
    bare_set_answer_lean_client_ms_full: latencySummary(bareSet.lean.full.ms),
    bare_set_answer_lean_client_ms_empty: latencySummary(bareSet.lean.empty.ms),
    bare_set_answer_lean_client_p50_full_over_empty: bareSet.lean.p50Ratio,
    bare_set_answer_bytes: bareSet.bytes,
    bare_set_answer_lean_client_first_byte_ms_full: latencySummary(bareSet.firstByte.full),
    bare_set_answer_lean_client_first_byte_ms_empty: latencySummary(bareSet.firstByte.empty)
  }
  const f = figures as Record<string, any>
  const ratio = {
    start: round(f.start_ms / reference.empty_db_start_ms, 2),
    rss_idle: round(f.rss_idle_mib / reference.empty_db_rss_idle_mib, 2),
    list_all_associations_p50: round(f.list_all_associations_ms.p50 / reference.bare_list_all_associations_ms.p50, 2),
    list_destination_associations_p50: round(f.list_destination_associations_ms.p50 / reference.bare_list_destination_associations_ms.p50, 2),
    // `setFloor`, per client: what `set` full / empty would be if the answer's size were the only difference.
    associations_set_p50_floor: setFloor(f.associations_set_ms_on_empty_destination.p50, reference.bare_set_answer_ms_full.p50, reference.bare_set_answer_ms_empty.p50),
    associations_set_lean_client_p50_floor: setFloor(f.associations_set_lean_client_ms_on_empty_destination.p50, reference.bare_set_answer_lean_client_ms_full.p50, reference.bare_set_answer_lean_client_ms_empty.p50)
  }
  return {
    result: {
      name: 'footprint',
      description: 'start time, RSS, database size and association-list latency with a large database',
      parameters: {
        kv_secrets: secrets, associations, associations_per_destination: associations, seeding: 'service layer, worker off, file DB',
        server: 'vault-sync server (production mode) on VAULT_SYNC_DB_PATH=FILE, VAULT_SYNC_WORKER=off', samples_per_latency: samples, starts_per_database: startCount
      },
      figures,
      reference: { description: 'same server on an empty DB; server -dev in memory (with its emulator); emulator start; bare Fastify returning the same list bytes, and the same bytes as the last associations/set answers on the full and on the empty destination (measured like the server\'s, same clients, in turns)', figures: reference },
      ratio: { definition: 'seeded / empty (start, RSS); vault-sync / bare Fastify (list p50); associations/set floor: (our empty-destination p50 + bare Fastify\'s full p50 - its empty p50) / our empty-destination p50, per client', values: ratio },
      notes: ['The association list endpoints are not paged (Vault\'s are not either): one LIST returns every association.']
    },
    tables: [{
      title: `5. Footprint: ${secrets} secrets, ${associations} associations (one destination)`,
      columns: ['figure', 'seeded DB', 'reference', 'ratio'],
      rows: [
        ['server start ms (median of restarts)', f.start_ms, reference.empty_db_start_ms, ratio.start],
        ['RSS idle MiB', f.rss_idle_mib, reference.empty_db_rss_idle_mib, ratio.rss_idle],
        ['RSS peak MiB (after the lists)', f.rss_peak_mib, '', ''],
        ['database MiB', f.database_mib, reference.empty_db_mib, ''],
        [`LIST sys/sync/associations p50 ms (${f.list_all_associations_keys} keys, ${round(f.list_all_associations_bytes / 1024, 0)} KiB)`, f.list_all_associations_ms.p50, reference.bare_list_all_associations_ms.p50, ratio.list_all_associations_p50],
        [`GET destination associations p50 ms (${associations}, ${round(f.list_destination_associations_bytes / 1024, 0)} KiB)`, f.list_destination_associations_ms.p50, reference.bare_list_destination_associations_ms.p50, ratio.list_destination_associations_p50],
        [`GET destination associations p99 ms (${associations})`, f.list_destination_associations_ms.p99, reference.bare_list_destination_associations_ms.p99, ''],
        [`GET destination associations p50 / p99 ms, lean client (${associations})`, `${f.list_destination_associations_lean_client_ms.p50} / ${f.list_destination_associations_lean_client_ms.p99}`, `${reference.bare_list_destination_associations_lean_client_ms.p50} / ${reference.bare_list_destination_associations_lean_client_ms.p99}`, ''],
        [`associations/set p50 ms (dest. with ${associations} vs empty)`, f.associations_set_ms_on_full_destination.p50, f.associations_set_ms_on_empty_destination.p50, f.associations_set_p50_full_over_empty],
        [`associations/set server CPU µs (dest. with ${associations} vs empty)`, f.associations_set_server_cpu_us_on_full_destination, f.associations_set_server_cpu_us_on_empty_destination, ''],
        [`associations/set p50 ms, lean client (dest. with ${associations} vs empty)`, f.associations_set_lean_client_ms_on_full_destination.p50, f.associations_set_lean_client_ms_on_empty_destination.p50, f.associations_set_lean_client_p50_full_over_empty],
        [`bare Fastify answering the same two set answers, p50 ms (${round(reference.bare_set_answer_bytes.full / 1024, 0)} vs ${round(reference.bare_set_answer_bytes.empty / 1024, 0)} KiB)`, reference.bare_set_answer_ms_full.p50, reference.bare_set_answer_ms_empty.p50, reference.bare_set_answer_p50_full_over_empty],
        ['bare Fastify, same two answers, p50 ms, lean client', reference.bare_set_answer_lean_client_ms_full.p50, reference.bare_set_answer_lean_client_ms_empty.p50, reference.bare_set_answer_lean_client_p50_full_over_empty],
        ['associations/set full / empty floor (our empty p50 + bare\'s gap), undici / lean client', ratio.associations_set_p50_floor, ratio.associations_set_lean_client_p50_floor, ''],
        [`associations/set p50 ms, lean client (dest. with ${associations} vs empty after a ${f.associations_set_lean_client_pause_ms} ms pause, the full answer's transfer)`, f.associations_set_lean_client_ms_on_full_destination.p50, f.associations_set_lean_client_ms_on_empty_destination_after_pause.p50, f.associations_set_lean_client_p50_full_over_empty_after_pause],
        [`associations/set time to first byte p50 ms, lean client (dest. with ${associations} vs empty)`, f.associations_set_lean_client_first_byte_ms_on_full_destination.p50, f.associations_set_lean_client_first_byte_ms_on_empty_destination.p50, f.associations_set_lean_client_first_byte_p50_full_over_empty],
        [`seeding ${associations} associations through the API, ${f.seed_associations_through_api_clients} clients, s`, f.seed_associations_through_api_s, '', ''],
        [`seeding ${secrets} secrets + ${associations} associations (service layer), s`, f.seed_s, f.seed_secrets_s, ''],
        ['KV read p50 ms', f.kv_read_ms.p50, '', ''],
        ['dev server ready ms (server -dev: in memory + emulator)', reference.dev_in_memory_with_emulator_start_ms, '', ''],
        ['dev server RSS idle MiB', reference.dev_in_memory_with_emulator_rss_idle_mib, '', ''],
        ['emulator ready ms (cold / warm)', reference.emulator_ready_cold_ms, reference.emulator_ready_warm_ms, ''],
        ...(scale.figures.associations === undefined
          ? []
          : [[`worker: server CPU % of a core, idle (${scale.figures.associations} vs 1,000 associations)`, scale.figures.server_cpu_idle_pct_of_core, scale.reference.server_cpu_idle_pct_of_core, ''],
              [`worker: server CPU % of a core at 10 changes/s (${scale.figures.associations} vs 1,000)`, scale.figures.server_cpu_under_changes_pct_of_core, scale.reference.server_cpu_under_changes_pct_of_core,
                round((scale.figures.server_cpu_under_changes_pct_of_core as number) / (scale.reference.server_cpu_under_changes_pct_of_core as number), 2)],
              ['worker: its CPU % of a core at 10 changes/s (the above minus worker off)', scale.figures.worker_cpu_pct_of_core, scale.reference.worker_cpu_pct_of_core, ''],
              [`worker: RSS MiB after the changes (${scale.figures.associations} vs 1,000)`, scale.figures.rss_after_mib, scale.reference.rss_after_mib, '']])
      ]
    }]
  }
}
