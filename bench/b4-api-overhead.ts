/**
 * Bench 4, API overhead: throughput and latency of KV v2 read, KV v2 write and the
 * `sys/sync/associations` LIST under autocannon (10 connections, loopback), against a bare
 * Fastify route returning the same bytes (`bare-server.ts`), in the same run. Both servers are
 * child processes; autocannon runs in the harness, so each side has a core of its own.
 *
 * The vault-sync server (`server -dev -dev-db=FILE`) runs with the worker off (nothing to sync:
 * this measures the API) and
 * `VAULT_SYNC_LOG_LEVEL=warn`; one extra KV-read run at the default level `info` shows that the
 * default level costs nothing per request (no per-request lines unless `log_requests_level`). State: 100 secrets associated with one destination.
 * Last, KV read with metrics on vs off (`b4-metrics-pair.ts`).
 */
import { join } from 'node:path'
import autocannon from 'autocannon'
import { mapLimit, round } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import { captureRoute, startBareServer } from './lib/child-processes.js'
import type { BenchOutput } from './lib/report.js'
import { processCpuMs, ROOT_TOKEN, startServerProcess } from './lib/server-process.js'
import { vaultHttp } from './lib/vault-http.js'
import { metricsPair } from './b4-metrics-pair.js'

const CONNECTIONS = 10
const ASSOCIATIONS = 100
const VALUE = { username: 'app-user', password: 'c2VjcmV0LXBhc3N3b3JkLWZvci1iZW5jaA' }

interface Case { id: string, method: 'GET' | 'PUT', url: string, body?: string }

const CASES: Case[] = [
  { id: 'kv_read', method: 'GET', url: '/v1/secret/data/b4/read' },
  { id: 'kv_write', method: 'PUT', url: '/v1/secret/data/b4/write', body: JSON.stringify({ data: VALUE }) },
  { id: 'associations_list', method: 'GET', url: '/v1/sys/sync/associations/?list=true' }
]

interface Run { requests_per_s: number, server_cpu_us_per_request: number, latency_ms: { mean: number, p50: number, p97_5: number, p99: number }, non_2xx: number, errors: number, total: number }

async function cannon (address: string, pid: number, c: Case, seconds: number): Promise<Run> {
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
  return {
    requests_per_s: round(r.requests.total / (r.duration > 0 ? r.duration : seconds), 0),
    server_cpu_us_per_request: round((cpuMs * 1000) / r.requests.total, 1),
    latency_ms: { mean: round(r.latency.mean, 2), p50: r.latency.p50, p97_5: r.latency.p97_5, p99: r.latency.p99 },
    non_2xx: r.non2xx,
    errors: r.errors,
    total: r.requests.total
  }
}

export async function benchApiOverhead (ctx: BenchContext): Promise<BenchOutput> {
  const seconds = ctx.quick ? 2 : 10
  const warmup = ctx.quick ? 0.5 : 3
  const server = await startServerProcess({ dir: ctx.dir, label: 'b4', dbPath: join(ctx.dir, 'b4.db'), env: { VAULT_SYNC_WORKER: 'off' } })
  const figures: Record<string, unknown> = {}
  const reference: Record<string, unknown> = {}
  const ratio: Record<string, number> = {}
  const rows: Array<Array<string | number>> = []
  try {
    const api = vaultHttp(server.address)
    await api.must('PUT', 'secret/data/b4/read', { data: VALUE })
    await api.must('PUT', 'secret/data/b4/write', { data: VALUE })
    await api.must('POST', 'sys/sync/destinations/azure-kv/b4', {
      key_vault_uri: 'https://b4-bench.vault.azure.net', tenant_id: '00000000-0000-4000-8000-000000000001',
      client_id: '00000000-0000-4000-8000-000000000002', client_secret: 'not-used'
    })
    const idx = Array.from({ length: ASSOCIATIONS }, (_, i) => i)
    await mapLimit(idx, 8, async (i) => await api.must('PUT', `secret/data/b4/s${i}`, { data: VALUE }))
    for (const i of idx) await api.must('PUT', 'sys/sync/destinations/azure-kv/b4/associations/set', { mount: 'secret', secret_name: `b4/s${i}` })
    const headers = { 'x-vault-token': ROOT_TOKEN, 'content-type': 'application/json' }
    const routes = await Promise.all(CASES.map(async (c) => await captureRoute(server.address, c.method, c.url, headers, c.body)))
    const bare = await startBareServer(ctx.dir, 'b4-bare', routes)
    try {
      for (const [k, c] of CASES.entries()) {
        ctx.log(`bench 4: ${c.id} (${routes[k].body.length * 3 / 4 | 0} bytes), ${seconds} s each side`)
        await cannon(server.address, server.pid, c, warmup)
        const vs = await cannon(server.address, server.pid, c, seconds)
        await cannon(bare.address, bare.pid, c, warmup)
        const ref = await cannon(bare.address, bare.pid, c, seconds)
        figures[c.id] = { ...vs, response_bytes: Buffer.from(routes[k].body, 'base64').length }
        reference[c.id] = ref
        ratio[c.id] = round(vs.requests_per_s / ref.requests_per_s, 3)
        ratio[`${c.id}_cpu_per_request`] = round(vs.server_cpu_us_per_request / ref.server_cpu_us_per_request, 1)
        rows.push([c.id, vs.requests_per_s, ref.requests_per_s, ratio[c.id], vs.server_cpu_us_per_request, ref.server_cpu_us_per_request, vs.latency_ms.mean, ref.latency_ms.mean, vs.latency_ms.p99, ref.latency_ms.p99, vs.non_2xx + vs.errors])
      }
    } finally {
      await bare.stop()
    }
  } finally {
    await server.stop()
  }

  // The same KV read at the default log level (info; per-request lines are off by default).
  const info = await startServerProcess({ dir: ctx.dir, label: 'b4-info', dbPath: join(ctx.dir, 'b4-info.db'), env: { VAULT_SYNC_WORKER: 'off', VAULT_SYNC_LOG_LEVEL: 'info' } })
  try {
    await vaultHttp(info.address).must('PUT', 'secret/data/b4/read', { data: VALUE })
    await cannon(info.address, info.pid, CASES[0], warmup)
    const vs = await cannon(info.address, info.pid, CASES[0], seconds)
    figures.kv_read_log_level_info = vs
    const ref = reference.kv_read as Run
    ratio.kv_read_log_level_info = round(vs.requests_per_s / ref.requests_per_s, 3)
    ratio.kv_read_log_level_info_cpu_per_request = round(vs.server_cpu_us_per_request / ref.server_cpu_us_per_request, 1)
    rows.push(['kv_read (log level info)', vs.requests_per_s, ref.requests_per_s, ratio.kv_read_log_level_info, vs.server_cpu_us_per_request, ref.server_cpu_us_per_request, vs.latency_ms.mean, ref.latency_ms.mean, vs.latency_ms.p99, ref.latency_ms.p99, vs.non_2xx + vs.errors])
  } finally {
    await info.stop()
  }
  // Metrics on vs off (issue 19: KV read within 5 %).
  const pair = await metricsPair(ctx, async (address, pid, secs) => await cannon(address, pid, CASES[0], secs), VALUE)
  figures.kv_read_metrics_off = pair.off
  figures.kv_read_metrics_on = pair.on
  ratio.kv_read_metrics_on_vs_off = pair.ratio
  ratio.kv_read_metrics_on_vs_off_cpu_per_request = pair.cpu_ratio
  ratio.kv_read_metrics_on_vs_off_capacity = pair.capacity_ratio
  figures.kv_read_metrics_capacity_rps_per_core = pair.capacity_rps_per_core
  for (const [label, r] of [['kv_read (metrics off, best of rounds)', pair.off], ['kv_read (metrics on, best of rounds)', pair.on]] as const) {
    rows.push([label, r.requests_per_s, pair.off.requests_per_s, round(r.requests_per_s / pair.off.requests_per_s, 3), r.server_cpu_us_per_request, pair.off.server_cpu_us_per_request, r.latency_ms.mean, pair.off.latency_ms.mean, '', '', r.non_2xx + r.errors])
  }
  const cap = pair.capacity_rps_per_core
  rows.push(['kv_read req per CPU-second (metrics on / off)', cap.on, cap.off, pair.capacity_ratio, '', '', '', '', '', '', ''])
  return {
    result: {
      name: 'api-overhead',
      description: 'KV v2 read/write and sys/sync/associations LIST throughput and latency vs a bare Fastify route returning the same bytes',
      parameters: {
        load_generator: 'autocannon', connections: CONNECTIONS, pipelining: 1, duration_s: seconds, warmup_s: warmup,
        server: 'vault-sync server -dev -dev-db=FILE (child process, worker off, log level warn)',
        associations_listed: ASSOCIATIONS, token: 'root token'
      },
      figures,
      reference: { description: 'bare Fastify (same version, default options, no logger) returning the captured bytes', figures: reference },
      ratio: { definition: 'vault-sync requests/s / bare Fastify requests/s (1 = no overhead); *_cpu_per_request: server CPU time per request, vault-sync / bare (less sensitive to other load on the machine)', values: ratio },
      notes: [
        'autocannon records latencies in whole milliseconds; mean is the more precise figure on loopback.',
        `kv_read_metrics_on/off: two servers (no telemetry stanza vs prometheus_retention_time = 24h), ${pair.rounds} alternating rounds, best round per side; the metrics rows' "bare" columns are the metrics-off figures. kv_read_metrics_on_vs_off_capacity: requests per server CPU-second over all rounds, on / off (the figure other load on the machine does not distort).`
      ]
    },
    tables: [{
      title: `4. API overhead (autocannon, ${CONNECTIONS} connections, ${seconds} s per side; latency ms)`,
      columns: ['endpoint', 'req/s', 'bare req/s', 'ratio', 'CPU µs/req', 'bare µs/req', 'mean ms', 'bare mean', 'p99 ms', 'bare p99', 'non-2xx'],
      rows
    }]
  }
}
