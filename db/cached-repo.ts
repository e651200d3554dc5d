/**
 * Cached repositories (issue 16): a repo wrapped so its named reads answer from a read-through
 * cache of `read-cache.ts` and its writes make the cache forget. `cacheRepoReads` wraps a
 * synchronous better-sqlite3 repo, `cacheAsyncRepoReads` an async repository of the `Store`
 * (issue 18), with `peek` answering its hits synchronously.
 */
import { createAsyncReadCache, createReadCache, MISS, type ChangeCheck, type Miss } from './read-cache.js'
import { keyMemo } from './read-keys.js'

/**
 * Which part of a cached repo a call reads or writes: for a read, the scope its entry belongs
 * to; for a write, the scope it changes (`undefined`: it may change anything).
 */
export type ScopeOf = (method: string, args: readonly unknown[]) => string | undefined

/**
 * Wraps `repo` so the methods named in `reads` (string/number arguments) answer from a cache over
 * `check`, those in `uncachedReads` pass through, and every other method (a write) makes the
 * cache forget before and after it runs: the write's scope when `scopeOf` names one (per-key
 * invalidation: KV key metadata), else the whole cache — and every cache of the connection when
 * `cascades` (its tables' deletes cascade into others': mounts, tokens). Cached rows are shared:
 * callers must not mutate them.
 */
export function cacheRepoReads<R extends object> (repo: R, check: ChangeCheck, reads: ReadonlyArray<keyof R>, uncachedReads: ReadonlyArray<keyof R> = [], cascades = true, scopeOf: ScopeOf = () => undefined): R {
  const cache = createReadCache<string, unknown>(check)
  const keyOf = keyMemo()
  const out = { ...repo } as Record<string, unknown>
  for (const [name, fn] of Object.entries(repo) as Array<[string, (...a: unknown[]) => unknown]>) {
    if (typeof fn !== 'function' || uncachedReads.includes(name as keyof R)) continue
    if (reads.includes(name as keyof R)) {
      out[name] = (...args: Array<string | number>) => cache.get(keyOf(name, args), () => fn(...args), scopeOf(name, args))
    } else {
      out[name] = (...args: unknown[]) => {
        const scope = scopeOf(name, args)
        const forget = scope === undefined ? cache.clear : () => { cache.forget(scope) }
        check.wrote(cascades)
        forget()
        try { return fn(...args) } finally { check.wrote(cascades); forget() }
      }
    }
  }
  return out as R
}

/** The synchronous peeks of a cached async repo: a cached read's value, or `MISS`. */
export type RepoPeek<R> = <K extends keyof R>(method: K, ...args: R[K] extends (...a: infer A) => unknown ? A : never) =>
  (R[K] extends (...a: never[]) => Promise<infer T> ? T : never) | Miss

/**
 * A cached async repo (`cacheAsyncRepoReads`): the repo, `peek` for its cached reads, and
 * `wrote(method, ...args)`, what a write through `method` makes the cache forget, for a write
 * made on the synchronous twin past the wrapper (SQLite's `Store.runSync`; call it right
 * after each such write, inside its transaction).
 */
export type CachedRepo<R> = R & {
  peek: RepoPeek<R>
  wrote: (method: keyof R, ...args: unknown[]) => void
  /**
   * Keeps `value` as the answer of the cached read `method(...args)`: a row as committed (read or
   * written; not kept inside a transaction that wrote), or with `own` a row the caller's still
   * open synchronous group wrote (`Store.runSync` with `committed`): kept at once, so this turn's
   * next write of the key finds it; the caller forgets it (`wrote`) if that COMMIT fails.
   */
  remember: (method: keyof R, args: Array<string | number>, value: unknown, own?: boolean) => void
  /**
   * `wrote` and `remember` in one step, for a write on the synchronous twin whose scope is the
   * cached read `method(...args)`'s and which leaves `value` as that read's answer: the scope is
   * forgotten and `value` kept (`remember`'s rule, `own` included). Call it right after the
   * write, before anything else reads the cache.
   */
  rewrote: (method: keyof R, args: Array<string | number>, value: unknown, own?: boolean) => void
}

/**
 * The async form of `cacheRepoReads`, over an async repository of the `Store`
 * (`db/store/repositories.ts`): the methods named in `reads` answer from a cache (a hit resolves
 * without touching storage; `peek(method, ...args)` answers it synchronously, or `MISS`), those
 * in `uncachedReads` pass through, every other method (a write) forgets as `cacheRepoReads` does,
 * before it runs and once it settled, inside the writing unit of work. Cached rows are shared:
 * callers must not mutate them.
 */
export function cacheAsyncRepoReads<R extends object> (repo: R, check: ChangeCheck, reads: ReadonlyArray<keyof R>, uncachedReads: ReadonlyArray<keyof R> = [], cascades = true, scopeOf: ScopeOf = () => undefined): CachedRepo<R> {
  const cache = createAsyncReadCache<string, unknown>(check)
  const keyOf = keyMemo()
  const out = { ...repo } as Record<string, unknown>
  for (const [name, fn] of Object.entries(repo) as Array<[string, (...a: unknown[]) => Promise<unknown>]>) {
    if (typeof fn !== 'function' || uncachedReads.includes(name as keyof R)) continue
    // Plain promise chains (no async wrappers): a hit costs one resolved promise.
    if (reads.includes(name as keyof R)) {
      out[name] = (...args: Array<string | number>) => {
        const key = keyOf(name, args)
        // A hit needs no scope (only a load that is kept does).
        const hit = cache.peek(key)
        return hit !== MISS ? Promise.resolve(hit) : cache.get(key, async () => await fn(...args), scopeOf(name, args))
      }
    } else {
      out[name] = (...args: unknown[]) => {
        const scope = scopeOf(name, args)
        const forget = scope === undefined ? cache.clear : () => { cache.forget(scope) }
        const after = (): void => { check.wrote(cascades); forget() }
        after()
        return fn(...args).then((value) => { after(); return value }, (err: unknown) => { after(); throw err })
      }
    }
  }
  out.wrote = (method: string, ...args: unknown[]) => {
    const scope = scopeOf(method, args)
    check.wrote(cascades)
    if (scope === undefined) cache.clear()
    else cache.forget(scope)
  }
  const cachedReads = new Set<unknown>(reads)
  out.remember = (method: string, args: Array<string | number>, value: unknown, own = false) => {
    if (cachedReads.has(method)) cache.put(keyOf(method, args), value, scopeOf(method, args), own)
  }
  out.rewrote = (method: string, args: Array<string | number>, value: unknown, own = false) => {
    const scope = scopeOf(method, args)
    check.wrote(cascades)
    if (scope === undefined || !reads.includes(method as keyof R)) cache.clear()
    else cache.replace(keyOf(method, args), value, scope, own)
  }
  out.peek = (method: string, ...args: Array<string | number>) =>
    cachedReads.has(method) ? cache.peek(keyOf(method, args)) : MISS
  return out as CachedRepo<R>
}
