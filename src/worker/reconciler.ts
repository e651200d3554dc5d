/**
 * The periodic reconciliation pass (spec/vault-sync-api.md §7; decisions D-2, D-13, D-15.14):
 * - removed associations that settled `UNSYNCED` are dropped after the retention period, and
 *   `UNSYNCED` entries of keys gone from a `secret-key` secret likewise (FR-07);
 * - associations left in an error status with nothing queued (e.g. `sync queue is full`) are
 *   queued again;
 * - destinations hidden by a DELETE are dropped once their unsyncs settled.
 * It never undoes out-of-band edits in Azure (Vault does not either).
 */
import type { WorkerServices } from './worker-deps.js'

type Deps = Pick<WorkerServices, 'work' | 'destinationService'>

/** Creates the pass over the worker's services. */
export function createReconciler (services: Deps, settings: { unsyncedRetentionMs: number, reconcileIntervalMs: number }) {
  const { associations, queue, outbox, transact } = services.work
  return {
    /** One pass at time `now` (ms). */
    run (now: number): void {
      transact(() => {
        for (const id of queue.expiredRemoved(now - settings.unsyncedRetentionMs)) associations.delete(id)
        associations.deleteExpiredUnsyncedTargets(now - settings.unsyncedRetentionMs)
        // Errored associations with nothing queued go again, as far as the queue has room.
        for (const id of associations.erroredBefore(now - Math.min(settings.reconcileIntervalMs, 60_000))) {
          if (queue.has(id)) continue
          if (!outbox.enqueue(id, now, { whenFull: 'skip' })) break
        }
      })
      services.destinationService.dropSettledHidden()
    }
  }
}
