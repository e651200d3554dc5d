/**
 * The mount table (spec/vault-core-kv-api.md §2, decisions D-21): enable, read, list, disable,
 * tune, longest-prefix resolution of request paths, and the CLI's preflight lookup. vault-sync
 * serves KV version 2 engines only; `sys/`, `cubbyhole/` and `identity/` are listed as built-ins.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { MountRow, MountsRepo } from '../../db/mounts-repo.js'
import { cacheRepoReads, type ChangeCheck } from '../../db/read-cache.js'

/** A mount as services hand it to routes. */
export type { MountRow }
import { badRequest } from '../vault/errors.js'
import { type MountEntry, isKvV2, toMountEntry } from './mount-entry.js'

const RESERVED = ['sys/', 'auth/', 'audit/', 'cubbyhole/', 'identity/']
const NOT_MOUNTABLE = new Set(['system', 'token', 'cubbyhole', 'identity'])
const KV_TYPES = new Set(['kv', 'kv-v1', 'kv-v2', 'generic'])
const DEFAULT_CONFIG = { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false }
/** Vault's system default lease TTL (768h), reported by tune reads when unset. */
const SYSTEM_DEFAULT_TTL_SECONDS = 2764800

const BUILTINS: Array<Pick<MountRow, 'path' | 'type' | 'description' | 'local'> & { config?: object }> = [
  { path: 'cubbyhole/', type: 'cubbyhole', description: 'per-token private secret storage', local: 1 },
  { path: 'identity/', type: 'identity', description: 'identity store', local: 0, config: { ...DEFAULT_CONFIG, passthrough_request_headers: ['Authorization'] } },
  { path: 'sys/', type: 'system', description: 'system endpoints used for control, policy and debugging', local: 0, config: { ...DEFAULT_CONFIG, passthrough_request_headers: ['Accept'] } }
]

/** What `POST sys/mounts/:path` accepts (already null-stripped and weakly typed). */
export interface EnableRequest {
  type?: unknown
  description?: unknown
  options?: unknown
  local?: unknown
  seal_wrap?: unknown
  external_entropy_access?: unknown
}

/** Vault's `sanitizePath`: no leading `/`, exactly one trailing `/`. */
export function sanitizeMountPath (path: string): string {
  const p = path.replace(/^\/+/, '').replace(/\/+$/, '')
  return p === '' ? '' : `${p}/`
}

function stringMap (value: unknown, field: string): Record<string, string> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`Field validation failed: error converting input for field "${field}": expected a map`)
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue
    out[k] = typeof v === 'string' ? v : JSON.stringify(v)
  }
  return out
}

const truthy = (v: unknown): number => (v === true || v === 'true' || v === '1' || v === 1 ? 1 : 0)

/**
 * Creates the mount service over the `mounts` repo. With `changes`, the mount table is read
 * through a cache (no `SELECT` per request), forgotten on this service's writes and when another
 * connection commits (`db/read-cache.ts`).
 */
export function createMountService ({ mounts: repo, changes }: { mounts: MountsRepo, changes?: ChangeCheck }) {
  const mounts = changes === undefined ? repo : cacheRepoReads(repo, changes, ['all', 'byPath', 'byAccessor'])
  function newAccessor (type: string): string {
    for (;;) {
      const a = `${type}_${randomBytes(4).toString('hex')}`
      if (mounts.byAccessor(a) === undefined) return a
    }
  }

  function conflict (path: string): string | undefined {
    return mounts.all().find((m) => m.path.startsWith(path) || path.startsWith(m.path))?.path
  }

  const service = {
    /** Inserts the built-in mounts on a new database (idempotent). */
    ensureBuiltins (): void {
      for (const b of BUILTINS) {
        if (mounts.byPath(b.path) !== undefined) continue
        mounts.insert({
          accessor: newAccessor(b.type), path: b.path, type: b.type, uuid: randomUUID(), description: b.description,
          options: null, config: JSON.stringify(b.config ?? DEFAULT_CONFIG), local: b.local, seal_wrap: 0,
          external_entropy_access: 0, builtin: 1
        })
      }
    },

    /** `GET sys/mounts`: entries keyed by path with trailing `/`. */
    list (): Record<string, MountEntry> {
      return Object.fromEntries(mounts.all().map((m) => [m.path, toMountEntry(m)]))
    },

    /**
     * `POST sys/mounts/:path` (§2.3, D-21).
     * @throws VaultError 400 with Vault's texts: missing type, reserved path, path in use,
     *   unsupported or KV v1 type.
     */
    enable (rawPath: string, req: EnableRequest): MountEntry {
      const path = sanitizeMountPath(rawPath)
      if (path === '' || path.split('/').includes('..')) throw badRequest('invalid mount path')
      if (typeof req.type !== 'string' || req.type === '') throw badRequest('backend type must be specified as a string')
      const type = req.type
      for (const r of RESERVED) if (path.startsWith(r)) throw badRequest(`cannot mount ${JSON.stringify(r)}`)
      if (NOT_MOUNTABLE.has(type)) throw badRequest(`mount type of "${type}" is not mountable`)
      const options = stringMap(req.options, 'options')
      if (!KV_TYPES.has(type)) {
        if (options.version !== undefined) throw badRequest(`secrets engine "${type}" does not allow setting a version`)
        throw badRequest(`plugin not found in the catalog: ${type}`)
      }
      if (type === 'kv-v2') options.version = '2'
      if (type === 'kv-v1') options.version = '1'
      if (options.version !== '2') {
        throw badRequest('vault-sync supports only KV version 2 mounts: set options.version="2" or use type "kv-v2"')
      }
      const inUse = conflict(path)
      if (inUse !== undefined) throw badRequest(`path is already in use at ${inUse}`)
      const row: MountRow = {
        accessor: newAccessor('kv'), path, type: 'kv', uuid: randomUUID(),
        description: typeof req.description === 'string' ? req.description : '',
        options: JSON.stringify(options), config: JSON.stringify(DEFAULT_CONFIG), local: truthy(req.local),
        seal_wrap: truthy(req.seal_wrap), external_entropy_access: truthy(req.external_entropy_access), builtin: 0
      }
      mounts.insert(row)
      return toMountEntry(row)
    },

    /**
     * `GET sys/mounts/:path` (§2.4).
     * @throws VaultError 400 `No secret engine mount at <path>/`.
     */
    read (rawPath: string): MountEntry {
      const path = sanitizeMountPath(rawPath)
      const row = mounts.byPath(path)
      if (row === undefined) throw badRequest(`No secret engine mount at ${path}`)
      return toMountEntry(row)
    },

    /**
     * `DELETE sys/mounts/:path` (§2.5): removes the mount and, by cascade, its data. A missing
     * mount is not an error. @throws VaultError 400 for built-in mounts.
     */
    disable (rawPath: string): void {
      const path = sanitizeMountPath(rawPath)
      const row = mounts.byPath(path)
      if (row === undefined) return
      if (row.builtin === 1) throw badRequest(`cannot unmount ${JSON.stringify(path)}`)
      mounts.deleteByAccessor(row.accessor)
    },

    /** `GET sys/mounts/:path/tune` (§2.6): effective TTLs in seconds. @throws as `read`. */
    readTune (rawPath: string): Record<string, unknown> {
      const entry = service.read(rawPath)
      const out: Record<string, unknown> = {
        description: entry.description,
        default_lease_ttl: entry.config.default_lease_ttl === 0 ? SYSTEM_DEFAULT_TTL_SECONDS : entry.config.default_lease_ttl,
        max_lease_ttl: entry.config.max_lease_ttl === 0 ? SYSTEM_DEFAULT_TTL_SECONDS : entry.config.max_lease_ttl,
        force_no_cache: entry.config.force_no_cache
      }
      if (entry.options !== null && Object.keys(entry.options).length > 0) out.options = entry.options
      return out
    },

    /**
     * `POST sys/mounts/:path/tune` (§2.6): `description`, and `options` other than a version
     * change (vault-sync mounts are always version 2).
     * @throws VaultError 400 for an unknown mount, a downgrade or an invalid version.
     */
    tune (rawPath: string, req: { description?: unknown, options?: unknown }): void {
      const path = sanitizeMountPath(rawPath)
      const row = mounts.byPath(path)
      if (row === undefined) throw badRequest(`No secret engine mount at ${path}`)
      const options = row.options === null ? null : JSON.parse(row.options) as Record<string, string>
      if (req.options !== undefined && options !== null) {
        const incoming = stringMap(req.options, 'options')
        if (incoming.version !== undefined && incoming.version !== options.version) {
          if (incoming.version === '1') throw badRequest('cannot downgrade mount from version 2')
          throw badRequest(`invalid version provided: ${incoming.version}`)
        }
        Object.assign(options, incoming)
      }
      const description = typeof req.description === 'string' ? req.description : row.description
      mounts.updateTune(row.accessor, description, row.config, options === null ? null : JSON.stringify(options))
    },

    /** The mount serving `path` (longest prefix, path without leading `/`), and the rest of the path. */
    resolve (path: string): { mount: MountRow, rest: string } | undefined {
      let best: MountRow | undefined
      for (const m of mounts.all()) {
        if ((path.startsWith(m.path) || `${path}/` === m.path) && (best === undefined || m.path.length > best.path.length)) best = m
      }
      return best === undefined ? undefined : { mount: best, rest: path.slice(best.path.length) }
    },

    /** The mount row at an exact path (with or without trailing `/`), or `undefined`. */
    byPath: (rawPath: string): MountRow | undefined => mounts.byPath(sanitizeMountPath(rawPath)),

    /** The mount row with `accessor`, or `undefined`. */
    byAccessor: (accessor: string): MountRow | undefined => mounts.byAccessor(accessor),

    isKvV2
  }
  return service
}

export type MountService = ReturnType<typeof createMountService>
