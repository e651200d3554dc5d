/**
 * KV v2 key metadata: `LIST metadata/:folder`, `GET|POST|PUT|PATCH|DELETE metadata/:path`
 * (spec/vault-core-kv-api.md §3.12-3.16; Vault's `path_metadata.go`), and the read-only queries the
 * sync work plans from (`secretExists`, `readCurrent`).
 */
import type { KvContext } from './kv-context.js'
import type { JsonObject } from './kv-json.js'
import { folderChildren, folderRange, isFolder } from './kv-paths.js'
import { highestActiveVersion, isLive } from './kv-rules.js'
import type { KeyState } from './kv-store.js'
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

const CAS_WARNING = '"cas_required" set to false, but is mandated by backend config. This value will be ignored.'

/** Builds the metadata operations over `ctx`. */
export function metadataOperations ({ store, now, mutate }: KvContext) {
  const anyField = (i: MetadataInput): boolean =>
    i.maxVersions !== undefined || i.casRequired !== undefined || i.deleteVersionAfter !== undefined || i.customMetadata !== undefined

  function warnings (accessor: string, i: MetadataInput): string[] {
    return i.casRequired === false && store.config(accessor).casRequired ? [CAS_WARNING] : []
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
     * With `excludeDeleted` (Vault 1.21's `exclude_deleted=true`) a key whose current version is
     * deleted or destroyed is left out; sub-folders stay. An empty array means 404.
     */
    list (accessor: string, folder: string, options: { excludeDeleted?: boolean } = {}): string[] {
      const { from, to } = folderRange(folder)
      const children = folderChildren(folder, store.paths(accessor, from, to))
      if (options.excludeDeleted !== true) return children
      const at = now()
      return children.filter((child) => {
        if (child.endsWith('/')) return true
        const k = store.load(accessor, folder + child)
        const current = k?.versions.get(k.currentVersion)
        return current === undefined || isLive(current, at)
      })
    },

    /** `GET metadata/:path` (§3.13), or undefined (404) when the key has no metadata. */
    readMetadata (accessor: string, path: string): MetadataView | undefined {
      const k = store.load(accessor, path)
      return k === undefined ? undefined : metadataView(k)
    },

    /**
     * `POST|PUT metadata/:path` (§3.14): sets the given fields (custom_metadata replaces the map),
     * creating the key's metadata when missing (created = updated = now). Nothing given = no-op.
     * Hook `metadata-write`. @returns warnings (the `cas_required` one → 200 instead of 204).
     */
    writeMetadata (accessor: string, path: string, input: MetadataInput): string[] {
      if (!anyField(input)) return []
      const out = warnings(accessor, input)
      mutate({ accessor, path, kind: 'metadata-write' }, (changed) => {
        const t = now()
        const k: KeyState = store.load(accessor, path) ?? {
          path, currentVersion: 0, oldestVersion: 0, createdTime: t, updatedTime: t, maxVersions: 0, casRequired: false,
          deleteVersionAfter: 0, customMetadata: null, versions: new Map()
        }
        apply(k, input, false)
        store.saveMetadata(accessor, k)
        changed()
      })
      return out
    },

    /**
     * `PATCH metadata/:path` (§3.15): merges the given fields; in `custom_metadata` a null removes a
     * key. Hook `metadata-write`. @returns warnings, or undefined (404, empty body) when the key has
     * no metadata.
     */
    patchMetadata (accessor: string, path: string, input: MetadataInput): string[] | undefined {
      return mutate({ accessor, path, kind: 'metadata-write' }, (changed) => {
        const k = store.load(accessor, path)
        if (k === undefined) return undefined
        const out = warnings(accessor, input)
        if (!anyField(input)) return out
        apply(k, input, true)
        store.saveMetadata(accessor, k)
        changed()
        return out
      })
    },

    /** `DELETE metadata/:path` (§3.16): removes the metadata and every version. Hook `metadata-delete` when it existed. */
    deleteMetadata (accessor: string, path: string): void {
      mutate({ accessor, path, kind: 'metadata-delete' }, (changed) => {
        if (store.deleteKey(accessor, path)) changed()
      })
    },

    /**
     * For association rules: every key under `folder` (`""` or ending in `/`), at any depth,
     * byte-sorted; keys whose versions are all deleted included (they have metadata).
     */
    keysUnder (accessor: string, folder: string): string[] {
      const { from, to } = folderRange(folder)
      return store.paths(accessor, from, to)
    },

    /** For association rules: the key's custom metadata (`{}` when none or no such key). */
    customMetadataOf: (accessor: string, path: string): Record<string, string> => store.load(accessor, path)?.customMetadata ?? {},

    /**
     * For sync: true when `path` names a secret of the mount `accessor`, i.e. its metadata exists
     * (whatever the state of its versions) and `path` is not a folder (`""` or ending in `/`).
     */
    secretExists: (accessor: string, path: string): boolean => !isFolder(path) && store.exists(accessor, path),

    /**
     * For sync planning: the secret's highest active version (not destroyed, no deletion time in the
     * past; a future `delete_version_after` time still counts), with its data, or undefined when
     * the key is missing or no active version is left (then the external copy is to be removed).
     * Follows Vault's Jan-2026 fix "deleting the latest KV version falls back to the highest active
     * version" (spec/vault-sync-api.md §6.2, field report FR-20).
     */
    readCurrent (accessor: string, path: string): KvCurrentState | undefined {
      if (isFolder(path)) return undefined
      const k = store.load(accessor, path)
      if (k === undefined) return undefined
      const v = highestActiveVersion(k.versions.values(), now())
      if (v === undefined) return undefined
      return {
        version: v.version,
        currentVersion: k.currentVersion,
        data: store.readData(accessor, path, v.version),
        createdTime: formatTime(v.createdTime),
        deletionTime: formatTime(v.deletionTime),
        deletionAtMs: v.deletionTime === null ? null : Math.ceil(v.deletionTime / 1000)
      }
    }
  }
}
