/**
 * KV v2 key metadata: `LIST metadata/:folder`, `GET|POST|PUT|PATCH|DELETE metadata/:path`
 * (spec/vault-core-kv-api.md §3.12-3.16; Vault's `path_metadata.go`), and the read-only queries the
 * sync work plans from (`secretExists`, `readCurrent`). Every operation resolves (the async
 * `Store`, issue 18); mutations are one unit of work starting with the key's locked read.
 */
import type { Miss } from '../../db/read-cache.js'
import type { KvContext } from './kv-context.js'
import type { JsonObject } from './kv-json.js'
import { folderChildren, folderRange, isFolder } from './kv-paths.js'
import { highestActiveVersion } from './kv-rules.js'
import type { KeyState } from './kv-state.js'
import { formatTime } from './kv-time.js'
import { metadataView, type MetadataView } from './kv-views.js'

/** Fields of a metadata write or patch; undefined = not given. */
export interface MetadataInput {
  maxVersions?: number
  casRequired?: boolean
  /** Seconds, ≥ 0 (0 clears). */
  deleteVersionAfter?: number
  /** Write: replaces the map. Patch: merged, a null value removes that key. */
  customMetadata?: Record<string, string | null>
}

/** What sync plans from: the highest active version of a secret (see `readCurrent`). */
export interface KvCurrentState {
  /** The version number synced (the highest live one, not necessarily `current_version`). */
  version: number
  /** The secret's `current_version` (the newest, live or not); above `version` after a soft delete or destroy of the newest. */
  currentVersion: number
  /** The secret's data at that version. */
  data: JsonObject
  /** RFC 3339 creation time of that version. */
  createdTime: string
  /** RFC 3339 scheduled deletion (`delete_version_after`), or `""` when none. Always in the future. */
  deletionTime: string
  /** The same scheduled deletion in Unix milliseconds, or null (to re-arm a timer, decisions D-22). */
  deletionAtMs: number | null
}

/**
 * The highest active version of key `k` at `at` (µs) with its data (`dataOf`), or undefined when
 * no active version is left: what `readCurrent` answers (shared with the synchronous view).
 */
export function currentStateOf<D extends JsonObject | Promise<JsonObject>> (k: KeyState, at: number, dataOf: (version: number) => D): (Omit<KvCurrentState, 'data'> & { data: D }) | undefined {
  const v = highestActiveVersion(k.versions.values(), at)
  if (v === undefined) return undefined
  return {
    version: v.version,
    currentVersion: k.currentVersion,
    data: dataOf(v.version),
    createdTime: formatTime(v.createdTime),
    deletionTime: formatTime(v.deletionTime),
    deletionAtMs: v.deletionTime === null ? null : Math.ceil(v.deletionTime / 1000)
  }
}

const CAS_WARNING = '"cas_required" set to false, but is mandated by backend config. This value will be ignored.'

/** Builds the metadata operations over `ctx`. */
export function metadataOperations ({ store, now, mutate }: KvContext) {
  const anyField = (i: MetadataInput): boolean =>
    i.maxVersions !== undefined || i.casRequired !== undefined || i.deleteVersionAfter !== undefined || i.customMetadata !== undefined

  async function warnings (accessor: string, i: MetadataInput): Promise<string[]> {
    return i.casRequired === false && (await store.config(accessor)).casRequired ? [CAS_WARNING] : []
  }

  function apply (k: KeyState, i: MetadataInput, patch: boolean): void {
    if (i.maxVersions !== undefined) k.maxVersions = i.maxVersions
    if (i.casRequired !== undefined) k.casRequired = i.casRequired
    if (i.deleteVersionAfter !== undefined) k.deleteVersionAfter = i.deleteVersionAfter
    if (i.customMetadata === undefined) return
    const next: Record<string, string> = patch && k.customMetadata !== null ? { ...k.customMetadata } : {}
    for (const [name, value] of Object.entries(i.customMetadata)) {
      if (value === null) delete next[name]
      else Object.defineProperty(next, name, { value, enumerable: true, writable: true, configurable: true })
    }
    k.customMetadata = Object.keys(next).length === 0 ? null : next
  }

  return {
    /**
     * `LIST metadata/:folder` (§3.12): direct children of `folder` (`""` or ending in `/`): keys with
     * metadata (even when every version is deleted or destroyed) and `name/` sub-folders, byte-sorted.
     * With `excludeDeleted` (Vault 1.21's `exclude_deleted=true`) a key whose current version has
     * a deletion time set, past or future (`delete_version_after`), is left out; a destroyed
     * current version without one stays, and sub-folders stay (vault-plugin-secrets-kv
     * `pathMetadataList`). An empty array means 404.
     */
    async list (accessor: string, folder: string, options: { excludeDeleted?: boolean } = {}): Promise<string[]> {
      const { from, to } = folderRange(folder)
      const children = folderChildren(folder, await store.paths(accessor, from, to))
      if (options.excludeDeleted !== true) return children
      const out: string[] = []
      for (const child of children) {
        if (child.endsWith('/')) { out.push(child); continue }
        const k = await store.peek(accessor, folder + child)
        const current = k?.versions.get(k.currentVersion)
        if (current === undefined || current.deletionTime === null) out.push(child)
      }
      return out
    },

    /** `GET metadata/:path` (§3.13), or undefined (404) when the key has no metadata. */
    async readMetadata (accessor: string, path: string): Promise<MetadataView | undefined> {
      const k = await store.load(accessor, path)
      return k === undefined ? undefined : metadataView(k)
    },

    /**
     * `POST|PUT metadata/:path` (§3.14): sets the given fields (custom_metadata replaces the map),
     * creating the key's metadata when missing (created = updated = now). Nothing given = no-op.
     * Hook `metadata-write`. @returns warnings (the `cas_required` one → 200 instead of 204).
     */
    async writeMetadata (accessor: string, path: string, input: MetadataInput): Promise<string[]> {
      if (!anyField(input)) return []
      const out = await warnings(accessor, input)
      await mutate({ accessor, path, kind: 'metadata-write' }, async (changed) => {
        const t = now()
        const k: KeyState = await store.loadForUpdate(accessor, path) ?? {
          path, currentVersion: 0, oldestVersion: 0, createdTime: t, updatedTime: t, maxVersions: 0, casRequired: false,
          deleteVersionAfter: 0, customMetadata: null, versions: new Map()
        }
        apply(k, input, false)
        await store.saveMetadata(accessor, k)
        changed()
      })
      return out
    },

    /**
     * `PATCH metadata/:path` (§3.15): merges the given fields; in `custom_metadata` a null removes a
     * key. Hook `metadata-write`. @returns warnings, or undefined (404, empty body) when the key has
     * no metadata.
     */
    async patchMetadata (accessor: string, path: string, input: MetadataInput): Promise<string[] | undefined> {
      return await mutate({ accessor, path, kind: 'metadata-write' }, async (changed) => {
        const k = await store.loadForUpdate(accessor, path)
        if (k === undefined) return undefined
        const out = await warnings(accessor, input)
        if (!anyField(input)) return out
        apply(k, input, true)
        await store.saveMetadata(accessor, k)
        changed()
        return out
      })
    },

    /** `DELETE metadata/:path` (§3.16): removes the metadata and every version. Hook `metadata-delete` when it existed. */
    async deleteMetadata (accessor: string, path: string): Promise<void> {
      await mutate({ accessor, path, kind: 'metadata-delete' }, async (changed) => {
        await store.loadForUpdate(accessor, path)
        if (await store.deleteKey(accessor, path)) changed()
      })
    },

    /**
     * For association rules: every key under `folder` (`""` or ending in `/`), at any depth,
     * byte-sorted; keys whose versions are all deleted included (they have metadata).
     */
    async keysUnder (accessor: string, folder: string): Promise<string[]> {
      const { from, to } = folderRange(folder)
      return await store.paths(accessor, from, to)
    },

    /** For association rules: the key's custom metadata (`{}` when none or no such key). */
    customMetadataOf: async (accessor: string, path: string): Promise<Record<string, string>> => ({ ...(await store.peek(accessor, path))?.customMetadata }),

    /**
     * For sync: true when `path` names a secret of the mount `accessor`, i.e. its metadata exists
     * (whatever the state of its versions) and `path` is not a folder (`""` or ending in `/`).
     */
    secretExists: async (accessor: string, path: string): Promise<boolean> => !isFolder(path) && await store.exists(accessor, path),

    /** `secretExists` from the cache alone (no promise), or `MISS` (the ACL's existence check). */
    peekSecretExists: (accessor: string, path: string): boolean | Miss => isFolder(path) ? false : store.peekExists(accessor, path),

    /**
     * For sync planning: the secret's highest active version (not destroyed, no deletion time in the
     * past; a future `delete_version_after` time still counts), with its data, or undefined when
     * the key is missing or no active version is left (then the external copy is to be removed).
     * Follows Vault's Jan-2026 fix "deleting the latest KV version falls back to the highest active
     * version" (spec/vault-sync-api.md §6.2, field report FR-20). Read as committed, never from
     * the read cache (`loadCommitted`): the worker plans from the state its claimed row follows.
     */
    async readCurrent (accessor: string, path: string): Promise<KvCurrentState | undefined> {
      if (isFolder(path)) return undefined
      const k = await store.loadCommitted(accessor, path)
      if (k === undefined) return undefined
      const current = currentStateOf(k, now(), async (version) => await store.readCommittedData(accessor, path, version))
      return current === undefined ? undefined : { ...current, data: await current.data }
    }
  }
}
