/**
 * The one hook point between KV v2 and everything that reacts to KV changes (the sync outbox).
 * KV knows nothing of sync: each KV mutation calls the registered hooks synchronously, inside
 * the SQLite transaction that changes the state, so a reaction is recorded atomically with the
 * change (or not at all).
 */

/** What changed. `path` is the secret's key inside the mount, without leading `/`. */
export interface KvChange {
  /** The mount's accessor (`kv_1a2b3c4d`). */
  accessor: string
  path: string
  kind: 'write' | 'patch' | 'delete' | 'undelete' | 'destroy' | 'metadata-write' | 'metadata-delete'
}

/** Called inside the mutation's transaction; must be synchronous and must not await. */
export type KvChangeHook = (change: KvChange) => void
