/**
 * Secret paths (keys) inside a KV v2 mount: validation (decisions D-17.4) and the folder view of
 * `LIST metadata/:path` (spec/vault-core-kv-api.md §3.12). A key may contain `/`; a folder is a
 * prefix ending in `/` (the mount root is `""`).
 */
import { badRequest } from '../vault/errors.js'

/**
 * Rejects a key with a `..` segment (any operation) and, for mutations, an empty key.
 * @throws VaultError 400 `invalid path: ".." segments are not allowed` or `missing path`.
 */
export function checkKeyPath (path: string, mutation: boolean): void {
  if (path.includes('..') && path.split('/').includes('..')) throw badRequest('invalid path: ".." segments are not allowed')
  if (mutation && path === '') throw badRequest('missing path')
}

/** True when `path` names a folder (empty, or ending in `/`), which cannot hold a secret. */
export function isFolder (path: string): boolean {
  return path === '' || path.endsWith('/')
}

/**
 * The `[from, to)` byte range of keys under `folder` (`folder` is `""` or ends in `/`); `to` is
 * undefined for the root. `/` is 0x2F, so every key starting with `a/` sorts before `a0`.
 */
export function folderRange (folder: string): { from: string, to: string | undefined } {
  if (folder === '') return { from: '', to: undefined }
  return { from: folder, to: `${folder.slice(0, -1)}0` }
}

/**
 * The direct children of `folder` among `paths` (all starting with `folder`): key names, and
 * `name/` for sub-folders, each once, sorted by UTF-8 byte order (Go `sort.Strings`).
 */
export function folderChildren (folder: string, paths: Iterable<string>): string[] {
  const out = new Set<string>()
  for (const p of paths) {
    if (!p.startsWith(folder) || p.length === folder.length) continue
    const rest = p.slice(folder.length)
    const slash = rest.indexOf('/')
    out.add(slash < 0 ? rest : rest.slice(0, slash + 1))
  }
  return [...out].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}
