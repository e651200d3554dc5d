/**
 * Bench 1 with its PostgreSQL rows (issue 18): the propagation series against the SQLite server
 * of benches 1-3, then the same series (same rates, latencies and writes per row, its own
 * secrets in the same emulator vaults) against a `server -dev` on a database of the run's
 * throwaway PostgreSQL, worker on: a KV write on a PostgreSQL-backed server -> readable in the
 * emulator. One server, so it holds every vault's lease, as the SQLite server owns everything.
 * The series run one after the other, not interleaved, so the machine's load may differ.
 */
import { join } from 'node:path'
import { benchPropagation } from './b1-propagation.js'
import { round } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import { pgStorageEnv } from './lib/postgres.js'
import type { BenchOutput } from './lib/report.js'
import { startServerProcess } from './lib/server-process.js'
import { vaultHttp, type VaultHttp } from './lib/vault-http.js'

type SeriesFigures = Record<string, { propagation_ms?: { p50: number, p95: number } }>

/** Bench 1 on SQLite (`api`), then on PostgreSQL; the PostgreSQL figures under `figures.postgresql`. */
export async function benchPropagationBothEngines (ctx: BenchContext, api: VaultHttp): Promise<BenchOutput> {
  const out = await benchPropagation(ctx, api)
  let pgOut: BenchOutput | undefined
  try {
    const pg = await ctx.postgres()
    if (pg === undefined) return out
    const url = await pg.database('b1_pg')
    const server = await startServerProcess({ dir: ctx.dir, label: 'b1-pg', dbPath: join(ctx.dir, 'b1-pg.pg'), env: { ...ctx.azure.serverEnv, ...pgStorageEnv(url) } })
    ctx.log(`bench 1: the same series on PostgreSQL (server ready in ${server.readyMs.toFixed(0)} ms)`)
    try {
      pgOut = await benchPropagation(ctx, vaultHttp(server.address), 'pg')
    } finally {
      await server.stop()
    }
  } catch (err) {
    ctx.partFailed(1, 'PostgreSQL', err)
    out.result.figures.postgresql = { error: String(err) }
    return out
  }
  const sqlite = out.result.figures as SeriesFigures
  const onPg = pgOut.result.figures as SeriesFigures
  const ratio = out.result.ratio.values
  for (const [key, value] of Object.entries(pgOut.result.ratio.values)) ratio[`postgresql_${key}`] = value
  for (const key of Object.keys(onPg)) {
    const a = sqlite[key]?.propagation_ms?.p50
    const b = onPg[key]?.propagation_ms?.p50
    if (a !== undefined && b !== undefined) ratio[`postgresql_vs_sqlite_p50_${key}`] = round(b / a, 2)
  }
  out.result.figures.postgresql = pgOut.result.figures
  out.result.ratio.definition += '; postgresql_*: the same on the server on PostgreSQL; postgresql_vs_sqlite_p50_*: propagation p50 on PostgreSQL / on SQLite'
  out.result.notes.push('figures.postgresql: the same series, run after the SQLite ones, against a server -dev on a database of a throwaway local PostgreSQL 15 (durability off); its own destinations and secrets (prefix "pg") in the same emulator vaults.')
  const table = out.tables[0]
  table.title = table.title.replace('1. Propagation latency', '1. Propagation latency, SQLite then PostgreSQL ("PG" rows)')
  table.rows.push(...pgOut.tables[0].rows.map((r) => [`PG ${String(r[0])}`, ...r.slice(1)]))
  return out
}
