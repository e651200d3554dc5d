/**
 * Read-through caches (issue 16): a service keeps rows it reads on every request (the mount
 * table, token rows, KV key metadata) in memory and drops them when they may have changed.
 * Two forms: `cacheRepoReads` over a synchronous better-sqlite3 repo, and `cacheAsyncRepoReads`
 * over an async repository of the `Store` (issue 18), whose hits `peek` answers synchronously
 * (no promise on the request path) and whose misses await the repository; this module holds the
 * keyed caches and the change check, `cached-repo.ts` the repo wrappers over them. Both forget:
 * - on a write through the cached repo, inside the same transaction (unit of work) as the
 *   write, and on a write through any cached repo whose deletes cascade (mounts, tokens);
 * - when another connection, process or replica committed (`ChangeCheck.version` changed;
 *   checked at most once per event-loop turn, so a request sees commits made before it);
 * - never filled inside a transaction after it wrote through a cached repo, so rows a
 *   rolled-back transaction wrote are never kept; an async load that overlapped a write or a
 *   change is not kept either.
 */
import type { Db } from './database.js'

/**
 * The storage's "changed by others" counter, read at most once per event-loop turn: the
 * engine-neutral interface every cache uses (SQLite: `createChangeCheck`, `PRAGMA data_version`;
 * PostgreSQL: a counter bumped by change notifications).
 */
export interface ChangeCheck {
  /** A counter that changes when another connection, process or replica committed (as of this turn). */
  version: () => number
  /**
   * False while the caller is inside a transaction that wrote through a cached repo: what
   * it reads then may be rolled back, so caches read through without storing.
   */
  mayStore: () => boolean
  /** Counts writes that may cascade across tables (every cache of the connection forgets then). */
  epoch: () => number
  /** Records a write through a cached repo; `cascades`: it may change other repos' tables too. */
  wrote: (cascades: boolean) => void
}

/** Creates the change check of the SQLite connection `db` (`PRAGMA data_version`). */
export function createChangeCheck (db: Db): ChangeCheck {
  const stmt = db.prepare<[], number>('PRAGMA data_version').pluck()
  let current = 0
  let fresh = false
  let writes = 0
  let dirtyTransaction = false
  const expire = (): void => { fresh = false }
  return {
    version () {
      if (!fresh) {
        current = stmt.get() ?? 0
        fresh = true
        setImmediate(expire)
      }
      return current
    },
    mayStore () {
      if (!db.inTransaction) dirtyTransaction = false
      return !dirtyTransaction
    },
    epoch: () => writes,
    wrote (cascades) {
      if (cascades) writes++
      if (db.inTransaction) dirtyTransaction = true
    }
  }
}

/**
 * A keyed read-through cache; `undefined` results are cached too (unknown token ids). Entries
 * belong to a scope (`''` unless given) so a writer that knows what it changed can forget only
 * that scope's entries.
 */
export interface ReadCache<K, V> {
  get: (key: K, load: (key: K) => V, scope?: string) => V
  /** Forgets this cache's entries. */
  clear: () => void
  /** Forgets the entries of `scope` only. */
  forget: (scope: string) => void
}

/** What `peek` answers when the cache does not hold the key. */
export const MISS: unique symbol = Symbol('read-cache miss')
export type Miss = typeof MISS

/**
 * A keyed read-through cache over an async loader: `peek` answers a hit synchronously (no
 * promise on the hot path), `get` awaits the loader only on a miss. A loaded value is kept only
 * when nothing was forgotten and no change was seen while it loaded (another unit may have
 * written meanwhile on an engine with real concurrency) and the unit may store (`mayStore`).
 */
export interface AsyncReadCache<K, V> {
  /** The cached value of `key`, or `MISS` (keys are unique across scopes). */
  peek: (key: K) => V | Miss
  /** The cached value, else `load(key)` (kept when still valid). */
  get: (key: K, load: (key: K) => Promise<V>, scope?: string) => Promise<V>
  /** The cached value itself on a hit (no promise), else `get(key, load, scope)`. */
  read: (key: K, load: (key: K) => Promise<V>, scope?: string) => V | Promise<V>
  /**
   * Keeps `value` as what `key` holds now (as a load would: not inside a transaction that wrote,
   * unless `own`: a row the caller's open transaction wrote itself, to be forgotten if it fails).
   */
  put: (key: K, value: V, scope?: string, own?: boolean) => void
  /** The cached value, else `load(key)` run synchronously and kept (`put`'s rule holds for `load`). */
  readNow: (key: K, load: (key: K) => V, scope?: string) => V
  /** Forgets this cache's entries. */
  clear: () => void
  /** Forgets the entries of `scope` only. */
  forget: (scope: string) => void
  /** `forget(scope)`, then `put(key, value, scope, own)`: what a write of that one entry leaves. */
  replace: (key: K, value: V, scope: string, own?: boolean) => void
}

/**
 * The entries, size bound and validity shared by both cache forms. Entries are looked up by key
 * alone (a hit builds no scope); each scope lists its keys, for `forget`.
 */
function cacheCore<K, V> (check: ChangeCheck, maxEntries: number) {
  const entries = new Map<K, V>()
  const scopes = new Map<string, Set<K>>()
  let version = -1
  let epoch = -1
  /** Counts clears and forgets, so a load that raced one is not kept. */
  let generation = 0
  const clear = (): void => { entries.clear(); scopes.clear(); generation++ }
  /** Clears when another process committed or a cascading write happened; returns the generation. */
  const validate = (): number => {
    const v = check.version()
    const e = check.epoch()
    if (v !== version || e !== epoch) { clear(); version = v; epoch = e }
    return generation
  }
  return {
    validate,
    clear,
    lookup (key: K): V | Miss {
      const value = entries.get(key)
      // `undefined` is a cached answer too (an unknown token id): told from a miss by `has`.
      return value !== undefined || entries.has(key) ? value as V : MISS
    },
    /** Keeps `value`; `own`: the caller's own write, kept even inside the transaction that wrote it. */
    store (key: K, value: V, scope: string, own = false): void {
      // After a write inside a transaction, a value read might be rolled back: not kept.
      if (!own && !check.mayStore()) return
      if (entries.size >= maxEntries && !entries.has(key)) clear()
      let keys = scopes.get(scope)
      if (keys === undefined) scopes.set(scope, keys = new Set())
      keys.add(key)
      entries.set(key, value)
    },
    forget (scope: string): void {
      const keys = scopes.get(scope)
      generation++
      if (keys === undefined) return
      for (const key of keys) entries.delete(key)
      scopes.delete(scope)
    },
    /**
     * `forget(scope)` then `store(key, value, scope, own)`; a scope holding only `key` keeps its
     * key set (issue 16: a KV write replaces its key's one cached row each time, no set made per write).
     */
    replace (key: K, value: V, scope: string, own = false): void {
      generation++
      const keys = scopes.get(scope)
      const keep = own || check.mayStore()
      if (keys !== undefined && keys.size === 1 && keys.has(key) && keep) { entries.set(key, value); return }
      if (keys !== undefined) { for (const k of keys) entries.delete(k); scopes.delete(scope) }
      if (!keep) return
      if (entries.size >= maxEntries) clear()
      scopes.set(scope, new Set([key]))
      entries.set(key, value)
    }
  }
}

/** The cached value of `key` in `core`, else `load(key)` run synchronously and kept. */
function readThrough<K, V> (core: ReturnType<typeof cacheCore<K, V>>, key: K, load: (key: K) => V, scope: string): V {
  core.validate()
  const hit = core.lookup(key)
  if (hit !== MISS) return hit
  const value = load(key)
  core.store(key, value, scope)
  return value
}

/** Creates a keyed cache over `check`, holding at most `maxEntries` (then it starts afresh). */
export function createReadCache<K, V> (check: ChangeCheck, maxEntries = 10_000): ReadCache<K, V> {
  const core = cacheCore<K, V>(check, maxEntries)
  return {
    get: (key, load, scope = '') => readThrough(core, key, load, scope),
    clear: core.clear,
    forget: core.forget
  }
}

/** Creates an async keyed cache over `check`, holding at most `maxEntries`. */
export function createAsyncReadCache<K, V> (check: ChangeCheck, maxEntries = 10_000): AsyncReadCache<K, V> {
  const core = cacheCore<K, V>(check, maxEntries)
  const get = async (key: K, load: (key: K) => Promise<V>, scope = ''): Promise<V> => {
    const generation = core.validate()
    const hit = core.lookup(key)
    if (hit !== MISS) return hit
    const value = await load(key)
    if (core.validate() === generation) core.store(key, value, scope)
    return value
  }
  return {
    peek (key) {
      core.validate()
      return core.lookup(key)
    },
    get,
    read (key, load, scope = '') {
      core.validate()
      const hit = core.lookup(key)
      return hit !== MISS ? hit : get(key, load, scope)
    },
    put (key, value, scope = '', own = false) {
      core.validate()
      core.store(key, value, scope, own)
    },
    readNow: (key, load, scope = '') => readThrough(core, key, load, scope),
    clear: core.clear,
    forget: core.forget,
    replace (key, value, scope, own = false) {
      core.validate()
      core.replace(key, value, scope, own)
    }
  }
}
