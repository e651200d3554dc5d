/**
 * Bench 4's metrics pair: KV v2 read throughput with metrics on (a `telemetry` stanza:
 * Prometheus output and the per-request HTTP histogram) against metrics off (no telemetry),
 * two server processes in the same run, measured in alternating rounds so that other load on
 * the machine falls on both sides (issue 19: within 5 %). Two figures: `ratio`, the best round's
 * requests/s on / off (sensitive to other load on the machine), and `capacity_ratio`, the
 * requests per server CPU-second on / off over all rounds (what one core serves: the figure a
 * busy machine does not distort). Both servers get bench 4's state (`seed`), as its other servers do.
 */
import { join } from 'node:path'
import { round } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import { startServerProcess } from './lib/server-process.js'

/** One autocannon run's figures, as `b4-api-overhead.ts` measures them. */
export interface PairRun { requests_per_s: number, server_cpu_us_per_request: number, latency_ms: { mean: number }, non_2xx: number, errors: number }
type Cannon = (address: string, pid: number, seconds: number) => Promise<PairRun>

export interface MetricsPair { off: PairRun, on: PairRun, rounds: number, ratio: number, cpu_ratio: number, capacity_ratio: number, capacity_rps_per_core: { off: number, on: number } }

/** Runs the pair; `cannon` is bench 4's KV-read run against one server, `seed` gives each server bench 4's state. */
export async function metricsPair (ctx: BenchContext, cannon: Cannon, seed: (address: string) => Promise<void>): Promise<MetricsPair> {
  const seconds = ctx.quick ? 2 : 10
  const rounds = ctx.quick ? 4 : 6
  const start = async (label: string, env: Record<string, string>): Promise<Awaited<ReturnType<typeof startServerProcess>>> => {
    const s = await startServerProcess({ dir: ctx.dir, label, dbPath: join(ctx.dir, `${label}.db`), env: { VAULT_SYNC_WORKER: 'off', ...env } })
    await seed(s.address)
    return s
  }
  // `server -dev` turns Prometheus on as `vault server -dev` does (since 7d51835): off is explicit.
  const off = await start('b4-metrics-off', { VAULT_SYNC_PROMETHEUS_RETENTION_TIME: '0s' })
  const on = await start('b4-metrics-on', { VAULT_SYNC_PROMETHEUS_RETENTION_TIME: '24h', VAULT_SYNC_TELEMETRY_DISABLE_HOSTNAME: 'true' })
  const best: { off?: PairRun, on?: PairRun } = {}
  // Requests and server CPU µs summed over all rounds, per side.
  const sum = { off: { requests: 0, cpuUs: 0 }, on: { requests: 0, cpuUs: 0 } }
  try {
    ctx.log(`bench 4: kv_read with metrics on vs off, ${rounds} alternating rounds of ${seconds} s`)
    for (const s of [off, on]) await cannon(s.address, s.pid, ctx.quick ? 1 : 3)
    for (let r = 0; r < rounds; r++) {
      for (const [side, s] of [['off', off], ['on', on]] as const) {
        const run = await cannon(s.address, s.pid, seconds)
        const requests = run.requests_per_s * seconds
        sum[side].requests += requests
        sum[side].cpuUs += run.server_cpu_us_per_request * requests
        if (best[side] === undefined || run.requests_per_s > best[side].requests_per_s) best[side] = run
      }
    }
    // The scrape works on the metrics-on server (and is refused on the other, as in Vault).
    const scrape = await fetch(`${on.address}/v1/sys/metrics?format=prometheus`, { headers: { 'x-vault-token': 'bench-root-token' } })
    if (scrape.status !== 200 || !(await scrape.text()).includes('vaultsync_http_request_duration_seconds_count')) throw new Error('metrics-on server has no HTTP metrics')
    const refused = await fetch(`${off.address}/v1/sys/metrics?format=prometheus`, { headers: { 'x-vault-token': 'bench-root-token' } })
    if (refused.status !== 400) throw new Error(`metrics-off server answered the Prometheus scrape with ${refused.status}`)
  } finally {
    await off.stop()
    await on.stop()
  }
  const [o, n] = [best.off!, best.on!]
  const perCore = (side: 'off' | 'on'): number => round(1e6 * sum[side].requests / sum[side].cpuUs, 0)
  return {
    off: o,
    on: n,
    rounds,
    ratio: round(n.requests_per_s / o.requests_per_s, 3),
    cpu_ratio: round(n.server_cpu_us_per_request / o.server_cpu_us_per_request, 3),
    capacity_ratio: round(perCore('on') / perCore('off'), 3),
    capacity_rps_per_core: { off: perCore('off'), on: perCore('on') }
  }
}
