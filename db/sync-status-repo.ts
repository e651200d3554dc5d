/**
 * Read-only queries behind `GET sys/sync-ext/status` (round2.md R2-2): live destinations, their
 * associations with targets and outbox state, and queue counters. Nothing here writes; times
 * are epoch ms as stored (decisions D-1).
 */
import type { AssociationRow, TargetRow } from './associations-repo.js'
import type { Db } from './database.js'
import type { DestinationRow } from './destinations-repo.js'

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

export interface SyncStatusRepo {
  /** Live destinations, ordered by type then name. */
  destinations: () => DestinationRow[]
  /** Every association of a live destination (removed ones included), with outbox state. */
  associations: () => StatusAssociationRow[]
  /** Every target of the associations of live destinations. */
  targets: () => TargetRow[]
  queue: (now: number) => QueueCounts
}

/** Prepared statements for the status extension. */
export function createSyncStatusRepo (db: Db): SyncStatusRepo {
  const destinations = db.prepare<[], DestinationRow>(
    'SELECT * FROM destinations WHERE deleted_at IS NULL ORDER BY type, name')
  const associations = db.prepare<[], StatusAssociationRow>(`SELECT a.*, o.attempts, o.next_attempt_at,
    o.first_failure_at, o.lease_until FROM associations a JOIN destinations d ON d.id = a.destination_id
    LEFT JOIN sync_outbox o ON o.association_id = a.id WHERE d.deleted_at IS NULL ORDER BY a.accessor, a.secret_path`)
  const targets = db.prepare<[], TargetRow>(`SELECT t.* FROM association_targets t
    JOIN associations a ON a.id = t.association_id JOIN destinations d ON d.id = a.destination_id
    WHERE d.deleted_at IS NULL ORDER BY t.association_id, t.sub_key`)
  const queue = db.prepare<[number, number, number, number], { depth: number, due: number, in_flight: number, next_at: number | null }>(`SELECT
    count(*) AS depth,
    sum(CASE WHEN next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) THEN 1 ELSE 0 END) AS due,
    sum(CASE WHEN lease_until > ? THEN 1 ELSE 0 END) AS in_flight,
    min(CASE WHEN next_attempt_at > ? THEN next_attempt_at END) AS next_at
    FROM sync_outbox`)
  return {
    destinations: () => destinations.all(),
    associations: () => associations.all(),
    targets: () => targets.all(),
    queue: (now) => {
      const r = queue.get(now, now, now, now)
      return { depth: r?.depth ?? 0, due: r?.due ?? 0, inFlight: r?.in_flight ?? 0, nextAttemptAt: r?.next_at ?? null }
    }
  }
}
