/**
 * The sync outbox (`sync_outbox`, decisions D-1): one row per association that needs work, and
 * the only home of every statement that reads or writes it (the queue side for the services,
 * the claim/settle side for the worker, and the "nothing queued any more" checks).
 *
 * `markDirty` runs inside the caller's transaction and coalesces: a second mark of the same
 * association bumps `generation` (so a worker that claimed the row at an older generation
 * re-queues it instead of deleting it) and makes it due now. `refresh` records that an explicit
 * `associations/set` asked for a write even if nothing changed (D-8); it stays set until the
 * worker settles the row, or until an attempt that will be retried has recorded its writes
 * (`refreshDone`: the retry writes only what is still due). Callers queue through `src/sync/outbox.ts` (`enqueue`), which applies
 * the capacity and status rules. Times are epoch ms; every function is synchronous.
 */
import type { AssociationRow } from './associations-repo.js'
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

/** An association with its outbox row's retry state (`null` when nothing is queued). */
export interface StatusAssociationRow extends AssociationRow {
  attempts: number | null
  next_attempt_at: number | null
  first_failure_at: number | null
  lease_until: number | null
}

/** Queue counters at one instant. */
export interface QueueCounts {
  /** Rows in the outbox (what `queue_capacity` bounds). */
  depth: number
  /** Rows due now and not leased. */
  due: number
  /** Rows a worker holds under a lease (attempts in flight). */
  inFlight: number
  /** Earliest `next_attempt_at` of a row that waits for a retry, or `null`. */
  nextAttemptAt: number | null
}

/** Outbox rows of one destination (metrics). */
export interface QueueRow { type: string, name: string, depth: number, oldest_at: number | null, leased: number }

/**
 * A claimed outbox row; a scoped claim also returns its destination's vault key (issue 18), so
 * the worker knows which lease the row's settle runs under.
 */
export type ClaimedRow = OutboxRow & { first_failure_at: number | null, vault_key?: string | null }

/**
 * The rows a replica works on (issue 18: work is owned per Key Vault): those whose destination's
 * `vault_key` is in `vaults`, and, with `unkeyed`, those whose destination has none yet (the
 * maintenance holder's). No scope means every row (one process owns everything).
 */
export interface ClaimScope { vaults: readonly string[], unkeyed: boolean }

export interface OutboxRepo {
  /** Inserts the row (generation 1) or bumps its generation; due at `now`, attempts reset; `refresh` is OR-ed in. */
  markDirty: (associationId: string, now: number, refresh?: boolean) => void
  has: (associationId: string) => boolean
  byAssociation: (associationId: string) => OutboxRow | undefined
  /** Rows in the queue (the quantity `queue_capacity` bounds, D-15.14). */
  count: () => number
  /**
   * Whether fewer than `capacity` rows are queued: `count() < capacity`, decided without counting
   * while the rows' rowid span (`max(rowid) - min(rowid) + 1`, an upper bound of the count: two
   * index seeks) is under `capacity`, which is nearly always (session 12: `count(*)` walks every
   * row, 6.7 µs at 10,000 queued and some 0.7 ms at a million, on every new association).
   */
  fewerThan: (capacity: number) => boolean
  /** Rows of the associations of one destination. */
  countForDestination: (destinationId: string) => number

  /** Leases up to `limit` due rows (`next_attempt_at <= now`, lease free or expired) until `leaseUntil`, within `scope` (all rows when absent). */
  claim: (now: number, limit: number, leaseUntil: number, scope?: ClaimScope) => ClaimedRow[]
  /** Earliest time a row (within `scope`, all when absent) becomes claimable, or undefined when there is none. */
  nextDueAt: (scope?: ClaimScope) => number | undefined
  /** Frees every lease (start-up: the previous process died mid-attempt). Returns how many. */
  releaseAllLeases: () => number
  /**
   * Frees the row leases of the destinations whose vault key is in `vaults` (a replica that just
   * took those vaults' leases: the previous owner's attempts are fenced off). Returns how many.
   */
  releaseVaultLeases: (vaults: readonly string[]) => number
  /** Deletes the row if its generation is still `generation`; true when deleted. */
  complete: (associationId: string, generation: number) => boolean
  /** Frees the lease and re-arms the row at `nextAt` if its generation is still `generation`; else just frees it. */
  retry: (associationId: string, generation: number, nextAt: number, attempts: number, firstFailureAt: number | null) => void
  /** Clears the row's `refresh` if its generation is still `generation` (a newer `set` keeps its own). */
  refreshDone: (associationId: string, generation: number) => void

  /** Removed associations that settled `UNSYNCED` before `before`, with no outbox row. */
  expiredRemoved: (before: number) => string[]
  /** Deletes removed associations of a destination that have no outbox row (settled unsyncs). */
  deleteSettledRemoved: (destinationId: string) => void
  /** Deletes hidden destinations none of whose associations has an outbox row left; returns how many. */
  deleteSettledHidden: () => number

  /** Every association of a live destination (removed ones included), with its outbox state (status read model). */
  associationsWithState: () => StatusAssociationRow[]
  /** Queue counters at `now`. */
  counts: (now: number) => QueueCounts
  /** Outbox rows per live destination (and per deleted one while rows remain): depth, creation time of the oldest, rows under lease at `now`. */
  queueByDestination: (now: number) => QueueRow[]
}

/** Prepared statements over `sync_outbox`. */
export function createOutboxRepo (db: Db): OutboxRepo {
  const mark = db.prepare(`INSERT INTO sync_outbox (association_id, generation, refresh, lease_until, attempts, next_attempt_at, created_at)
    VALUES (?, 1, ?, NULL, 0, ?, ?)
    ON CONFLICT (association_id) DO UPDATE SET generation = generation + 1, attempts = 0, first_failure_at = NULL,
    refresh = max(refresh, excluded.refresh), next_attempt_at = excluded.next_attempt_at`)
  const byAssociation = db.prepare<[string], OutboxRow>('SELECT * FROM sync_outbox WHERE association_id = ?')
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sync_outbox')
  // Each subquery is one seek (SQLite's min/max optimisation); NULL (0 after coalesce) when empty.
  const span = db.prepare<[], { n: number }>('SELECT coalesce((SELECT max(rowid) FROM sync_outbox) - (SELECT min(rowid) FROM sync_outbox) + 1, 0) AS n')
  const countForDestination = db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM sync_outbox o
    JOIN associations a ON a.id = o.association_id WHERE a.destination_id = ?`)
  const due = db.prepare<[number, number, number], ClaimedRow>(`SELECT * FROM sync_outbox
    WHERE next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at LIMIT ?`)
  const lease = db.prepare('UPDATE sync_outbox SET lease_until = ? WHERE association_id = ?')
  // Index-only: the first unleased row by due time, and the few leased rows (partial index).
  const nextDue = db.prepare<[], { t: number | null }>(`SELECT min(t) AS t FROM (
    SELECT * FROM (SELECT next_attempt_at AS t FROM sync_outbox WHERE lease_until IS NULL ORDER BY next_attempt_at LIMIT 1)
    UNION ALL SELECT max(next_attempt_at, lease_until) AS t FROM sync_outbox INDEXED BY sync_outbox_leased WHERE lease_until IS NOT NULL)`)
  const releaseAll = db.prepare('UPDATE sync_outbox SET lease_until = NULL WHERE lease_until IS NOT NULL')
  // Scoped forms (issue 18; SQLite itself never scopes: one process owns every vault).
  const inScope = `SELECT a.id FROM associations a JOIN destinations d ON d.id = a.destination_id
    WHERE d.vault_key IN (SELECT value FROM json_each(@vaults)) OR (@unkeyed = 1 AND d.vault_key IS NULL)`
  const dueIn = db.prepare<[{ now: number, limit: number, vaults: string, unkeyed: number }], ClaimedRow>(`SELECT o.*, d.vault_key
    FROM sync_outbox o JOIN associations a ON a.id = o.association_id JOIN destinations d ON d.id = a.destination_id
    WHERE o.next_attempt_at <= @now AND (o.lease_until IS NULL OR o.lease_until <= @now)
    AND (d.vault_key IN (SELECT value FROM json_each(@vaults)) OR (@unkeyed = 1 AND d.vault_key IS NULL))
    ORDER BY o.next_attempt_at LIMIT @limit`)
  const nextDueIn = db.prepare<[{ vaults: string, unkeyed: number }], { t: number | null }>(`SELECT
    min(max(next_attempt_at, coalesce(lease_until, 0))) AS t FROM sync_outbox WHERE association_id IN (${inScope})`)
  const releaseIn = db.prepare<[{ vaults: string, unkeyed: number }]>(`UPDATE sync_outbox SET lease_until = NULL
    WHERE lease_until IS NOT NULL AND association_id IN (${inScope})`)
  const scoped = (scope: ClaimScope) => ({ vaults: JSON.stringify(scope.vaults), unkeyed: scope.unkeyed ? 1 : 0 })
  // One transaction function, made once (better-sqlite3 builds a wrapper per `db.transaction` call).
  const claim = db.transaction((now: number, limit: number, leaseUntil: number, scope: ClaimScope | undefined): ClaimedRow[] => {
    const rows = scope === undefined ? due.all(now, now, limit) : dueIn.all({ now, limit, ...scoped(scope) })
    for (const r of rows) lease.run(leaseUntil, r.association_id)
    return rows
  })
  const complete = db.prepare('DELETE FROM sync_outbox WHERE association_id = ? AND generation = ?')
  const retry = db.prepare(`UPDATE sync_outbox SET lease_until = NULL, next_attempt_at = ?, attempts = ?, first_failure_at = ?
    WHERE association_id = ? AND generation = ?`)
  const release = db.prepare('UPDATE sync_outbox SET lease_until = NULL WHERE association_id = ?')
  const refreshDone = db.prepare('UPDATE sync_outbox SET refresh = 0 WHERE association_id = ? AND generation = ?')
  const expiredRemoved = db.prepare<[number], { id: string }>(`SELECT id FROM associations WHERE removed = 1
    AND status = 'UNSYNCED' AND updated_at < ? AND id NOT IN (SELECT association_id FROM sync_outbox)`)
  const deleteSettledRemoved = db.prepare(`DELETE FROM associations WHERE destination_id = ? AND removed = 1
    AND id NOT IN (SELECT association_id FROM sync_outbox)`)
  const deleteSettledHidden = db.prepare(`DELETE FROM destinations WHERE deleted_at IS NOT NULL AND id NOT IN
    (SELECT a.destination_id FROM associations a JOIN sync_outbox o ON o.association_id = a.id)`)
  const withState = db.prepare<[], StatusAssociationRow>(`SELECT a.*, o.attempts, o.next_attempt_at,
    o.first_failure_at, o.lease_until FROM associations a JOIN destinations d ON d.id = a.destination_id
    LEFT JOIN sync_outbox o ON o.association_id = a.id WHERE d.deleted_at IS NULL ORDER BY a.accessor, a.secret_path`)
  const counts = db.prepare<[number, number, number, number], { depth: number, due: number, in_flight: number, next_at: number | null }>(`SELECT
    count(*) AS depth,
    sum(CASE WHEN next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) THEN 1 ELSE 0 END) AS due,
    sum(CASE WHEN lease_until > ? THEN 1 ELSE 0 END) AS in_flight,
    min(CASE WHEN next_attempt_at > ? THEN next_attempt_at END) AS next_at
    FROM sync_outbox`)
  const byDestination = db.prepare<[number], QueueRow>(`SELECT d.type AS type, d.name AS name, count(o.association_id) AS depth,
    min(o.created_at) AS oldest_at, coalesce(sum(o.lease_until > ?), 0) AS leased
    FROM destinations d LEFT JOIN associations a ON a.destination_id = d.id
    LEFT JOIN sync_outbox o ON o.association_id = a.id
    WHERE d.deleted_at IS NULL OR o.association_id IS NOT NULL GROUP BY d.id`)
  return {
    markDirty: (id, now, refresh = false) => { mark.run(id, refresh ? 1 : 0, now, now) },
    has: (id) => byAssociation.get(id) !== undefined,
    byAssociation: (id) => byAssociation.get(id),
    count: () => count.get()?.n ?? 0,
    fewerThan: (capacity) => (span.get()?.n ?? 0) < capacity || (count.get()?.n ?? 0) < capacity,
    countForDestination: (d) => countForDestination.get(d)?.n ?? 0,
    // IMMEDIATE: a deferred transaction that read and then writes fails (SQLITE_BUSY_SNAPSHOT, no
    // busy wait) when another connection committed in between (the checkpoint thread's restart, issue 17).
    claim: (now, limit, leaseUntil, scope) => claim.immediate(now, limit, leaseUntil, scope),
    nextDueAt: (scope) => (scope === undefined ? nextDue.get() : nextDueIn.get(scoped(scope)))?.t ?? undefined,
    releaseAllLeases: () => releaseAll.run().changes,
    releaseVaultLeases: (vaults) => releaseIn.run(scoped({ vaults, unkeyed: false })).changes,
    complete: (id, generation) => complete.run(id, generation).changes > 0,
    retry: (id, generation, nextAt, attempts, firstFailureAt) => {
      if (retry.run(nextAt, attempts, firstFailureAt, id, generation).changes === 0) release.run(id)
    },
    refreshDone: (id, generation) => { refreshDone.run(id, generation) },
    expiredRemoved: (before) => expiredRemoved.all(before).map((r) => r.id),
    deleteSettledRemoved: (d) => { deleteSettledRemoved.run(d) },
    deleteSettledHidden: () => deleteSettledHidden.run().changes,
    associationsWithState: () => withState.all(),
    queueByDestination: (now) => byDestination.all(now),
    counts: (now) => {
      const r = counts.get(now, now, now, now)
      return { depth: r?.depth ?? 0, due: r?.due ?? 0, inFlight: r?.in_flight ?? 0, nextAttemptAt: r?.next_at ?? null }
    }
  }
}
