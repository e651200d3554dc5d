/**
 * The periodic reconciliation pass (spec/vault-sync-api.md §7; decisions D-2, D-13, D-15.14):
 * - removed associations that settled `UNSYNCED` are dropped after the retention period, and
 *   `UNSYNCED` entries of keys gone from a `secret-key` secret likewise (FR-07);
 * - associations left in an error status with nothing queued (e.g. `sync queue is full`) are
 *   queued again;
 * - destinations hidden by a DELETE are dropped once their unsyncs settled, and purged ones
 *   (`DELETE ?purge=true`) once no association is left.
 * It never undoes out-of-band edits in Azure (Vault does not either). Two units of work (the
 * deletions, every live destination locked first on PostgreSQL; the re-queues), then the
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
        const expired = await queue.expiredRemoved(now - settings.unsyncedRetentionMs)
        const live = await destinations.allLive()
        // Deleting associations and targets bumps their destinations' view generation: every
        // destination concerned is locked first, in id order (PostgreSQL; `lockForViewChange`).
        // The expired targets are those of live associations, so of live destinations.
        await destinations.lockForViewChange(live.map((d) => d.id), expired)
        for (const id of expired) await associations.delete(id)
        await associations.deleteExpiredUnsyncedTargets(now - settings.unsyncedRetentionMs)
        // A purge left with only removed associations whose unsync settled is done (D-15.4): one
        // an older build left stuck, or one whose last unsync settled before the purge was seen.
        for (const d of live) {
          if (d.purge_state !== 'purging') continue
          if ((await associations.ofDestination(d.id)).some((a) => a.removed === 0)) continue
          if (await queue.countForDestination(d.id) === 0) await destinations.delete(d.id)
        }
      })
      // Apart, so the destinations locked above are not held while the queue fills.
      await services.store.transaction(async ({ associations, destinations, outbox: queue }) => {
        // Errored associations with nothing queued go again, as far as the queue has room; their
        // destinations locked at once, in id order (each enqueue would lock its own in turn).
        const errored: string[] = []
        for (const id of await associations.erroredBefore(now - Math.min(settings.reconcileIntervalMs, 60_000))) {
          if (!await queue.has(id)) errored.push(id)
        }
        await destinations.lockForViewChange([], errored)
        for (const id of errored) {
          if (!await services.outbox.enqueue(id, now, { whenFull: 'skip' })) break
        }
      })
      await services.store.repos.outbox.deleteSettledHidden()
    }
  }
}
