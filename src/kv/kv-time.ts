/**
 * KV timestamps: integer microseconds since the Unix epoch internally, and on the wire UTC
 * RFC 3339 with fractional seconds and trailing zeros dropped (Go's `RFC3339Nano`, what Vault
 * prints; spec/vault-core-kv-api.md §3.2, decisions D-32.2). Resolution is 1 µs, so at most six
 * fraction digits appear (e.g. `2018-03-22T02:24:06.945319Z`). An unset time is `""`. The
 * formatting itself is Vault's one formatter (`vault/time.ts`).
 */
import { formatMicros } from '../vault/time.js'

/** A clock returning microseconds since the epoch. */
export type MicroClock = () => number

/**
 * The wall clock in microseconds, made strictly increasing within this process: a deletion
 * written at `t` is in the past for any later read, as in Vault where `time.Now()` moves on.
 */
export function createMicroClock (wallMicros: () => number = defaultWallMicros): MicroClock {
  let last = 0
  return () => {
    const t = Math.max(wallMicros(), last + 1)
    last = t
    return t
  }
}

/** Wall time (`Date.now`, follows clock adjustments) with sub-millisecond digits from the high-resolution timer. */
function defaultWallMicros (): number {
  return Date.now() * 1000 + Number((process.hrtime.bigint() / 1000n) % 1000n)
}

/** A clock in microseconds over a millisecond clock (an injected test clock). */
export function microClockFromMillis (nowMillis: () => number): MicroClock {
  return () => Math.round(nowMillis() * 1000)
}

/** Formats microseconds as Go's RFC3339Nano in UTC; `null` gives `""`. */
export function formatTime (micros: number | null): string {
  return micros === null ? '' : formatMicros(micros)
}
