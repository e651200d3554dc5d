/**
 * Key Vault throttling (spec/azure-keyvault-api.md §4, decisions D-12): per vault, a `write` bucket
 * (PUT `/secrets/{name}` and POST `/secrets/restore`; 300 per 10 s) and an `other` bucket (every
 * other authenticated data-plane call; 4,000 per 10 s). The window slides: a request is admitted
 * when fewer than `limit` admitted requests of its bucket lie in the last `windowMs`. Refused
 * requests do not count ("failed 429 requests do not count towards the throttle limits").
 */

/** Which limit a request counts against. */
export type Bucket = 'write' | 'other'

/** How a 429 announces when to come back: not at all (as captured real 429s), `Retry-After` seconds, or `x-ms-retry-after-ms`. */
export type RetryAfterMode = 'none' | 'seconds' | 'milliseconds'

/** Throttling settings of one vault. */
export interface ThrottleSettings {
  enabled: boolean
  /** Admitted writes per window (default 300). */
  writeLimit: number
  /** Admitted other calls per window (default 4000). */
  otherLimit: number
  /** Window length in ms (default 10,000). */
  windowMs: number
  /** Default `none`: real Key Vault 429s were captured without Retry-After. */
  retryAfter: RetryAfterMode
}

/** The service's documented limits. */
export const DEFAULT_THROTTLE: ThrottleSettings = { enabled: true, writeLimit: 300, otherLimit: 4000, windowMs: 10_000, retryAfter: 'none' }

/** A FIFO of admission times; old entries are dropped from the head. */
class Window {
  private times: number[] = []
  private head = 0

  count (since: number): number {
    while (this.head < this.times.length && this.times[this.head] <= since) this.head++
    if (this.head > 1024 && this.head * 2 > this.times.length) { this.times = this.times.slice(this.head); this.head = 0 }
    return this.times.length - this.head
  }

  oldest (): number | undefined { return this.times[this.head] }
  push (t: number): void { this.times.push(t) }
}

/** The decision for one request: admitted, or refused with the ms until a slot frees up. */
export type Admission = { admitted: true } | { admitted: false, retryAfterMs: number }

/** A sliding-window limiter for one vault's two buckets. */
export class SlidingWindowLimiter {
  private readonly windows: Record<Bucket, Window> = { write: new Window(), other: new Window() }

  /** Admits (and records) or refuses a request of `bucket` at `nowMs` under `s`. */
  tryAdmit (bucket: Bucket, nowMs: number, s: ThrottleSettings): Admission {
    if (!s.enabled) return { admitted: true }
    const w = this.windows[bucket]
    const limit = bucket === 'write' ? s.writeLimit : s.otherLimit
    if (w.count(nowMs - s.windowMs) >= limit) {
      const oldest = w.oldest() ?? nowMs
      return { admitted: false, retryAfterMs: Math.max(1, oldest + s.windowMs - nowMs) }
    }
    w.push(nowMs)
    return { admitted: true }
  }
}

/** Response headers announcing the retry delay under `mode`. */
export function retryAfterHeaders (mode: RetryAfterMode, retryAfterMs: number): Record<string, string> {
  if (mode === 'seconds') return { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) }
  if (mode === 'milliseconds') return { 'x-ms-retry-after-ms': String(Math.max(1, Math.ceil(retryAfterMs))) }
  return {}
}
