/**
 * CPU pinning for the API-overhead bench (issue 16, session 11): the load generator (autocannon,
 * in the harness) on one CPU and the measured server on another, every thread of each, through
 * util-linux's `taskset`.
 *
 * Why: on this 2-vCPU VM a server that shares a core with autocannon is preempted at nearly
 * every response, and such a placement outlasts a bench round (bench/README.md, "Why two
 * servers of the same code differ by up to 2x"): two servers of the same build measured 44 and
 * 99 µs per read in one run. Pinned, every side (vault-sync, bare Fastify, PostgreSQL's server)
 * runs in the same placement, which is what bench 4's docstring always assumed ("each side has
 * a core of its own"). `BENCH_PIN=off` leaves placement to the scheduler.
 */
import { execFileSync } from 'node:child_process'
import { availableParallelism } from 'node:os'

/** Whether pinning applies: Linux, 2 CPUs or more, `taskset` present, and `BENCH_PIN` not `off`. */
export function pinningWanted (): boolean {
  if (process.platform !== 'linux' || availableParallelism() < 2 || process.env.BENCH_PIN === 'off') return false
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Pins every thread of `pid` to the CPUs `cpus` (taskset's list, e.g. `1` or `0-3`). Throws when taskset fails. */
export function pinProcess (pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' })
}

/** Every CPU this machine has, as a taskset list (`0-N`). */
export const ALL_CPUS = `0-${availableParallelism() - 1}`
