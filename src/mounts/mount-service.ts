/**
 * The mount table (spec/vault-core-kv-api.md §2, decisions D-21): enable, read, list, disable,
 * tune, remount (`remount.ts`, §2.9), longest-prefix resolution of request paths, and the CLI's
 * preflight lookup. vault-sync serves KV version 2 engines only; `sys/`, `cubbyhole/` and
 * `identity/` are listed as built-ins.
 *
 * On the async `Store` (issue 18): every operation resolves; the mount table is read through a
 * cache (`db/read-cache.ts`) and `peekResolve` answers a cached table synchronously, so the request
 * pipeline resolves a mount without a promise on a hit.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { MountRow } from '../../db/mounts-repo.js'
import { cacheAsyncRepoReads } from '../../db/cached-repo.js'
import { MISS, type ChangeCheck, type Miss } from '../../db/read-cache.js'
import type { Store } from '../../db/store/repositories.js'
import { badRequest } from '../vault/errors.js'
import { effectiveLeaseTtls, enableLeaseTtls, tunedLeaseTtls } from '../vault/lease-ttls.js'
import { type MountEntry, RUNNING_VERSION, isKvV2, toMountEntry } from './mount-entry.js'
import { mountConflict, PROTECTED_MOUNTS, resolveMount, sanitizeMountPath, type ResolvedMount } from './mount-lookup.js'
import { createRemount } from './remount.js'
import { checkEnableSettings, decodeEnableSettings, nonHmacKeys, pickSettings, tuneReadSettings, tuneSettings, withSettings, type NonHmacKeys } from './mount-settings.js'

/** A mount as services hand it to routes. */
export type { MountRow }
export { sanitizeMountPath, MISS }

const NOT_MOUNTABLE = new Set(['system', 'token', 'cubbyhole', 'identity'])
const KV_TYPES = new Set(['kv', 'kv-v1', 'kv-v2', 'generic'])
/** Vault's `untunableMounts` (of those vault-sync has). */
const UNTUNABLE = ['cubbyhole/', 'sys/']
const DEFAULT_CONFIG = { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false }

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
  /**
   * `default_lease_ttl`, `max_lease_ttl` (durations), `force_no_cache`, and the settings of
   * `mount-settings.ts`; other keys are ignored.
   */
  config?: unknown
  local?: unknown
  seal_wrap?: unknown
  external_entropy_access?: unknown
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

const NO_KEYS: NonHmacKeys = { request: [], response: [] }
// Rows from the mount cache are shared and never changed: their audit keys are read once.
const rowKeys = new WeakMap<MountRow, NonHmacKeys>()
function auditKeysOf (found: ResolvedMount | undefined): NonHmacKeys {
  if (found === undefined) return NO_KEYS
  let keys = rowKeys.get(found.mount)
  if (keys === undefined) {
    keys = nonHmacKeys(pickSettings(JSON.parse(found.mount.config) as Record<string, unknown>))
    rowKeys.set(found.mount, keys)
  }
  return keys
}

/** A unique-constraint violation on either engine (SQLite `SQLITE_CONSTRAINT_*`, PostgreSQL 23505). */
const isUniqueViolation = (err: unknown): boolean => {
  const code = (err as { code?: unknown }).code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

/**
 * Creates the mount service over `store`'s `mounts` repository, read through a cache over
 * `changes` (no `SELECT` per request), forgotten inside the unit that writes and when another
 * connection or replica commits (`db/read-cache.ts`).
 */
export function createMountService ({ store, changes }: { store: Store, changes: ChangeCheck }) {
  const mounts = cacheAsyncRepoReads(store.repos.mounts, changes, ['all', 'byPath', 'byAccessor'])
  async function newAccessor (type: string): Promise<string> {
    for (;;) {
      const a = `${type}_${randomBytes(4).toString('hex')}`
      if (await mounts.byAccessor(a) === undefined) return a
    }
  }

  /** The row at `rawPath`. @throws VaultError 400 `No secret engine mount at <path>/`. */
  async function rowAt (rawPath: string): Promise<MountRow> {
    const path = sanitizeMountPath(rawPath)
    const row = await mounts.byPath(path)
    if (row === undefined) throw badRequest(`No secret engine mount at ${path}`)
    return row
  }

  const remount = createRemount({ store, mounts })

  const service = {
    /** Inserts the built-in mounts on a new database (idempotent; one unit of work). */
    async ensureBuiltins (): Promise<void> {
      await store.transaction(async () => {
        for (const b of BUILTINS) {
          if (await mounts.byPath(b.path) !== undefined) continue
          await mounts.insert({
            accessor: await newAccessor(b.type), path: b.path, type: b.type, uuid: randomUUID(), description: b.description,
            options: null, config: JSON.stringify(b.config ?? DEFAULT_CONFIG), local: b.local, seal_wrap: 0,
            external_entropy_access: 0, builtin: 1
          })
        }
      })
    },

    /** `GET sys/mounts`: entries keyed by path with trailing `/`. */
    async list (): Promise<Record<string, MountEntry>> {
      return Object.fromEntries((await mounts.all()).map((m) => [m.path, toMountEntry(m)]))
    },

    /**
     * `POST sys/mounts/:path` (§2.3, D-21; Vault's `handleMount`). The lease TTLs of `config`
     * are stored and reported as Vault does (seconds, 0 = the system value;
     * `src/vault/lease-ttls.ts`), its other settings as `mount-settings.ts` says.
     * @throws VaultError 400 with Vault's texts: a config that does not decode, missing type,
     *   reserved path, path in use, unsupported or KV v1 type, a bad or inconsistent lease TTL,
     *   a bad `plugin_version`, `listing_visibility` or `identity_token_key`.
     */
    async enable (rawPath: string, req: EnableRequest): Promise<MountEntry> {
      const path = sanitizeMountPath(rawPath)
      if (path === '' || path.split('/').includes('..')) throw badRequest('invalid mount path')
      // Vault decodes the whole config, then checks its TTLs, then the type, then the settings.
      const decoded = decodeEnableSettings(req.config)
      const ttls = enableLeaseTtls(req.config)
      const forceNoCache = truthy((req.config as Record<string, unknown> | undefined)?.force_no_cache) === 1
      if (typeof req.type !== 'string' || req.type === '') throw badRequest('backend type must be specified as a string')
      const type = req.type
      const options = stringMap(req.options, 'options')
      const kv = KV_TYPES.has(type)
      if (!kv && options.version !== undefined) throw badRequest(`secrets engine "${type}" does not allow setting a version`)
      // Vault checks the version of the aliased type (`kv-v2`, `generic`… are `kv`).
      const settings = kv ? checkEnableSettings(decoded, 'kv', RUNNING_VERSION.kv) : checkEnableSettings(decoded, type, undefined)
      for (const r of PROTECTED_MOUNTS) if (path.startsWith(r)) throw badRequest(`cannot mount ${JSON.stringify(r)}`)
      if (NOT_MOUNTABLE.has(type)) throw badRequest(`mount type of "${type}" is not mountable`)
      if (!kv) throw badRequest(`plugin not found in the catalog: ${type}`)
      if (type === 'kv-v2') options.version = '2'
      if (type === 'kv-v1') options.version = '1'
      if (options.version !== '2') {
        throw badRequest('vault-sync supports only KV version 2 mounts: set options.version="2" or use type "kv-v2"')
      }
      // The overlap check and the insert in one unit under the table's lock: another replica
      // (or process on the same SQLite file) enabling an overlapping path waits, then sees this one.
      const row = await store.transaction(async () => {
        await store.repos.mounts.lockTable()
        // Read from the table itself (not the cache), under the lock.
        const inUse = mountConflict(await store.repos.mounts.all(), path)
        if (inUse !== undefined) throw badRequest(`path is already in use at ${inUse}`)
        const row: MountRow = {
          accessor: await newAccessor('kv'), path, type: 'kv', uuid: randomUUID(),
          description: typeof req.description === 'string' ? req.description : '',
          options: JSON.stringify(options), config: JSON.stringify({ ...ttls, force_no_cache: forceNoCache, ...settings }), local: truthy(req.local),
          seal_wrap: truthy(req.seal_wrap), external_entropy_access: truthy(req.external_entropy_access), builtin: 0
        }
        try {
          await mounts.insert(row)
        } catch (err) {
          // Kept as a second line: the unique path index.
          if (isUniqueViolation(err)) throw badRequest(`path is already in use at ${path}`)
          throw err
        }
        return row
      })
      return toMountEntry(row)
    },

    /**
     * `GET sys/mounts/:path` (§2.4).
     * @throws VaultError 400 `No secret engine mount at <path>/`.
     */
    async read (rawPath: string): Promise<MountEntry> {
      return toMountEntry(await rowAt(rawPath))
    },

    /**
     * `DELETE sys/mounts/:path` (§2.5): removes the mount and, by cascade, its data. A missing
     * mount is not an error. @throws VaultError 400 for built-in mounts.
     */
    async disable (rawPath: string): Promise<void> {
      const path = sanitizeMountPath(rawPath)
      const row = await mounts.byPath(path)
      if (row === undefined) return
      if (row.builtin === 1) throw badRequest(`cannot unmount ${JSON.stringify(path)}`)
      await mounts.deleteByAccessor(row.accessor)
    },

    /**
     * `GET sys/mounts/:path/tune` (§2.6, Vault's `handleTuneReadCommon`): effective TTLs in
     * seconds (Vault's `fetchTTLs`), `external_entropy_access` when set, the settings a tune
     * read shows (`tuneReadSettings`), and `options` when not empty. @throws as `read`.
     */
    async readTune (rawPath: string): Promise<Record<string, unknown>> {
      const row = await rowAt(rawPath)
      const config = JSON.parse(row.config) as Record<string, unknown> & { default_lease_ttl: number, max_lease_ttl: number }
      const { defaultTtl, maxTtl } = effectiveLeaseTtls(config)
      const out: Record<string, unknown> = {
        description: row.description,
        default_lease_ttl: defaultTtl,
        max_lease_ttl: maxTtl,
        force_no_cache: config.force_no_cache
      }
      if (row.external_entropy_access === 1) out.external_entropy_access = true
      Object.assign(out, tuneReadSettings(pickSettings(config)))
      const options = row.options === null ? {} : JSON.parse(row.options) as Record<string, string>
      if (Object.keys(options).length > 0) out.options = options
      return out
    },

    /**
     * `POST sys/mounts/:path/tune` (§2.6, Vault's `handleTuneWriteCommon`), checked in Vault's
     * order and written at once (Vault writes each field as it goes): `default_lease_ttl` and
     * `max_lease_ttl` (as `sys/auth/token/tune` takes them: `""` keeps, `"system"` resets),
     * `description`, the settings of `mount-settings.ts` (`tuneSettings`), and `options` other
     * than a version change (vault-sync mounts are always version 2).
     * @throws VaultError 400 for `sys/` and `cubbyhole/` (`cannot tune "sys/"`), an unknown
     *   mount, a bad duration, a max below the default, a bad setting, a downgrade or an
     *   invalid version.
     */
    async tune (rawPath: string, req: Record<string, unknown>): Promise<void> {
      const path = sanitizeMountPath(rawPath)
      for (const p of UNTUNABLE) if (path.startsWith(p)) throw badRequest(`cannot tune ${JSON.stringify(path)}`)
      await store.transaction(async () => {
        const row = await rowAt(path)
        const config = JSON.parse(row.config) as Record<string, unknown> & { default_lease_ttl: number, max_lease_ttl: number }
        const ttls = tunedLeaseTtls(req, config)
        const description = typeof req.description === 'string' ? req.description : row.description
        const settings = tuneSettings(req, pickSettings(config), { type: row.type, runningVersion: RUNNING_VERSION[row.type] ?? '', auth: false })
        const options = row.options === null ? null : JSON.parse(row.options) as Record<string, string>
        if (req.options !== undefined && options !== null) {
          const incoming = stringMap(req.options, 'options')
          if (incoming.version !== undefined && incoming.version !== options.version) {
            if (incoming.version === '1') throw badRequest('cannot downgrade mount from version 2')
            throw badRequest(`invalid version provided: ${incoming.version}`)
          }
          Object.assign(options, incoming)
        }
        await mounts.updateTune(row.accessor, description, JSON.stringify(withSettings({ ...config, ...ttls }, settings)), options === null ? null : JSON.stringify(options))
      })
    },

    /** `POST sys/remount` (`remount.ts`: Vault's `handleRemount`, the move done in one unit of work). */
    remount: remount.start,

    /** `GET sys/remount/status/:migration_id` (`remount.ts`: Vault's `handleRemountStatusCheck`). */
    remountStatus: remount.status,

    /** The mount serving `path` (longest prefix, path without leading `/`), and the rest of the path. */
    resolve: async (path: string): Promise<ResolvedMount | undefined> => resolveMount(await mounts.all(), path),

    /**
     * `resolve` answered synchronously from the cached mount table, or `MISS` when the table is
     * not cached (then await `resolve`): the request pipeline's hot path.
     */
    peekResolve (path: string): ResolvedMount | undefined | Miss {
      const rows = mounts.peek('all')
      return rows === MISS ? MISS : resolveMount(rows, path)
    },

    /**
     * The keys the audit device leaves in clear for a request to `path` (without leading `/`):
     * the `audit_non_hmac_*` settings of the mount serving it (Vault's request handling reads
     * them from the request's mount entry); none when no mount serves it.
     */
    auditKeys (path: string): NonHmacKeys | Promise<NonHmacKeys> {
      const found = service.peekResolve(path)
      return found === MISS ? service.resolve(path).then(auditKeysOf) : auditKeysOf(found)
    },

    /** The mount row at an exact path (with or without trailing `/`), or `undefined`. */
    byPath: async (rawPath: string): Promise<MountRow | undefined> => await mounts.byPath(sanitizeMountPath(rawPath)),

    /** The mount row with `accessor`, or `undefined`. */
    byAccessor: async (accessor: string): Promise<MountRow | undefined> => await mounts.byAccessor(accessor),

    isKvV2
  }
  return service
}

export type MountService = ReturnType<typeof createMountService>
