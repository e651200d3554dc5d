/**
 * Mount lookups shared by the async mount service (`mount-service.ts`) and the transitional
 * synchronous view (`createSyncMountLookup`) that the areas not yet on the async `Store` (sync,
 * rules, the worker, sync-ext: issue 18) read through while they move: longest-prefix resolution
 * of a request path (decisions D-21) and exact lookups by path or accessor.
 */
import type { MountRow, MountsRepo } from '../../db/mounts-repo.js'
import { cacheRepoReads, type ChangeCheck } from '../../db/read-cache.js'
import { isKvV2 } from './mount-entry.js'

/** A request path resolved to its mount and the rest of the path after the mount path. */
export interface ResolvedMount { mount: MountRow, rest: string }

/** Vault's `sanitizePath`: no leading `/`, exactly one trailing `/`. */
export function sanitizeMountPath (path: string): string {
  const p = path.replace(/^\/+/, '').replace(/\/+$/, '')
  return p === '' ? '' : `${p}/`
}

/** The mount of `rows` serving `path` (longest prefix, path without leading `/`), or undefined. */
export function resolveMount (rows: readonly MountRow[], path: string): ResolvedMount | undefined {
  let best: MountRow | undefined
  for (const m of rows) {
    if ((path.startsWith(m.path) || `${path}/` === m.path) && (best === undefined || m.path.length > best.path.length)) best = m
  }
  return best === undefined ? undefined : { mount: best, rest: path.slice(best.path.length) }
}

/** Synchronous mount reads (the transitional view). */
export interface SyncMountLookup {
  resolve: (path: string) => ResolvedMount | undefined
  byPath: (rawPath: string) => MountRow | undefined
  byAccessor: (accessor: string) => MountRow | undefined
  isKvV2: typeof isKvV2
}

/**
 * Synchronous mount reads over the better-sqlite3 repo, read through the connection's cache
 * (`changes`): for the services still on `db` during the move to the async `Store` (SQLite only;
 * the async mount service's writes bump the same change check, so this view forgets with it).
 */
export function createSyncMountLookup (repo: MountsRepo, changes: ChangeCheck): SyncMountLookup {
  const mounts = cacheRepoReads(repo, changes, ['all', 'byPath', 'byAccessor'])
  return {
    resolve: (path) => resolveMount(mounts.all(), path),
    byPath: (rawPath) => mounts.byPath(sanitizeMountPath(rawPath)),
    byAccessor: (accessor) => mounts.byAccessor(accessor),
    isKvV2
  }
}
