/**
 * The request ledger of one Key Vault and one operation kind (spec/azure-keyvault-api.md §4;
 * Azure "Key Vault service limits": 300 secret writes and 4,000 other transactions per vault
 * per 10 s, sliding; "Key Vault throttling guidance": back off on 429, honour Retry-After).
 * Pure bookkeeping over a caller-supplied clock (epoch or monotonic ms): no timers, no I/O.
 *
 * Sliding window at the full budget: a request holds a slot from its start until `windowMs`
 * after its response (the server admitted it somewhere in between, so no sliding window of
 * the server can see more than `limit` of ours). A 429 is not counted (Key Vault does not count
 * refused requests); a request that failed without a response is counted (it may have arrived).
 *
 * Adapting to what the vault says (AIMD): every 429 multiplies the limit by `decrease` (at most
 * once per `decreaseHoldMs`, as a burst of 429s is one signal) and pauses starts for the
 * `Retry-After` it carried, or without one for an exponential pause (Azure's throttling
 * guidance: "wait 1 second, 2, 4, 8, 16"): `pauseWithoutRetryAfterMs`, doubled by each 429 that
 * follows the end of the previous pause with no success after it (429s of requests already in
 * flight during a pause are the same signal), up to `maxPauseWithoutRetryAfterMs`; a success
 * after the pause starts the doubling over. Every admitted response adds
 * `increase * budget / limit`, i.e. the limit grows by `increase` of the budget per window of
 * successful traffic, back up to the budget.
 */

export interface LedgerSettings {
  /** The vault's documented budget per window (300 writes, 4,000 others). */
  budget: number
  /** Window length, ms (10,000). */
  windowMs: number
  /** Requests in flight at once. */
  concurrency: number
  /** Multiplicative decrease on a 429 (0 < decrease < 1). */
  decrease: number
  /** Additive increase per window of successes, as a fraction of the budget. */
  increase: number
  /** A 429 within this long of the previous decrease does not decrease again, ms. */
  decreaseHoldMs: number
  /** Pause of new starts after a first 429 without Retry-After, ms (doubled per repeated refusal). */
  pauseWithoutRetryAfterMs: number
  /** Longest pause after 429s without Retry-After, ms. */
  maxPauseWithoutRetryAfterMs: number
}

/**
 * Defaults: halve on a 429 (one decrease per second), regain 10 % of the budget per window;
 * without Retry-After pause 1 s, 2 s, 4 s, 8 s, then 16 s (Azure's throttling guidance).
 */
export const LEDGER_DEFAULTS: Omit<LedgerSettings, 'budget' | 'concurrency'> = {
  windowMs: 10_000, decrease: 0.5, increase: 0.1, decreaseHoldMs: 1_000, pauseWithoutRetryAfterMs: 1_000, maxPauseWithoutRetryAfterMs: 16_000
}

/** How a started request ended, for `finish`. */
export type LedgerOutcome = { kind: 'ok' } | { kind: 'throttled', retryAfterMs?: number } | { kind: 'failed' }

/** A FIFO of response times (ascending) with amortised O(1) expiry. */
class TimeQueue {
  private items: number[] = []
  private head = 0
  get size (): number { return this.items.length - this.head }
  at (i: number): number { return this.items[this.head + i] }
  push (t: number): void {
    // Responses can be recorded slightly out of order (clock reads of concurrent callbacks): keep ascending.
    let i = this.items.length
    this.items.push(t)
    while (i > this.head && this.items[i - 1] > t) { this.items[i] = this.items[i - 1]; i-- }
    this.items[i] = t
  }

  dropUpTo (t: number): void {
    while (this.head < this.items.length && this.items[this.head] <= t) this.head++
    if (this.head > 1024 && this.head * 2 > this.items.length) { this.items = this.items.slice(this.head); this.head = 0 }
  }
}

/** The ledger; see the module comment. */
export class VaultLedger {
  private readonly done = new TimeQueue()
  private inFlight = 0
  private limitValue: number
  private pausedUntil = -Infinity
  private lastDecreaseAt = -Infinity
  /** The last pause without Retry-After, ms (0: none since the last admitted response). */
  private lastPauseMs = 0
  /** 429s seen (for logs and tests). */
  throttled = 0
  /** Background (drift) requests: responses within the window, and in flight (a subset of all). */
  private readonly bgDone = new TimeQueue()
  private bgInFlight = 0

  constructor (readonly settings: LedgerSettings) {
    this.limitValue = settings.budget
  }

  /** The current (adapted) limit per window, a whole number >= 1. */
  get limit (): number { return Math.max(1, Math.floor(this.limitValue)) }
  /** Requests started and not finished. */
  get active (): number { return this.inFlight }

  /** Slots used at `now`: in flight plus responses within the last window. */
  used (now: number): number {
    this.done.dropUpTo(now - this.settings.windowMs)
    return this.inFlight + this.done.size
  }

  /** True when a request may start at `now`. */
  canStart (now: number): boolean {
    return now >= this.pausedUntil && this.inFlight < this.settings.concurrency && this.used(now) < this.limit
  }

  /**
   * The earliest time a request may start, given no other change: `now` when it may start now,
   * a later time when the window or a pause must pass, `undefined` when only a response of a
   * request in flight can free a slot.
   */
  nextStartAt (now: number): number | undefined {
    if (this.canStart(now)) return now
    if (this.inFlight >= this.settings.concurrency) return undefined
    let at = Math.max(now, this.pausedUntil)
    const excess = this.used(now) - this.limit + 1 // responses that must leave the window
    if (excess > 0) {
      if (excess > this.done.size) return undefined
      at = Math.max(at, this.done.at(excess - 1) + this.settings.windowMs)
    }
    return at
  }

  /** Background slots used at `now`: background requests in flight plus their responses within the last window. */
  backgroundUsed (now: number): number {
    this.bgDone.dropUpTo(now - this.settings.windowMs)
    return this.bgInFlight + this.bgDone.size
  }

  /** Background requests allowed per window under `share` (0 < share <= 1) of the current limit: at least 1. */
  backgroundLimit (share: number): number { return Math.max(1, Math.floor(this.limit * share)) }

  /**
   * True when a background request (issue 21: drift sweeps) may start at `now`: a request could
   * start, no other background request is in flight (so sync traffic waits for at most one
   * background round trip), and background requests stay under `share` of the limit per window.
   * The caller starts background work only when no sync call waits (azure-kv-limits.ts).
   */
  canStartBackground (now: number, share: number): boolean {
    return this.canStart(now) && this.bgInFlight === 0 && this.backgroundUsed(now) < this.backgroundLimit(share)
  }

  /** Like {@link nextStartAt} for a background request under `share`. */
  nextBackgroundStartAt (now: number, share: number): number | undefined {
    if (this.bgInFlight > 0) return undefined
    let at = this.nextStartAt(now)
    if (at === undefined) return undefined
    const excess = this.backgroundUsed(now) - this.backgroundLimit(share) + 1
    if (excess > 0) at = Math.max(at, this.bgDone.at(excess - 1) + this.settings.windowMs)
    return at
  }

  /** Records the start of a background request at `now` (call only when `canStartBackground`). */
  startBackground (now: number): void { this.bgInFlight++; this.start(now) }

  /** Records the end of a started background request (it counts in both ledgers; a 429 in neither). */
  finishBackground (now: number, outcome: LedgerOutcome): void {
    this.bgInFlight = Math.max(0, this.bgInFlight - 1)
    if (outcome.kind !== 'throttled') this.bgDone.push(now)
    this.finish(now, outcome)
  }

  /** Records a start at `now` (call only when `canStart(now)`). */
  start (_now: number): void { this.inFlight++ }

  /** The pause after a 429 without Retry-After at `now`: doubled when the previous pause is over (see the module comment). */
  private pauseWithoutRetryAfter (now: number): number {
    const s = this.settings
    if (this.lastPauseMs === 0) this.lastPauseMs = s.pauseWithoutRetryAfterMs
    else if (now >= this.pausedUntil) this.lastPauseMs = Math.min(s.maxPauseWithoutRetryAfterMs, this.lastPauseMs * 2)
    return this.lastPauseMs
  }

  /** Records the end of a started request at `now`. */
  finish (now: number, outcome: LedgerOutcome): void {
    this.inFlight = Math.max(0, this.inFlight - 1)
    const s = this.settings
    if (outcome.kind === 'throttled') {
      this.throttled++
      if (now - this.lastDecreaseAt >= s.decreaseHoldMs) {
        this.limitValue = Math.max(1, this.limitValue * s.decrease)
        this.lastDecreaseAt = now
      }
      this.pausedUntil = Math.max(this.pausedUntil, now + (outcome.retryAfterMs ?? this.pauseWithoutRetryAfter(now)))
      return
    }
    // Only a success after the pause starts the doubling over: calls already in flight when the
    // 429 came that succeed during the pause, and failures, say nothing about the throttling now.
    if (outcome.kind === 'ok' && now >= this.pausedUntil) this.lastPauseMs = 0
    this.done.push(now)
    if (outcome.kind === 'ok' && this.limitValue < s.budget) {
      this.limitValue = Math.min(s.budget, this.limitValue + (s.increase * s.budget) / this.limitValue)
    }
  }
}
