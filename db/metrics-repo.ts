/**
 * Read-only aggregate queries behind the cluster-wide metrics (`src/metrics/`): destinations and
 * associations per type and status, and the outbox per destination. Counts only; never a secret
 * path or name. Times are epoch ms.
 */
import type { Db } from './database.js'

export interface TypeCount { type: string, n: number }
export interface StatusCount { type: string, status: string, n: number }
export interface QueueRow { type: string, name: string, depth: number, oldest_at: number | null, leased: number }

export interface MetricsRepo {
  /** Live destinations (not hidden by a DELETE) per type. */
  destinationsByType: () => TypeCount[]
  /** Live associations (not removed) per destination type. */
  associationsByType: () => TypeCount[]
  /** Associations (removed ones included: they are still listed) per destination type and status. */
  associationsByStatus: () => StatusCount[]
  /** Outbox rows per live destination (and per deleted one while rows remain): depth, creation time of the oldest, rows under lease at `now`. */
  queueByDestination: (now: number) => QueueRow[]
}

/** Prepared statements for the metrics collectors. */
export function createMetricsRepo (db: Db): MetricsRepo {
  const destinations = db.prepare<[], TypeCount>('SELECT type, count(*) AS n FROM destinations WHERE deleted_at IS NULL GROUP BY type')
  const associations = db.prepare<[], TypeCount>(`SELECT d.type AS type, count(*) AS n FROM associations a
    JOIN destinations d ON d.id = a.destination_id WHERE a.removed = 0 GROUP BY d.type`)
  const byStatus = db.prepare<[], StatusCount>(`SELECT d.type AS type, a.status AS status, count(*) AS n FROM associations a
    JOIN destinations d ON d.id = a.destination_id GROUP BY d.type, a.status`)
  const queue = db.prepare<[number], QueueRow>(`SELECT d.type AS type, d.name AS name, count(o.association_id) AS depth,
    min(o.created_at) AS oldest_at, coalesce(sum(o.lease_until > ?), 0) AS leased
    FROM destinations d LEFT JOIN associations a ON a.destination_id = d.id
    LEFT JOIN sync_outbox o ON o.association_id = a.id
    WHERE d.deleted_at IS NULL OR o.association_id IS NOT NULL GROUP BY d.id`)
  return {
    destinationsByType: () => destinations.all(),
    associationsByType: () => associations.all(),
    associationsByStatus: () => byStatus.all(),
    queueByDestination: (now) => queue.all(now)
  }
}
