/**
 * The periodic reconciliation pass (spec/vault-sync-api.md §7; decisions D-2, D-13, D-15.14):
 * - removed associations that settled `UNSYNCED` are dropped after the retention period, and
 *   `UNSYNCED` entries of keys gone from a `secret-key` secret likewise (FR-07);
 * - associations left in an error status with nothing queued (e.g. `sync queue is full`) are
 *   queued again;
 * - destinations hidden by a DELETE are dropped once their unsyncs settled.
 * It never undoes out-of-band edits in Azure (Vault does not either).
 */
import type { SyncWorkRepo } from '../../db/sync-work-repo.js'
import type { Services } from '../services.js'

type Deps = Pick<Services, 'db' | 'syncRepos' | 'destinationService' | 'syncConfig'>

/** Creates the pass over the services and the worker repo. */
export function createReconciler (services: Deps, work: SyncWorkRepo, settings: { unsyncedRetentionMs: number, reconcileIntervalMs: number }) {
  const { outbox } = services.syncRepos
  return {
    /** One pass at time `now` (ms). */
    run (now: number): void {
      services.db.transaction(() => {
        for (const id of work.expiredRemoved(now - settings.unsyncedRetentionMs)) work.deleteAssociation(id)
        work.deleteExpiredUnsyncedTargets(now - settings.unsyncedRetentionMs)
        const capacity = services.syncConfig.get().queue_capacity
        for (const id of work.erroredIdle(now - Math.min(settings.reconcileIntervalMs, 60_000))) {
          if (work.countRows() >= capacity) break
          outbox.markDirty(id, now)
        }
      })()
      services.destinationService.dropSettledHidden()
    }
  }
}
