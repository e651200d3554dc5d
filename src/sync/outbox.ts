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

  /**
   * Queues `ids` (sorted by id) in the unit of `repos`. Lock order on PostgreSQL: the
   * associations' destinations first, in id order (`destinations.lockForViewChange`: each status
   * change bumps its destination's view generation), then the status of every association (its
   * row, then its targets), in id order, then the queue's capacity lock and the outbox rows, as
   * the worker's settle does (destination, association, targets, outbox row) and a purge
   * (destination, then its associations). Units taking them in other orders (a KV write's
   * associations in no order, the capacity lock held while the next association waited, an
   * association locked before its destination) deadlocked with each other and with the worker's
   * settles: purges answered 500 and KV writes waited seconds (replica explorer).
   */
  async function enqueueIn (repos: Repositories, ids: readonly string[], at: number, opts: EnqueueOptions): Promise<boolean[]> {
    if (opts.status !== undefined && opts.whenFull === 'skip') throw new TypeError('enqueue: a status needs whenFull "refuse" or "error" (it is shown before the row is queued)')
    const { queue_capacity: capacity } = await config.read()
    const sorted = [...ids].sort()
    // Also without a status: a full queue's INTERNAL_VAULT_ERROR is a status change (SQLite: no statement).
    await repos.destinations.lockForViewChange([], sorted)
    if (opts.status !== undefined) {
      for (const id of sorted) {
        await repos.associations.setStatus(id, opts.status, null, at)
        await repos.associations.setTargetsStatus(id, opts.status, null, at)
      }
    }
    const refused: string[] = []
    for (const id of sorted) {
      if (await repos.outbox.markDirtyWithin(id, at, opts.refresh === true, capacity) === undefined) refused.push(id)
    }
    if (refused.length > 0 && opts.whenFull === 'refuse') throw queueFull(capacity)
    for (const id of opts.whenFull === 'error' ? refused : []) {
      await repos.associations.setStatus(id, 'INTERNAL_VAULT_ERROR', QUEUE_FULL_MESSAGE, at)
      await repos.associations.setTargetsStatus(id, 'INTERNAL_VAULT_ERROR', QUEUE_FULL_MESSAGE, at)
    }
    return ids.map((id) => !refused.includes(id))
  }

  /**
   * Queues `associationId` at `at` (epoch ms) under the rules above, in one unit of work (the
   * caller's, when called inside one); resolves true when queued, false when not (full, or the
   * association deleted meanwhile: nothing of the enqueue is kept, the caller's unit goes on, so
   * a KV write racing a purge is not lost to a 500).
   * @throws VaultError 503 when full and `whenFull` is `refuse` (nothing of the enqueue is kept).
   */
  async function enqueue (associationId: string, at: number, opts: EnqueueOptions): Promise<boolean> {
    const [queued] = await store.transaction(async (repos) => await enqueueIn(repos, [associationId], at, opts))
      .catch((err: unknown) => { if (associationGone(err)) return [false]; throw err })
    if (queued) notify()
    return queued
  }

  /**
   * Queues several associations at `at` in one unit (the caller's, when inside one), in the lock
   * order above; resolves, per id of `ids`, whether it was queued. One deleted meanwhile makes
   * it queue them one by one (each as `enqueue`).
   * @throws VaultError 503 when one is refused and `whenFull` is `refuse` (nothing is kept).
   */
  async function enqueueMany (ids: readonly string[], at: number, opts: EnqueueOptions): Promise<boolean[]> {
    if (ids.length === 0) return []
    let queued: boolean[]
    try {
      queued = await store.transaction(async (repos) => await enqueueIn(repos, ids, at, opts))
    } catch (err) {
      if (!associationGone(err)) throw err
      queued = []
      for (const id of ids) queued.push(await enqueue(id, at, opts))
      return queued
    }
    if (queued.includes(true)) notify()
    return queued
  }

  return {
    enqueue,
    enqueueMany,
    /** Calls `listener` after every queued row (after the enqueue: schedule only). */
    onEnqueued (listener: (() => void)): void { listeners.push(listener) }
  }
}

export type SyncOutbox = ReturnType<typeof createSyncOutbox>
