/**
 * The periodic reconciliation pass (spec/vault-sync-api.md §7; decisions D-2, D-13, D-15.14):
 * - removed associations that settled `UNSYNCED` are dropped after the retention period, and
 *   `UNSYNCED` entries of keys gone from a `secret-key` secret likewise (FR-07);
 * - associations left in an error status with nothing queued (e.g. `sync queue is full`) are
 *   queued again;
 * - destinations hidden by a DELETE are dropped once their unsyncs settled, and purged ones
 *   (`DELETE ?purge=true`) once no association is left.
 * It never undoes out-of-band edits in Azure (Vault does not either). One unit of work, then the
 * clean-up of hidden destinations; with several replicas only the `maintenance` lease holder runs
 * it (the worker checks `ownership.maintains()`).
 */
import type { WorkerServices } from './worker-deps.js'

type Deps = Pick<WorkerServices, 'store' | 'outbox'>

/** Creates the pass over the worker's services. */
export function createReconciler (services: Deps, settings: { unsyncedRetentionMs: number, reconcileIntervalMs: number }) {
  return {
    /** One pass at time `now` (ms). */
    async run (now: number): Promise<void> {
      await services.store.transaction(async ({ associations, destinations, outbox: queue }) => {
        for (const id of await queue.expiredRemoved(now - settings.unsyncedRetentionMs)) await associations.delete(id)
        await associations.deleteExpiredUnsyncedTargets(now - settings.unsyncedRetentionMs)
        // A purge left with only removed associations whose unsync settled is done (D-15.4): one
        // an older build left stuck, or one whose last unsync settled before the purge was seen.
        for (const d of await destinations.allLive()) {
          if (d.purge_state !== 'purging') continue
          if ((await associations.ofDestination(d.id)).some((a) => a.removed === 0)) continue
          if (await queue.countForDestination(d.id) === 0) await destinations.delete(d.id)
        }
        // Errored associations with nothing queued go again, as far as the queue has room.
        for (const id of await associations.erroredBefore(now - Math.min(settings.reconcileIntervalMs, 60_000))) {
          if (await queue.has(id)) continue
          if (!await services.outbox.enqueue(id, now, { whenFull: 'skip' })) break
        }
      })
      await services.store.repos.outbox.deleteSettledHidden()
    }
  }
}
