/**
 * Read-only queries behind `GET sys/sync-ext/status` (round2.md R2-2): live destinations, their
 * associations with targets and outbox state, and queue counters. Nothing here writes; times
 * are epoch ms as stored (decisions D-1). The statements live with their tables (the outbox's in
 * `outbox-repo.ts`, the targets' in `associations-repo.ts`); this is the read model's view.
 */
import { createAssociationsRepo, type TargetRow } from './associations-repo.js'
import type { Db } from './database.js'
import { createDestinationsRepo, type DestinationRow } from './destinations-repo.js'
import { createOutboxRepo, type QueueCounts, type StatusAssociationRow } from './outbox-repo.js'

export type { QueueCounts, StatusAssociationRow }

export interface SyncStatusRepo {
  /** Live destinations, ordered by type then name. */
  destinations: () => DestinationRow[]
  /** Every association of a live destination (removed ones included), with outbox state. */
  associations: () => StatusAssociationRow[]
  /** Every target of the associations of live destinations. */
  targets: () => TargetRow[]
  queue: (now: number) => QueueCounts
}

/** The status read model over the repositories. */
export function createSyncStatusRepo (db: Db): SyncStatusRepo {
  const outbox = createOutboxRepo(db)
  const associations = createAssociationsRepo(db)
  const destinations = createDestinationsRepo(db)
  return {
    destinations: () => destinations.allLive(),
    associations: () => outbox.associationsWithState(),
    targets: () => associations.targetsOfLiveDestinations(),
    queue: (now) => outbox.counts(now)
  }
}
