/**
 * Minimum interval between sync attempts of one association (issue 17, coalescing by design).
 * The outbox already folds changes: while an attempt is in flight or waiting for its vault's
 * budget, further KV changes only bump the row's generation, and the next attempt plans from
 * the KV state *now* (one write of the newest value). This module bounds how often that next
 * attempt may start: a row claimed less than `minIntervalMs` after its association's previous
 * attempt started is put back (re-armed at the earliest allowed time) instead of run, so a
 * burst of updates to one secret costs at most one Azure write (one version) per interval plus
 * the final one. The first change after a quiet period is never delayed.
 *
 * State is one timestamp per association that started an attempt within the last interval
 * (kept in start order and expired from the front), so memory does not grow with idle
 * associations. Times are ms on the worker's clock.
 */

export interface WriteSpacing {
  /** When `associationId` may start its next attempt: `now` or later. */
  allowedAt: (associationId: string, now: number) => number
  /** Records that an attempt of `associationId` starts at `now`. */
  started: (associationId: string, now: number) => void
  /** Records that `associationId` was put back until `until` (it counts as pending work for `whenIdle`). */
  deferred: (associationId: string, until: number) => void
  /** The latest time a put-back row is due, or undefined when none is pending at `now`. */
  pendingUntil: (now: number) => number | undefined
  /** Associations tracked (for tests of the memory bound). */
  size: () => number
}

/** Creates the spacing for `minIntervalMs` (0 turns it off). */
export function createWriteSpacing (minIntervalMs: number): WriteSpacing {
  const lastStart = new Map<string, number>() // insertion order == start order
  const waiting = new Map<string, number>()

  function expire (now: number): void {
    for (const [id, at] of lastStart) {
      if (at + minIntervalMs > now) break
      lastStart.delete(id)
    }
    for (const [id, until] of waiting) if (until <= now) waiting.delete(id)
  }

  return {
    allowedAt (id, now) {
      if (minIntervalMs <= 0) return now
      const last = lastStart.get(id)
      return last === undefined ? now : Math.max(now, last + minIntervalMs)
    },
    started (id, now) {
      waiting.delete(id)
      if (minIntervalMs <= 0) return
      lastStart.delete(id)
      lastStart.set(id, now)
      expire(now)
    },
    deferred (id, until) { waiting.set(id, until) },
    pendingUntil (now) {
      expire(now)
      let latest: number | undefined
      for (const until of waiting.values()) if (latest === undefined || until > latest) latest = until
      return latest
    },
    size: () => lastStart.size + waiting.size
  }
}
