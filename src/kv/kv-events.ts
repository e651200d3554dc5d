/**
 * The one hook point between KV v2 and everything that reacts to KV changes (the sync outbox,
 * association rules). KV knows nothing of sync: each KV mutation awaits the registered hooks
 * inside the unit of work (`Store.transaction`) that changes the state, so a reaction is recorded
 * atomically with the change (or not at all).
 */
import type { Repositories, SyncRepositories } from '../../db/store/repositories.js'

/** What changed. `path` is the secret's key inside the mount, without leading `/`. */
export interface KvChange {
  /** The mount's accessor (`kv_1a2b3c4d`). */
  accessor: string
  path: string
  kind: 'write' | 'patch' | 'delete' | 'undelete' | 'destroy' | 'metadata-write' | 'metadata-delete'
}

/**
 * Called inside the mutation's unit of work with the unit's repositories (`repos`), after the
 * change and before the commit. It may await `repos` (and other services' storage calls) only:
 * no network I/O, no timers (R2-3). A rejection (or throw) rolls the whole mutation back and
 * reaches the caller. (A synchronous hook still on the better-sqlite3 handle runs in the same
 * SQLite transaction, sharing the connection, while its area moves to the Store.)
 */
export type KvChangeHook = ((change: KvChange, repos: Repositories) => void | Promise<void>) & {
  /**
   * Optional: true when the hook would do nothing for `change`, decided synchronously on SQLite's
   * synchronous repositories inside the change's transaction (`Store.runSync`). When every
   * hook has one and says so, the mutation may run synchronously, without calling the hooks.
   */
  idle?: (change: KvChange, repos: SyncRepositories) => boolean
}
