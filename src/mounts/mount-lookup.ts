/**
 * Mount lookups of the mount service (`mount-service.ts`, `remount.ts`): longest-prefix
 * resolution of a request path (decisions D-21), Vault's mount path normalisation, its
 * protected mount paths and its mount conflict check.
 */
import type { MountRow } from '../../db/mounts-repo.js'

/** A request path resolved to its mount and the rest of the path after the mount path. */
export interface ResolvedMount { mount: MountRow, rest: string }

/**
 * Vault's `protectedMounts` (`vault/mount.go`), in Vault's order, of the mounts vault-sync
 * knows (`agent-registry/`, new in Vault's main branch, is not one): no mount is enabled under
 * them (`handleMount`) and none is remounted from or to them (`handleRemount`).
 */
export const PROTECTED_MOUNTS: readonly string[] = ['audit/', 'auth/', 'sys/', 'cubbyhole/', 'identity/']

/**
 * Vault's `Router.MountConflict` (`vault/router.go`): the path of a mount of `rows` that `path`
 * (with its trailing `/`) lies inside or contains, or undefined when `path` is free.
 */
export function mountConflict (rows: readonly MountRow[], path: string): string | undefined {
  return rows.find((m) => m.path.startsWith(path) || path.startsWith(m.path))?.path
}

/** Vault's `sanitizePath`: no leading `/`, exactly one trailing `/`. */
export function sanitizeMountPath (path: string): string {
  const p = path.replace(/^\/+/, '').replace(/\/+$/, '')
  return p === '' ? '' : `${p}/`
}

/** The mount of `rows` serving `path` (longest prefix, path without leading `/`), or undefined. */
export function resolveMount (rows: readonly MountRow[], path: string): ResolvedMount | undefined {
  let best: MountRow | undefined
  for (const m of rows) {
    // `path` is the mount path itself without its `/` (tested without building `${path}/`).
    const exact = m.path.length === path.length + 1 && m.path.endsWith('/') && m.path.startsWith(path)
    if ((exact || path.startsWith(m.path)) && (best === undefined || m.path.length > best.path.length)) best = m
  }
  return best === undefined ? undefined : { mount: best, rest: path.slice(best.path.length) }
}
