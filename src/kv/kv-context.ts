/**
 * What every KV v2 operation shares: the store, the clock, and `mutate`, which runs a mutation in
 * ONE synchronous better-sqlite3 transaction and, when the mutation changed something, calls each
 * registered `KvChangeHook` inside that same transaction (`kv-events.ts`). A hook that throws rolls
 * the whole mutation back and the error reaches the caller.
 */
import type { Db } from '../../db/database.js'
import type { KvRepo } from '../../db/kv-repo.js'
import type { Sealer } from '../crypto/seal.js'
import type { KvChange, KvChangeHook } from './kv-events.js'
import { createKvStore, type KvStore } from './kv-store.js'
import { createMicroClock, type MicroClock } from './kv-time.js'

export interface KvServiceDeps {
  db: Db
  repo: KvRepo
  sealer: Sealer
  /** Live list of hooks (services.kvChangeHooks); read at each mutation, so later registrations count. */
  hooks: readonly KvChangeHook[]
  /** Microsecond clock; a strictly increasing wall clock by default. */
  clock?: MicroClock
}

export interface KvContext {
  store: KvStore
  /** Now, in microseconds since the epoch. */
  now: MicroClock
  /**
   * Runs `fn` in one transaction. `fn` calls `changed()` when it modified state; the hooks then
   * fire with `{accessor, path, kind}` before the commit.
   */
  mutate: <T>(change: KvChange, fn: (changed: () => void) => T) => T
}

/** Builds the shared context. */
export function createKvContext ({ db, repo, sealer, hooks, clock }: KvServiceDeps): KvContext {
  const store = createKvStore({ repo, sealer })
  // One transaction function for every mutation (better-sqlite3 builds a wrapper per `transaction()` call).
  const inTransaction = db.transaction((change: KvChange, fn: (changed: () => void) => unknown): unknown => {
    let dirty = false
    const result = fn(() => { dirty = true })
    if (dirty) for (const hook of [...hooks]) hook({ ...change })
    return result
  })
  const mutate = <T>(change: KvChange, fn: (changed: () => void) => T): T => inTransaction(change, fn) as T
  return { store, now: clock ?? createMicroClock(), mutate }
}
