/**
 * Read-only aggregate queries behind the cluster-wide metrics (`src/metrics/`): destinations and
 * associations per type and status, and the outbox per destination. Counts only; never a secret
 * path or name. Times are epoch ms.
 */
import type { Db } from './database.js'
import { createOutboxRepo, type QueueRow } from './outbox-repo.js'

export interface TypeCount { type: string, n: number }
export interface StatusCount { type: string, status: string, n: number }
export type { QueueRow }

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
  // The outbox's statement lives with the outbox (outbox-repo.ts).
  const outbox = createOutboxRepo(db)
  return {
    destinationsByType: () => destinations.all(),
    associationsByType: () => associations.all(),
    associationsByStatus: () => byStatus.all(),
    queueByDestination: (now) => outbox.queueByDestination(now)
  }
}
