/**
 * The sync outbox (`sync_outbox`, decisions D-1): one row per association that needs work.
 * `markDirty` runs inside the caller's transaction and coalesces: a second mark of the same
 * association bumps `generation` (so a worker that claimed the row at an older generation
 * re-queues it instead of deleting it) and makes it due now. `refresh` records that an explicit
 * `associations/set` asked for a write even if nothing changed (D-8); it stays set until the
 * worker settles the row. Claim and settle belong to the worker (issue 6). Times are epoch ms.
 */
import type { Db } from './database.js'

export interface OutboxRow {
  association_id: string
  generation: number
  /** 1 when an explicit `associations/set` is pending (always write, D-8). */
  refresh: number
  /** Lease expiry while a worker holds the row, else null. */
  lease_until: number | null
  attempts: number
  next_attempt_at: number
  created_at: number
}

export interface OutboxRepo {
  /** Inserts the row (generation 1) or bumps its generation; due at `now`, attempts reset; `refresh` is OR-ed in. */
  markDirty: (associationId: string, now: number, refresh?: boolean) => void
  has: (associationId: string) => boolean
  byAssociation: (associationId: string) => OutboxRow | undefined
  /** Rows in the queue (the quantity `queue_capacity` bounds, D-15.14). */
  count: () => number
  /** Rows of the associations of one destination. */
  countForDestination: (destinationId: string) => number
  /**
   * Calls `listener` after every `markDirty` (still inside the caller's transaction: the
   * listener must only schedule work, e.g. wake the worker on the next tick).
   */
  onDirty: (listener: () => void) => void
}

/** Prepared statements over `sync_outbox`. */
export function createOutboxRepo (db: Db): OutboxRepo {
  const mark = db.prepare(`INSERT INTO sync_outbox (association_id, generation, refresh, lease_until, attempts, next_attempt_at, created_at)
    VALUES (?, 1, ?, NULL, 0, ?, ?)
    ON CONFLICT (association_id) DO UPDATE SET generation = generation + 1, attempts = 0, first_failure_at = NULL,
    refresh = max(refresh, excluded.refresh), next_attempt_at = excluded.next_attempt_at`)
  const byAssociation = db.prepare<[string], OutboxRow>('SELECT * FROM sync_outbox WHERE association_id = ?')
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sync_outbox')
  const countForDestination = db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM sync_outbox o
    JOIN associations a ON a.id = o.association_id WHERE a.destination_id = ?`)
  const listeners: Array<() => void> = []
  return {
    markDirty: (id, now, refresh = false) => {
      mark.run(id, refresh ? 1 : 0, now, now)
      for (const l of listeners) l()
    },
    onDirty: (listener) => { listeners.push(listener) },
    has: (id) => byAssociation.get(id) !== undefined,
    byAssociation: (id) => byAssociation.get(id),
    count: () => count.get()?.n ?? 0,
    countForDestination: (d) => countForDestination.get(d)?.n ?? 0
  }
}
