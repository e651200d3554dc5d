/**
 * Queuing sync work (decisions D-1, D-15.14): the one `enqueue` every caller uses (association
 * set/remove, KV changes, destination updates and purges, the reconciliation pass, the worker's
 * re-queue of a co-owner), so the capacity and status rules hold everywhere:
 * - a row already queued for the association costs nothing (it coalesces: its generation is
 *   bumped by `outbox.markDirty`, D-1); a new row is refused once `queue_capacity` rows are queued;
 * - when refused, `whenFull` says what happens: `refuse` throws Vault's 503 (the caller's
 *   unit of work rolls back: an API request), `error` shows the association `INTERNAL_VAULT_ERROR`
 *   `sync queue is full` (a KV write never fails because of sync; the reconciliation pass
 *   queues it later), `skip` leaves everything as it is;
 * - when queued, `status` (if given) is shown on the association and its targets.
 *
 * `enqueue` runs on the `Store` as one unit of work (inside the caller's unit it joins it as a
 * savepoint); the capacity check and the insert are one repository call, `outbox.markDirtyWithin`:
 * on SQLite under the unit's write lock, on PostgreSQL under a transaction-scoped advisory lock
 * taken only for a new row, then one INSERT … SELECT … WHERE count < capacity … ON CONFLICT
 * statement, so enqueuers on several replicas never exceed `queue_capacity` together (the lock
 * is held until the enqueuing unit commits: units adding new rows queue behind each other).
 *
 * Listeners (the worker's wake-up) are called after each queued row and must only schedule work.
 */
import type { Repositories, Store } from '../../db/store/repositories.js'
import { VaultError } from '../vault/errors.js'
import type { SyncConfig } from './sync-types.js'

export interface EnqueueOptions {
  /** An explicit `associations/set`: write even when nothing changed (D-8). */
  refresh?: boolean
  /** The status to show while queued (`PENDING`, `UNSYNCING`); unchanged when absent. */
  status?: string
  /** What a full queue means for this caller. */
  whenFull: 'refuse' | 'error' | 'skip'
}

export interface SyncOutboxDeps {
  store: Pick<Store, 'transaction'>
  config: { read: () => Promise<SyncConfig> }
}

/** The message of an association that could not be queued. */
export const QUEUE_FULL_MESSAGE = 'sync queue is full'

/**
 * Whether `err` is the outbox row's foreign key failing: the association was deleted by a unit
 * that committed after the caller read it (a purge, a force delete, the reconciler), which
 * PostgreSQL's READ COMMITTED lets happen (23503); SQLite's units run one at a time.
 */
const associationGone = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
}

const queueFull = (capacity: number): VaultError =>
  new VaultError(503, [`sync queue is full (queue_capacity=${capacity}); retry later`])

/** Creates the enqueue side of the outbox. */
export function createSyncOutbox ({ store, config }: SyncOutboxDeps) {
  const listeners: Array<() => void> = []
  const notify = (): void => { for (const l of listeners) l() }

  async function enqueueIn (repos: Repositories, associationId: string, at: number, opts: EnqueueOptions): Promise<boolean> {
    const { queue_capacity: capacity } = await config.read()
    if (await repos.outbox.markDirtyWithin(associationId, at, opts.refresh === true, capacity) === undefined) {
      if (opts.whenFull === 'refuse') throw queueFull(capacity)
      if (opts.whenFull === 'error') {
        await repos.associations.setStatus(associationId, 'INTERNAL_VAULT_ERROR', QUEUE_FULL_MESSAGE, at)
        await repos.associations.setTargetsStatus(associationId, 'INTERNAL_VAULT_ERROR', QUEUE_FULL_MESSAGE, at)
      }
      return false
    }
    if (opts.status !== undefined) {
      await repos.associations.setStatus(associationId, opts.status, null, at)
      await repos.associations.setTargetsStatus(associationId, opts.status, null, at)
    }
    return true
  }

  return {
    /**
     * Queues `associationId` at `at` (epoch ms) under the rules above, in one unit of work (the
     * caller's, when called inside one); resolves true when queued, false when not (full, or the
     * association deleted meanwhile: nothing of the enqueue is kept, the caller's unit goes on, so
     * a KV write racing a purge is not lost to a 500).
     * @throws VaultError 503 when full and `whenFull` is `refuse` (nothing of the enqueue is kept).
     */
    async enqueue (associationId: string, at: number, opts: EnqueueOptions): Promise<boolean> {
      const queued = await store.transaction(async (repos) => await enqueueIn(repos, associationId, at, opts))
        .catch((err: unknown) => { if (associationGone(err)) return false; throw err })
      if (queued) notify()
      return queued
    },
    /** Calls `listener` after every queued row (after the enqueue: schedule only). */
    onEnqueued (listener: (() => void)): void { listeners.push(listener) }
  }
}

export type SyncOutbox = ReturnType<typeof createSyncOutbox>
