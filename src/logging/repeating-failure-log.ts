/**
 * Log lines for failures that repeat (background loops failing on every turn while the database
 * is down): a failure is written in full the first time, the same failure again (same text and
 * error message) is only counted, and at most once per `intervalMs` (ms) it is written again with
 * `suppressed: N`, the number left out since. Loops failing every 5 s on each replica used to
 * write a stack trace each every 5 s for the whole of an outage.
 */
import type { FastifyBaseLogger as Logger } from 'fastify'

/** At most one line per this many ms while the same failure repeats (ms). */
export const FAILURE_LOG_INTERVAL_MS = 60_000

/** At most this many distinct failures are tracked; past it the tracking starts afresh. */
const TRACKED_MAX = 256

/** Whether to write a failure keyed `key` now, and how many of it were left out since the last line. */
type RepeatGate = (key: string) => { write: boolean, suppressed: number }

function createGate (now: () => number, intervalMs: number): { check: RepeatGate, clear: () => void } {
  const seen = new Map<string, { at: number, suppressed: number }>()
  return {
    check (key) {
      const t = now()
      const s = seen.get(key)
      if (s !== undefined && t - s.at < intervalMs) { s.suppressed++; return { write: false, suppressed: s.suppressed } }
      if (seen.size >= TRACKED_MAX) seen.clear()
      seen.set(key, { at: t, suppressed: 0 })
      return { write: true, suppressed: s?.suppressed ?? 0 }
    },
    clear () { seen.clear() }
  }
}

const messageOf = (err: unknown): string => String((err as { message?: unknown } | undefined)?.message ?? err ?? '')

export interface RepeatingFailureLog {
  /** Records (and writes, or counts) one failure. */
  failed: (err: unknown) => void
  /** Records a success; writes the end of a run of failures, if one was going on. */
  succeeded: () => void
}

/**
 * A log of one loop's failures: `failing` is the `error` line's text, `recovered` the text of
 * the `info` line of the first success after failures (`<recovered> after N failures`). `now`
 * gives epoch ms (the worker's clock in tests).
 */
export function createRepeatingFailureLog (log: Logger, failing: string, recovered: string,
  now: () => number = Date.now, intervalMs = FAILURE_LOG_INTERVAL_MS): RepeatingFailureLog {
  const gate = createGate(now, intervalMs)
  let run = 0
  return {
    failed (err) {
      run++
      const { write, suppressed } = gate.check(messageOf(err))
      if (write) log.error(suppressed === 0 ? { err } : { err, suppressed }, failing)
    },
    succeeded () {
      if (run > 0) log.info({ failures: run }, `${recovered} after ${run} failure${run === 1 ? '' : 's'}`)
      run = 0
      gate.clear()
    }
  }
}

/** The three levels the storage layer logs at (`PgLogger` of db/pg/connection.ts). */
export interface LevelLogger {
  warn: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
  info: (obj: object, msg: string) => void
}

/**
 * `log` with its failure lines quieted when they repeat: a `warn` or `error` line carrying an
 * `err` with the same level, text and error message as one written less than `intervalMs` ago is
 * only counted (the next one written carries `suppressed: N`); other lines pass as they are.
 * For loops that cannot tell a run of failures from its end: the storage layer's lease keeper,
 * change-feed listener and pooled connections during a database outage, every few seconds each.
 * Share one per process: two wrappers of one logger each write the line once.
 */
export function quietRepeats (log: LevelLogger, now: () => number = Date.now, intervalMs = FAILURE_LOG_INTERVAL_MS): LevelLogger {
  const gate = createGate(now, intervalMs)
  const quiet = (level: 'warn' | 'error') => (obj: object, msg: string): void => {
    const err = (obj as { err?: unknown }).err
    if (err === undefined) { log[level](obj, msg); return }
    const { write, suppressed } = gate.check(`${level}\u0000${msg}\u0000${messageOf(err)}`)
    if (write) log[level](suppressed === 0 ? obj : { ...obj, suppressed }, msg)
  }
  return { warn: quiet('warn'), error: quiet('error'), info: (obj, msg) => { log.info(obj, msg) } }
}
