/**
 * `npm run bench [-- --quick] [-- --only=1,2] [-- --out=FILE] [-- --no-postgresql]`: runs the
 * five benchmarks of issue 10 (and bench 6, association rules, issue 22) against
 * `vault-sync server -dev` child processes and the Azure Key Vault emulator on loopback, each
 * next to its reference in the same run; benches 1, 2 and 4 also on PostgreSQL (issue 18: a
 * throwaway PostgreSQL 15 the run starts; `--no-postgresql` leaves that column out). Writes
 * `bench/results/latest.json` and prints a table. Never run by `npm test`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { benchPropagationBothEngines } from './b1-postgresql.js'
import { benchBulk } from './b2-bulk.js'
import { benchCoalescing } from './b3-coalescing.js'
import { benchApiOverhead } from './b4-api-overhead.js'
import { benchFootprint } from './b5-footprint.js'
import { benchRules } from './b6-rules.js'
import { startAzureSide } from './lib/azure.js'
import { startBenchPostgres, type BenchPostgres } from './lib/postgres.js'
import { now, provenance, repoRoot, round } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import { renderTable, type BenchOutput, type BenchResult } from './lib/report.js'
import { startServerProcess } from './lib/server-process.js'
import { vaultHttp } from './lib/vault-http.js'

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string' }, 'no-postgresql': { type: 'boolean', default: false } },
    strict: true
  })
  const quick = values.quick === true
  const only = new Set((values.only ?? '1,2,3,4,5,6').split(',').map((s) => Number(s.trim())))
  const root = repoRoot()
  const out = values.out ?? join(root, 'bench', 'results', 'latest.json')
  const dir = mkdtempSync(join(tmpdir(), 'vault-sync-bench-'))
  const started = now()
  const log = (m: string): void => { process.stderr.write(`[${((now() - started) / 1000).toFixed(1).padStart(6)} s] ${m}\n`) }
  const meta = { mode: quick ? 'quick' : 'full', started_at: new Date().toISOString(), ...provenance(root) }
  log(`vault-sync bench (${meta.mode}), node ${process.version}, ${meta.cpu_count} CPUs, commit ${meta.git_commit.slice(0, 12)}`)

  const outputs: BenchOutput[] = []
  const failures: Array<{ bench: number, part?: string, error: string }> = []
  const azure = await startAzureSide()
  let postgres: Promise<BenchPostgres> | undefined
  const ctx: BenchContext = {
    quick,
    dir,
    azure,
    log,
    postgres: () => values['no-postgresql'] === true ? undefined : (postgres ??= startBenchPostgres()),
    partFailed: (bench, part, err) => {
      failures.push({ bench, part, error: (err as Error).stack ?? String(err) })
      log(`bench ${bench}: ${part} FAILED: ${(err as Error).message}`)
    }
  }
  const run = async (n: number, fn: () => Promise<BenchOutput>): Promise<void> => {
    if (!only.has(n)) return
    const t = now()
    const delay = monitorEventLoopDelay({ resolution: 10 })
    delay.enable()
    try {
      const out = await fn()
      delay.disable()
      out.result.harness = {
        event_loop_delay_ms: { p50: round(delay.percentile(50) / 1e6, 1), p99: round(delay.percentile(99) / 1e6, 1), max: round(delay.max / 1e6, 1) },
        load_average_at_end: loadavg().map((v) => round(v, 2)),
        duration_s: round((now() - t) / 1000, 1)
      }
      outputs.push(out)
      log(`bench ${n} done in ${((now() - t) / 1000).toFixed(1)} s (harness event-loop delay p99 ${out.result.harness.event_loop_delay_ms.p99} ms, max ${out.result.harness.event_loop_delay_ms.max} ms)`)
    } catch (err) {
      delay.disable()
      failures.push({ bench: n, error: (err as Error).stack ?? String(err) })
      log(`bench ${n} FAILED: ${(err as Error).message}`)
    }
  }
  try {
    if ([1, 2, 3].some((n) => only.has(n))) {
      // Benches 1-3 share one server with the worker on, pointed at the emulator.
      const server = await startServerProcess({ dir, label: 'sync', dbPath: join(dir, 'sync.db'), env: azure.serverEnv })
      log(`sync server ready in ${server.readyMs.toFixed(0)} ms at ${server.address}`)
      const api = vaultHttp(server.address)
      try {
        await run(1, async () => await benchPropagationBothEngines(ctx, api))
        await run(2, async () => await benchBulk(ctx, api))
        await run(3, async () => await benchCoalescing(ctx, api))
      } finally {
        await server.stop()
      }
    }
    await run(4, async () => await benchApiOverhead(ctx))
    await run(5, async () => await benchFootprint(ctx))
    await run(6, async () => await benchRules(ctx))
  } finally {
    await azure.close()
    await postgres?.then(async (p) => { await p.stop() }, () => {})
    rmSync(dir, { recursive: true, force: true })
  }

  const results: BenchResult[] = outputs.map((o) => o.result)
  const doc = {
    ...meta,
    duration_s: round((now() - started) / 1000, 1),
    load_average_at_end: loadavg().map((v) => round(v, 2)),
    benchmarks: results,
    failures
  }
  mkdirSync(join(out, '..'), { recursive: true })
  writeFileSync(out, JSON.stringify(doc, null, 2) + '\n')
  const header = `vault-sync benchmarks (${meta.mode}) — node ${process.version}, ${meta.cpu_count} CPUs (${meta.cpu_model}), commit ${meta.git_commit.slice(0, 12)}${meta.git_dirty === true ? ' (dirty)' : ''}, ${doc.duration_s} s, load ${meta.load_average_at_start.join('/')} -> ${doc.load_average_at_end.join('/')}`
  process.stdout.write(`\n${header}\n\n${outputs.flatMap((o) => o.tables).map(renderTable).join('\n\n')}\n\nWritten: ${out}\n`)
  if (failures.length > 0) {
    for (const f of failures) process.stderr.write(`\nbench ${f.bench}${f.part === undefined ? '' : ` (${f.part})`} failed:\n${f.error}\n`)
    process.exitCode = 1
  }
}

main().catch((err) => { process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`); process.exit(1) })
