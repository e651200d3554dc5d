/**
 * Bench 4, API overhead: throughput and latency of KV v2 read, KV v2 write and the
 * `sys/sync/associations` LIST under autocannon (10 connections, loopback), against a bare
 * Fastify route returning the same bytes (`bare-server.ts`), in the same run. Both servers are
 * child processes; autocannon runs in the harness, so each side has a core of its own: on Linux
 * the harness is pinned to CPU 0 for the bench and the measured server (all its threads) to CPU 1
 * for each autocannon run (`lib/cpu-pin.ts`, session 11; `BENCH_PIN=off` leaves it to the scheduler).
 *
 * The vault-sync server (`server -dev -dev-db=FILE`) runs with the worker off (nothing to sync:
 * this measures the API) and
 * `VAULT_SYNC_LOG_LEVEL=warn`; one extra KV-read run at the default level `info` shows that the
 * default level costs nothing per request (no per-request lines unless `log_requests_level`).
 * Last, KV read with metrics on vs off (`b4-metrics-pair.ts`).
 *
 * Every server has the same state and history (`seed`: the two keys, a destination, 100
 * associated secrets, some 200 writes), so the KV-read rows compare like with like (issue 16,
 * seventh session: in interleaved windows a seeded server cost 5-10 % more CPU per read than one
 * that only ever stored the read key; `b4-history-ab.ts`, bench/README.md). Each case is warmed
 * up on every side, then measured in rounds in which the sides (vault-sync, bare, vault-sync on
 * PostgreSQL) take turns, order reversed every other round; a side's figures are its median
 * round's (every round's CPU per request is in the JSON). Measured as one 10-s window per side
 * one after the other, other load on the machine, and a slow first seconds of the first server
 * (157.7 µs per read in its first round, 73-80 in its next four, same run), put bench 4's first
 * KV-read figure 20-30 µs above the later servers' (90.7 against 64-69 in one idle run).
 *
 * PostgreSQL column (issue 18): the same cases, in the same rounds, against a second server on a
 * database of the run's throwaway PostgreSQL (`VAULT_SYNC_STORAGE=postgresql`, same seeding),
 * measured right after the SQLite server's run of each case; reported as PostgreSQL requests/s,
 * the PG/SQLite ratio, and server CPU per request with the PostgreSQL processes' CPU per request
 * beside it (a KV read on a cache hit should cost the database nothing).
 */
import { join } from 'node:path'
import autocannon from 'autocannon'
import { mapLimit, median, round } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import { captureRoute, startBareServer } from './lib/child-processes.js'
import type { BenchOutput } from './lib/report.js'
import { processCpuMs, ROOT_TOKEN, startServerProcess } from './lib/server-process.js'
import { vaultHttp } from './lib/vault-http.js'
import { metricsPair } from './b4-metrics-pair.js'
import { pgStorageEnv, type BenchPostgres } from './lib/postgres.js'
import { ALL_CPUS, pinningWanted, pinProcess } from './lib/cpu-pin.js'

const CONNECTIONS = 10
const ASSOCIATIONS = 100
/** The KV value bench 4 reads and writes. */
export const VALUE = { username: 'app-user', password: 'c2VjcmV0LXBhc3N3b3JkLWZvci1iZW5jaA' }

interface Case { id: string, method: 'GET' | 'PUT', url: string, body?: string }

const CASES: Case[] = [
  { id: 'kv_read', method: 'GET', url: '/v1/secret/data/b4/read' },
  { id: 'kv_write', method: 'PUT', url: '/v1/secret/data/b4/write', body: JSON.stringify({ data: VALUE }) },
  { id: 'associations_list', method: 'GET', url: '/v1/sys/sync/associations/?list=true' }
]

interface Run { requests_per_s: number, server_cpu_us_per_request: number, rounds_cpu_us_per_request?: number[], latency_ms: { mean: number, p50: number, p97_5: number, p99: number }, non_2xx: number, errors: number, total: number }

/** A server on PostgreSQL: its figures add the PostgreSQL processes' CPU per request. */
interface PgRun extends Run { database_cpu_us_per_request: number }

/** Whether bench 4 pins (`lib/cpu-pin.ts`): autocannon (this process) on CPU 0 for the bench, the measured server on CPU 1 per run. */
const PIN = pinningWanted()

async function cannon (address: string, pid: number, c: Case, seconds: number, pg?: BenchPostgres): Promise<Run> {
  if (PIN) pinProcess(pid, '1')
  const db0 = pg?.cpuMs()
  const cpu0 = processCpuMs(pid) ?? NaN
  const r = await autocannon({
    url: `${address}${c.url}`,
    method: c.method,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
    headers: { 'x-vault-token': ROOT_TOKEN, ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: c.body
  })
  const cpuMs = (processCpuMs(pid) ?? NaN) - cpu0
  const dbMs = pg === undefined || db0 === undefined ? undefined : pg.cpuMs() - db0
  return {
    ...(dbMs === undefined ? {} : { database_cpu_us_per_request: round((dbMs * 1000) / r.requests.total, 1) }),
    requests_per_s: round(r.requests.total / (r.duration > 0 ? r.duration : seconds), 0),
    server_cpu_us_per_request: round((cpuMs * 1000) / r.requests.total, 1),
    latency_ms: { mean: round(r.latency.mean, 2), p50: r.latency.p50, p97_5: r.latency.p97_5, p99: r.latency.p99 },
    non_2xx: r.non2xx,
    errors: r.errors,
    total: r.requests.total
  }
}

/** One side of a comparison: a server (with its PostgreSQL when it runs on one). */
interface Side { address: string, pid: number, pg?: BenchPostgres }

/** Rounds each side's measuring time is split into (the sides take turns, see `alternate`); odd, so the median is a round's. */
const ROUNDS = { full: 5, quick: 3 }

/**
 * One side's rounds as one run: the median round's CPU per request and requests per second (a
 * round that other load on the machine, or a one-off pause, slowed counts as one of five), the
 * mean latency over all requests, the median round's percentiles, totals summed; the rounds'
 * own CPU µs per request in `rounds_cpu_us_per_request`.
 */
function merge (runs: Run[]): Run {
  const total = runs.reduce((a, r) => a + r.total, 0)
  const mid = (f: (r: Run) => number): number => median(runs.map(f))
  const db = runs.every((r) => 'database_cpu_us_per_request' in r) ? { database_cpu_us_per_request: mid((r) => (r as PgRun).database_cpu_us_per_request) } : {}
  return {
    ...db,
    requests_per_s: mid((r) => r.requests_per_s),
    server_cpu_us_per_request: mid((r) => r.server_cpu_us_per_request),
    rounds_cpu_us_per_request: runs.map((r) => r.server_cpu_us_per_request),
    latency_ms: { mean: round(runs.reduce((a, r) => a + r.latency_ms.mean * r.total, 0) / total, 2), p50: mid((r) => r.latency_ms.p50), p97_5: mid((r) => r.latency_ms.p97_5), p99: mid((r) => r.latency_ms.p99) },
    non_2xx: runs.reduce((a, r) => a + r.non_2xx, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    total
  }
}

/**
 * Case `c` on every side: a warm-up each, then `rounds` rounds of `seconds / rounds` in which
 * the sides take turns (order reversed every other round), so that other load on the machine
 * falls on all sides alike; one merged run per side.
 */
async function alternate (sides: Side[], c: Case, seconds: number, warmup: number, rounds: number): Promise<Run[]> {
  for (const s of sides) await cannon(s.address, s.pid, c, warmup)
  const runs = sides.map((): Run[] => [])
  for (let r = 0; r < rounds; r++) {
    const order = sides.map((_, k) => k)
    if (r % 2 === 1) order.reverse()
    for (const k of order) runs[k].push(await cannon(sides[k].address, sides[k].pid, c, seconds / rounds, sides[k].pg))
  }
  return runs.map(merge)
}

/** The state every bench-4 server gets: the two KV keys, a destination and its associations. */
export async function seed (address: string): Promise<void> {
  const api = vaultHttp(address)
  await api.must('PUT', 'secret/data/b4/read', { data: VALUE })
  await api.must('PUT', 'secret/data/b4/write', { data: VALUE })
  await api.must('POST', 'sys/sync/destinations/azure-kv/b4', {
    key_vault_uri: 'https://b4-bench.vault.azure.net', tenant_id: '00000000-0000-4000-8000-000000000001',
    client_id: '00000000-0000-4000-8000-000000000002', client_secret: 'not-used'
  })
  const idx = Array.from({ length: ASSOCIATIONS }, (_, i) => i)
  await mapLimit(idx, 8, async (i) => await api.must('PUT', `secret/data/b4/s${i}`, { data: VALUE }))
  for (const i of idx) await api.must('PUT', 'sys/sync/destinations/azure-kv/b4/associations/set', { mount: 'secret', secret_name: `b4/s${i}` })
}

type Server = Awaited<ReturnType<typeof startServerProcess>>

/** A bench-4 server on a new database `name` of the run's PostgreSQL, or the reason there is none. */
async function startPgServer (ctx: BenchContext, name: string, env: Record<string, string>): Promise<{ server: Server, pg: BenchPostgres } | { error: unknown } | undefined> {
  try {
    const pg = await ctx.postgres()
    if (pg === undefined) return undefined
    const server = await startServerProcess({ dir: ctx.dir, label: name, dbPath: join(ctx.dir, `${name}.pg`), env: { ...env, ...pgStorageEnv(await pg.database(name)) } })
    return { server, pg }
  } catch (err) {
    ctx.partFailed(4, `PostgreSQL server ${name}`, err)
    return { error: err }
  }
}

const pgSlot = (pgSide: Awaited<ReturnType<typeof startPgServer>>): { server: Server, pg: BenchPostgres } | undefined =>
  pgSide !== undefined && 'server' in pgSide ? pgSide : undefined

/** Bench 4, with the harness on CPU 0 when pinning; it runs unpinned again afterwards, whatever happened. */
export async function benchApiOverhead (ctx: BenchContext): Promise<BenchOutput> {
  if (PIN) pinProcess(process.pid, '0')
  try {
    return await measureApiOverhead(ctx)
  } finally {
    if (PIN) pinProcess(process.pid, ALL_CPUS)
  }
}

async function measureApiOverhead (ctx: BenchContext): Promise<BenchOutput> {
  const seconds = ctx.quick ? 2 : 10
  const warmup = ctx.quick ? 1 : 3
  const rounds = ctx.quick ? ROUNDS.quick : ROUNDS.full
  const server = await startServerProcess({ dir: ctx.dir, label: 'b4', dbPath: join(ctx.dir, 'b4.db'), env: { VAULT_SYNC_WORKER: 'off' } })
  const pgStart = await startPgServer(ctx, 'b4_pg', { VAULT_SYNC_WORKER: 'off' })
  const pgSide = pgSlot(pgStart)
  const figures: Record<string, unknown> = {}
  const pgFigures: Record<string, unknown> = pgStart !== undefined && 'error' in pgStart ? { error: String(pgStart.error) } : {}
  const reference: Record<string, unknown> = {}
  const ratio: Record<string, number> = {}
  const rows: Array<Array<string | number>> = []
  const pgRows: Array<Array<string | number>> = []
  /** The SQLite row's PostgreSQL cells, and the PostgreSQL table's row. */
  const pgColumns = (id: string, label: string, vs: Run, pgRun: Run | undefined): Array<string | number> => {
    if (pgRun === undefined) return ['-', '-']
    const r = pgRun as PgRun
    pgFigures[id] = r
    ratio[`${id}_postgresql_vs_sqlite`] = round(r.requests_per_s / vs.requests_per_s, 3)
    ratio[`${id}_postgresql_vs_sqlite_cpu_per_request`] = round(r.server_cpu_us_per_request / vs.server_cpu_us_per_request, 2)
    pgRows.push([label, vs.requests_per_s, r.requests_per_s, ratio[`${id}_postgresql_vs_sqlite`], vs.server_cpu_us_per_request, r.server_cpu_us_per_request,
      r.database_cpu_us_per_request, vs.latency_ms.mean, r.latency_ms.mean, vs.latency_ms.p99, r.latency_ms.p99, r.non_2xx + r.errors])
    return [r.requests_per_s, ratio[`${id}_postgresql_vs_sqlite`]]
  }
  try {
    await seed(server.address)
    if (pgSide !== undefined) await seed(pgSide.server.address)
    const headers = { 'x-vault-token': ROOT_TOKEN, 'content-type': 'application/json' }
    const routes = await Promise.all(CASES.map(async (c) => await captureRoute(server.address, c.method, c.url, headers, c.body)))
    const bare = await startBareServer(ctx.dir, 'b4-bare', routes)
    try {
      for (const [k, c] of CASES.entries()) {
        ctx.log(`bench 4: ${c.id} (${routes[k].body.length * 3 / 4 | 0} bytes), ${seconds} s each side in ${rounds} rounds${pgSide === undefined ? '' : ' (SQLite, PostgreSQL, bare)'}`)
        const sides: Side[] = [server, bare, ...(pgSide === undefined ? [] : [{ ...pgSide.server, pg: pgSide.pg }])]
        const [vs, ref, pgRun] = await alternate(sides, c, seconds, warmup, rounds)
        figures[c.id] = { ...vs, response_bytes: Buffer.from(routes[k].body, 'base64').length }
        reference[c.id] = ref
        ratio[c.id] = round(vs.requests_per_s / ref.requests_per_s, 3)
        ratio[`${c.id}_cpu_per_request`] = round(vs.server_cpu_us_per_request / ref.server_cpu_us_per_request, 1)
        rows.push([c.id, vs.requests_per_s, ref.requests_per_s, ratio[c.id], vs.server_cpu_us_per_request, ref.server_cpu_us_per_request, vs.latency_ms.mean, ref.latency_ms.mean, vs.latency_ms.p99, ref.latency_ms.p99, vs.non_2xx + vs.errors,
          ...pgColumns(c.id, c.id, vs, pgRun)])
      }
    } finally {
      await bare.stop()
    }
  } finally {
    await server.stop()
    await pgSide?.server.stop()
  }

  // The same KV read at the default log level (info; per-request lines are off by default).
  const info = await startServerProcess({ dir: ctx.dir, label: 'b4-info', dbPath: join(ctx.dir, 'b4-info.db'), env: { VAULT_SYNC_WORKER: 'off', VAULT_SYNC_LOG_LEVEL: 'info' } })
  const pgInfo = pgSide === undefined ? undefined : pgSlot(await startPgServer(ctx, 'b4_pg_info', { VAULT_SYNC_WORKER: 'off', VAULT_SYNC_LOG_LEVEL: 'info' }))
  try {
    await seed(info.address)
    if (pgInfo !== undefined) await seed(pgInfo.server.address)
    const [vs, pgRun] = await alternate([info, ...(pgInfo === undefined ? [] : [{ ...pgInfo.server, pg: pgInfo.pg }])], CASES[0], seconds, warmup, rounds)
    figures.kv_read_log_level_info = vs
    const ref = reference.kv_read as Run
    ratio.kv_read_log_level_info = round(vs.requests_per_s / ref.requests_per_s, 3)
    ratio.kv_read_log_level_info_cpu_per_request = round(vs.server_cpu_us_per_request / ref.server_cpu_us_per_request, 1)
    rows.push(['kv_read (log level info)', vs.requests_per_s, ref.requests_per_s, ratio.kv_read_log_level_info, vs.server_cpu_us_per_request, ref.server_cpu_us_per_request, vs.latency_ms.mean, ref.latency_ms.mean, vs.latency_ms.p99, ref.latency_ms.p99, vs.non_2xx + vs.errors,
      ...pgColumns('kv_read_log_level_info', 'kv_read (log level info)', vs, pgRun)])
  } finally {
    await info.stop()
    await pgInfo?.server.stop()
  }
  // Metrics on vs off (issue 19: KV read within 5 %).
  const pair = await metricsPair(ctx, async (address, pid, secs) => await cannon(address, pid, CASES[0], secs), seed)
  figures.kv_read_metrics_off = pair.off
  figures.kv_read_metrics_on = pair.on
  ratio.kv_read_metrics_on_vs_off = pair.ratio
  ratio.kv_read_metrics_on_vs_off_cpu_per_request = pair.cpu_ratio
  ratio.kv_read_metrics_on_vs_off_capacity = pair.capacity_ratio
  figures.kv_read_metrics_capacity_rps_per_core = pair.capacity_rps_per_core
  for (const [label, r] of [['kv_read (metrics off, best of rounds)', pair.off], ['kv_read (metrics on, best of rounds)', pair.on]] as const) {
    rows.push([label, r.requests_per_s, pair.off.requests_per_s, round(r.requests_per_s / pair.off.requests_per_s, 3), r.server_cpu_us_per_request, pair.off.server_cpu_us_per_request, r.latency_ms.mean, pair.off.latency_ms.mean, '', '', r.non_2xx + r.errors, '', ''])
  }
  const cap = pair.capacity_rps_per_core
  const pgTables = pgRows.length === 0
    ? []
    : [{
        title: '4b. The same server on PostgreSQL (throwaway local PostgreSQL 15) beside SQLite, same rounds; PG db µs/req: CPU of the PostgreSQL processes',
        columns: ['endpoint', 'SQLite req/s', 'PG req/s', 'PG/SQLite', 'SQLite µs/req', 'PG µs/req', 'PG db µs/req', 'SQLite mean', 'PG mean', 'SQLite p99', 'PG p99', 'PG non-2xx'],
        rows: pgRows
      }]
  rows.push(['kv_read req per CPU-second (metrics on / off)', cap.on, cap.off, pair.capacity_ratio, '', '', '', '', '', '', '', '', ''])
  return {
    result: {
      name: 'api-overhead',
      description: 'KV v2 read/write and sys/sync/associations LIST throughput and latency vs a bare Fastify route returning the same bytes',
      parameters: {
        load_generator: 'autocannon', connections: CONNECTIONS, pipelining: 1, duration_s: seconds, rounds, warmup_s: warmup,
        server: 'vault-sync server -dev -dev-db=FILE (child process, worker off, log level warn; Prometheus on, the -dev default, except the metrics-off server)',
        associations_listed: ASSOCIATIONS, token: 'root token',
        cpu_pinning: PIN ? 'autocannon (the harness) on CPU 0, the measured server (every thread) on CPU 1 (bench/lib/cpu-pin.ts)' : 'none (BENCH_PIN=off, or no taskset / one CPU)'
      },
      figures: { ...figures, postgresql: pgFigures },
      reference: { description: 'bare Fastify (same version, default options, no logger) returning the captured bytes', figures: reference },
      ratio: { definition: 'vault-sync requests/s / bare Fastify requests/s (1 = no overhead); *_cpu_per_request: server CPU time per request, vault-sync / bare (less sensitive to other load on the machine); *_postgresql_vs_sqlite: the server on PostgreSQL / the server on SQLite, same case, same round', values: ratio },
      notes: [
        `each case: a warm-up per side, then ${rounds} rounds of ${round(seconds / rounds, 2)} s in which the sides take turns (order reversed every other round); a side's figures are its median round's (mean latency and totals over all rounds; rounds_cpu_us_per_request: every round's). Every server is seeded alike (two keys, a destination, ${ASSOCIATIONS} associated secrets).`,
        'autocannon records latencies in whole milliseconds; mean is the more precise figure on loopback.',
        'figures.postgresql: the same cases against a server on a database of a throwaway local PostgreSQL 15 (durability off), each measured right after the SQLite server; database_cpu_us_per_request: CPU of all PostgreSQL processes over the run / requests.',
        `kv_read_metrics_on/off: two servers (no telemetry stanza vs prometheus_retention_time = 24h), ${pair.rounds} alternating rounds, best round per side; the metrics rows' "bare" columns are the metrics-off figures. kv_read_metrics_on_vs_off_capacity: requests per server CPU-second over all rounds, on / off (the figure other load on the machine does not distort).`
      ]
    },
    tables: [{
      title: `4. API overhead (autocannon, ${CONNECTIONS} connections, ${seconds} s per side; latency ms)`,
      columns: ['endpoint', 'req/s', 'bare req/s', 'ratio', 'CPU µs/req', 'bare µs/req', 'mean ms', 'bare mean', 'p99 ms', 'bare p99', 'non-2xx', 'PG req/s', 'PG/SQLite'],
      rows
    }, ...pgTables]
  }
}
