/**
 * Queuing sync work (decisions D-1, D-15.14): the one `enqueue` every caller uses (association
 * set/remove, KV changes, destination updates and purges, the reconciliation pass, the worker's
 * re-queue of a co-owner), so the capacity and status rules hold everywhere:
 * - a row already queued for the association costs nothing (it coalesces: its generation is
 *   bumped, D-1); a new row is refused once `queue_capacity` rows are queued;
 * - when refused, `whenFull` says what happens: `refuse` throws Vault's 503 (the caller's
 *   transaction rolls back: an API request), `error` shows the association `INTERNAL_VAULT_ERROR`
 *   `sync queue is full` (a KV write never fails because of sync; the reconciliation pass
 *   queues it later), `skip` leaves everything as it is;
 * - when queued, `status` (if given) is shown on the association and its targets.
 * `enqueue` runs inside the caller's transaction; listeners (the worker's wake-up) are called
 * after each queued row and must only schedule work.
 */
import type { AssociationsRepo } from '../../db/associations-repo.js'
import type { OutboxRepo } from '../../db/outbox-repo.js'
import { VaultError } from '../vault/errors.js'
import type { SyncConfigService } from './sync-config-service.js'

export interface EnqueueOptions {
  /** An explicit `associations/set`: write even when nothing changed (D-8). */
  refresh?: boolean
  /** The status to show while queued (`PENDING`, `UNSYNCING`); unchanged when absent. */
  status?: string
  /** What a full queue means for this caller. */
  whenFull: 'refuse' | 'error' | 'skip'
}

export interface SyncOutboxDeps {
  outbox: Pick<OutboxRepo, 'markDirty' | 'has' | 'count'>
  associations: Pick<AssociationsRepo, 'setStatus' | 'setTargetsStatus'>
  config: Pick<SyncConfigService, 'get'>
}

/** The message of an association that could not be queued. */
export const QUEUE_FULL_MESSAGE = 'sync queue is full'

/** Creates the enqueue side of the outbox. */
export function createSyncOutbox ({ outbox, associations, config }: SyncOutboxDeps) {
  const listeners: Array<() => void> = []

  /** True when queuing `associationId` fits in `queue_capacity` (an existing row always fits). */
  function hasRoom (associationId: string): boolean {
    return outbox.has(associationId) || outbox.count() < config.get().queue_capacity
  }

  const queueFull = (): VaultError =>
    new VaultError(503, [`sync queue is full (queue_capacity=${config.get().queue_capacity}); retry later`])

  return {
    hasRoom,
    /**
     * Queues `associationId` at `at` (epoch ms) under the rules above; true when queued.
     * @throws VaultError 503 when full and `whenFull` is `refuse`.
     */
    enqueue (associationId: string, at: number, opts: EnqueueOptions): boolean {
      if (!hasRoom(associationId)) {
        if (opts.whenFull === 'refuse') throw queueFull()
        if (opts.whenFull === 'error') {
          associations.setStatus(associationId, 'INTERNAL_VAULT_ERROR', QUEUE_FULL_MESSAGE, at)
          associations.setTargetsStatus(associationId, 'INTERNAL_VAULT_ERROR', QUEUE_FULL_MESSAGE, at)
        }
        return false
      }
      if (opts.status !== undefined) {
        associations.setStatus(associationId, opts.status, null, at)
        associations.setTargetsStatus(associationId, opts.status, null, at)
      }
      outbox.markDirty(associationId, at, opts.refresh === true)
      for (const l of listeners) l()
      return true
    },
    /** Calls `listener` after every queued row (inside the caller's transaction: schedule only). */
    onEnqueued (listener: () => void): void { listeners.push(listener) }
  }
}

export type SyncOutbox = ReturnType<typeof createSyncOutbox>
