/**
 * Small helpers shared by the benchmarks: time, sleeping, percentiles, the repository root and
 * the run's provenance (git commit, Node version, CPUs).
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'

/** Monotonic milliseconds (fractional). */
export const now = (): number => performance.now()

export const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))) }

/**
 * Keeps this process's CPU busy for `ms` (a spin, not a sleep): bench 5's client stays as busy
 * as while it reads a large answer, and the server idles for up to as long as it does then
 * (session 14).
 */
export function spin (ms: number): void {
  const until = now() + ms
  while (now() < until);
}

/** Sleeps until the monotonic time `at` (ms). */
export const sleepUntil = async (at: number): Promise<void> => { await sleep(at - now()) }

/** The repository root: the nearest folder above this file holding `package.json`. */
export function repoRoot (): string {
  let dir = import.meta.dirname
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'vault-sync'))) return dir
    dir = dirname(dir)
  }
  throw new Error('bench: cannot find the repository root (package.json + bin/vault-sync) above ' + import.meta.dirname)
}

/** Nearest-rank percentile of `values` (0 < p <= 100); NaN when empty. */
export function percentile (values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

export const median = (values: number[]): number => percentile(values, 50)

/** Rounds to `digits` decimals (numbers stay numbers in the JSON). */
export const round = (v: number, digits = 1): number => {
  if (!Number.isFinite(v)) return v
  const f = 10 ** digits
  return Math.round(v * f) / f
}

/** p50/p95/p99 (p99 only with at least 100 samples, else the string "n<100", decisions D-28), mean, max, n. */
export function latencySummary (values: number[]): { n: number, p50: number, p95: number, p99: number | 'n<100', mean: number, max: number } {
  const mean = values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length
  return {
    n: values.length,
    p50: round(percentile(values, 50), 2),
    p95: round(percentile(values, 95), 2),
    p99: values.length >= 100 ? round(percentile(values, 99), 2) : 'n<100',
    mean: round(mean, 2),
    max: round(values.length === 0 ? NaN : Math.max(...values), 2)
  }
}

/** Where and on what the run happened. */
export interface Provenance {
  node: string
  platform: string
  cpu_count: number
  cpu_model: string
  git_commit: string
  git_dirty: boolean | undefined
  load_average_at_start: number[]
}

export function provenance (root: string): Provenance {
  let commit = 'unknown'
  let dirty: boolean | undefined
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== ''
  } catch { /* not a git checkout */ }
  const cpu = cpus()
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu_count: cpu.length,
    cpu_model: cpu[0]?.model ?? 'unknown',
    git_commit: commit,
    git_dirty: dirty,
    load_average_at_start: loadavg().map((v) => round(v, 2))
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; resolves with the results in order. */
export async function mapLimit<T, R> (items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i], i)
    }
  })
  await Promise.all(lanes)
  return out
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined; throws after `timeoutMs`. */
export async function waitFor<T> (what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 20): Promise<T> {
  const until = now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (now() > until) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(intervalMs)
  }
}
