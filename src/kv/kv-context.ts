/**
 * What every KV v2 operation shares: the store, the clock, and `mutate`, which runs a mutation as
 * ONE unit of work on the async `Store` (`db/store/repositories.ts`) and, when the mutation
 * changed something, awaits each registered `KvChangeHook` inside that same unit with its
 * repositories (`kv-events.ts`). A hook that rejects rolls the whole mutation back and the error
 * reaches the caller. On SQLite, `mutateSync` runs a mutation whose hooks all say they are idle
 * for it (`KvChangeHook.idle`) in one synchronous transaction instead (`Store.runSync`, issue 16).
 */
import { cacheAsyncRepoReads } from '../../db/cached-repo.js'
import type { ChangeCheck } from '../../db/read-cache.js'
import { kvRepoScope, type SqliteKvRepo } from '../../db/kv-repo.js'
import type { Store, SyncRepositories } from '../../db/store/repositories.js'
import type { Sealer } from '../crypto/seal.js'
import type { KvChange, KvChangeHook } from './kv-events.js'
import { createKeyTurns } from './key-turns.js'
import { createKvStore, type KvStore } from './kv-store.js'
import { createMicroClock, type MicroClock } from './kv-time.js'

export interface KvServiceDeps {
  store: Store
  /**
   * The change check of the key metadata, version rows (still sealed) and config cache
   * (`db/read-cache.ts`, issue 16). KV writes cascade nowhere, so they leave the mount and token
   * caches alone and forget only their key.
   */
  changes: ChangeCheck
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
   * Runs `fn` as one unit of work. `fn` calls `changed()` when it modified state; the hooks then
   * run with `{accessor, path, kind}` and the unit's repositories before the commit. `fn` starts
   * its read-modify-write with `store.loadForUpdate` (the key locked until the unit ends).
   */
  mutate: <T>(change: KvChange, fn: (changed: () => void) => Promise<T>) => Promise<T>
  /**
   * The synchronous form of `mutate` on SQLite (`Store.runSync`, issue 16), or undefined when it
   * does not apply (PostgreSQL, a unit open or queued, a hook without `idle`, or one that has
   * something to do for `change`: the caller then takes `mutate`). `fn` runs on the synchronous
   * KV repository inside one transaction, after every hook said it is idle; it must modify state
   * (no hook runs) and return a value other than undefined. With `committed`, the COMMIT may be
   * shared with this turn's other synchronous writes and the work is durable only once
   * `committed()` is called (`Store.runSync`). `oneStatement`: `fn` writes with one statement,
   * as its last step (`Store.runSync`'s `oneStatement`: no savepoint in a shared transaction).
   */
  mutateSync: <T>(change: KvChange, fn: (kv: SqliteKvRepo) => T, committed?: (err?: unknown) => void, oneStatement?: boolean) => T | undefined
  /** Runs `fn` as one unit of work without hooks (engine config writes). */
  unit: <T>(fn: () => Promise<T>) => Promise<T>
}

/** Builds the shared context. */
export function createKvContext ({ store: storage, changes, sealer, hooks, clock }: KvServiceDeps): KvContext {
  const raw = storage.repos.kv
  const repo = cacheAsyncRepoReads(raw, changes, ['config', 'metadata', 'versions', 'versionData'], ['pathsInRange', 'metadataForUpdate', 'keyState'], false, kvRepoScope)
  const store = createKvStore({ repo, raw, sealer })
  const run = async <T>(change: KvChange, fn: (changed: () => void) => Promise<T>): Promise<T> =>
    await storage.transaction(async (repos) => {
      let dirty = false
      const result = await fn(() => { dirty = true })
      if (dirty) {
        for (const hook of [...hooks]) {
          // A synchronous hook (still on the SQLite handle) returns nothing to await.
          const pending = hook({ ...change }, repos)
          if (pending !== undefined) await pending
        }
      }
      return result
    })
  // On PostgreSQL a key's mutations take turns in-process (`key-turns.ts`); SQLite's single
  // writer already serialises every unit.
  const turns = storage.engine === 'postgresql' ? createKeyTurns() : undefined
  const mutate = turns === undefined
    ? run
    : async <T>(change: KvChange, fn: (changed: () => void) => Promise<T>): Promise<T> =>
      await turns(`${change.accessor}\u0000${change.path}`, async () => await run(change, fn))
  /**
   * Changes whose hooks all said idle in the open synchronous group (`Store.runSync` with
   * `committed`), with the number of hooks then; forgotten as the group's COMMIT is reported. While
   * the group is open it holds the write lock and only its synchronous works (changes with idle
   * hooks: nothing that writes associations or rules) run in it, so what the hooks read for the
   * same change is as it was: a later write of the key in the group asks them nothing (issue 16).
   */
  const idleInGroup = new Map<string, Map<string, Map<KvChange['kind'], number>>>()
  /** Every hook has `idle` (read at each mutation: later registrations count). */
  const allCanIdle = (): boolean => {
    for (const h of hooks) if (h.idle === undefined) return false
    return true
  }
  /** Every hook says it has nothing to do for `change`. */
  const allIdle = (change: KvChange, sync: SyncRepositories): boolean => {
    for (const h of hooks) if (h.idle?.(change, sync) !== true) return false
    return true
  }
  // Nested by path, accessor and kind: no key string built and hashed per write (issue 16).
  const idleMark = ({ path, accessor, kind }: KvChange): number | undefined => idleInGroup.get(path)?.get(accessor)?.get(kind)
  const markIdle = ({ path, accessor, kind }: KvChange, count: number): void => {
    let byAccessor = idleInGroup.get(path)
    if (byAccessor === undefined) idleInGroup.set(path, byAccessor = new Map())
    let byKind = byAccessor.get(accessor)
    if (byKind === undefined) byAccessor.set(accessor, byKind = new Map())
    byKind.set(kind, count)
  }
  const unmarkIdle = ({ path, accessor, kind }: KvChange): void => {
    const byAccessor = idleInGroup.get(path)
    const byKind = byAccessor?.get(accessor)
    if (byKind === undefined || !byKind.delete(kind) || byKind.size > 0) return
    byAccessor!.delete(accessor)
    if (byAccessor!.size === 0) idleInGroup.delete(path)
  }
  const mutateSync = <T>(change: KvChange, fn: (kv: SqliteKvRepo) => T, committed?: (err?: unknown) => void, oneStatement = false): T | undefined => {
    if (storage.runSync === undefined || !allCanIdle()) return undefined
    if (committed === undefined) {
      return storage.runSync((sync) => allIdle(change, sync) ? fn(sync.kv) : undefined, undefined, oneStatement)
    }
    const value = storage.runSync((sync) =>
      idleMark(change) === hooks.length || allIdle(change, sync) ? fn(sync.kv) : undefined,
    (err) => {
      unmarkIdle(change)
      committed(err)
    }, oneStatement)
    if (value !== undefined) markIdle(change, hooks.length)
    return value
  }
  return { store, now: clock ?? createMicroClock(), mutate, mutateSync, unit: async (fn) => await storage.transaction(async () => await fn()) }
}
