/**
 * KV v2 engine config and versioned data: `config`, `data/:path` (read, write, patch, delete
 * latest), `delete/`, `undelete/`, `destroy/` and `subkeys/` (spec/vault-core-kv-api.md §3.3-3.11,
 * §3.17; Vault's `path_config.go`, `path_data.go`, `path_delete.go`, `path_destroy.go`,
 * `path_subkeys.go`). Inputs arrive decoded (`kv-fields.ts`); errors are 400 `VaultError`s with
 * Vault's texts.
 */
import { badRequest } from '../vault/errors.js'
import type { KvContext } from './kv-context.js'
import { mergePatch, subkeys, type JsonObject } from './kv-json.js'
import {
  addVersion, casError, effectiveMaxVersions, isLive, scheduledDeletionTime, versionsNotDestroyed, versionsToDelete,
  type VersionState
} from './kv-rules.js'
import type { KeyState } from './kv-store.js'
import { configView, versionView, type ConfigView, type VersionView } from './kv-views.js'

/**
 * A versioned read: `missing` → 404 `{"errors":[]}` (no key, or no such version); `gone` → the raw
 * 404 carrying the version's metadata (deleted or destroyed); `ok` → 200.
 */
export type VersionRead<T> =
  | { status: 'missing' }
  | { status: 'gone', metadata: VersionView }
  | { status: 'ok', metadata: VersionView, value: T }

/** Engine config fields of `POST config`; undefined = not given. */
export interface ConfigInput {
  maxVersions?: number
  casRequired?: boolean
  /** Seconds: > 0 sets, 0 clears, < 0 disables for every key (stored as -1). */
  deleteVersionAfter?: number
}

/** Builds the data operations over `ctx`. */
export function dataOperations ({ store, now, mutate }: KvContext) {
  /** Views of the versions of shared, read-only key states (`store.peek`), by version entry. */
  const peekedViews = new WeakMap<VersionState, VersionView>()
  const peekedView = (v: VersionState, custom: Record<string, string> | null): VersionView => {
    let view = peekedViews.get(v)
    if (view === undefined) { view = versionView(v, custom); peekedViews.set(v, view) }
    return view
  }

  /**
   * Picks the version a read asks for (`version` ≤ 0 or undefined = current) and classifies it.
   * `view` builds the version's view (`peekedView` for a shared state from `store.peek`).
   */
  function pick (key: Readonly<KeyState> | undefined, version: number | undefined, view = versionView): VersionRead<VersionState> {
    if (key === undefined) return { status: 'missing' }
    const n = version !== undefined && version > 0 ? version : key.currentVersion
    const v = key.versions.get(n)
    if (v === undefined) return { status: 'missing' }
    const metadata = view(v, key.customMetadata)
    return isLive(v, now()) ? { status: 'ok', metadata, value: v } : { status: 'gone', metadata }
  }

  /** Adds a version holding `data` to `key` (created when new), trims, saves; returns its view. */
  function appendVersion (accessor: string, path: string, key: KeyState | undefined, data: JsonObject): VersionView {
    const config = store.config(accessor)
    const t = now()
    const k: KeyState = key ?? {
      path, currentVersion: 0, oldestVersion: 0, createdTime: t, updatedTime: t, maxVersions: 0, casRequired: false,
      deleteVersionAfter: 0, customMetadata: null, versions: new Map()
    }
    const added = addVersion(k.currentVersion, k.oldestVersion, effectiveMaxVersions(k.maxVersions, config.maxVersions))
    const v: VersionState = {
      version: added.version,
      createdTime: t,
      deletionTime: scheduledDeletionTime(t, config.deleteVersionAfter, k.deleteVersionAfter),
      destroyed: false
    }
    k.currentVersion = added.version
    k.oldestVersion = added.oldestVersion
    k.updatedTime = t
    store.saveMetadata(accessor, k)
    if (added.trim !== undefined) store.trim(accessor, path, added.trim.from, added.trim.to)
    store.insertVersion(accessor, path, v, data)
    return versionView(v, k.customMetadata)
  }

  function checkCas (accessor: string, key: KeyState | undefined, cas: number | undefined): void {
    const required = store.config(accessor).casRequired || (key?.casRequired ?? false)
    const err = casError(cas, key?.currentVersion ?? 0, required)
    if (err !== undefined) throw badRequest(err)
  }

  function readData (accessor: string, path: string, version: number | undefined): VersionRead<JsonObject> {
    const r = pick(store.peek(accessor, path), version, peekedView)
    if (r.status !== 'ok') return r
    return { status: 'ok', metadata: r.metadata, value: store.readData(accessor, path, r.value.version) }
  }

  function requireVersions (versions: number[], message: string): void {
    if (versions.length === 0) throw badRequest(message)
  }

  return {
    /** `GET config` (§3.3). */
    readConfig: (accessor: string): ConfigView => configView(store.config(accessor)),

    /** `POST config` (§3.3): only the given fields change; nothing given = no-op. No hook fires. */
    writeConfig (accessor: string, input: ConfigInput): void {
      if (input.maxVersions === undefined && input.casRequired === undefined && input.deleteVersionAfter === undefined) return
      const c = store.config(accessor)
      if (input.maxVersions !== undefined) c.maxVersions = input.maxVersions
      if (input.casRequired !== undefined) c.casRequired = input.casRequired
      if (input.deleteVersionAfter !== undefined) c.deleteVersionAfter = input.deleteVersionAfter < 0 ? -1 : input.deleteVersionAfter
      store.saveConfig(accessor, c)
    },

    /** `GET data/:path?version=N` (§3.4): the version's data and metadata. */
    readData,

    /**
     * `POST|PUT data/:path` (§3.5): stores `data` as version `current + 1`, trims, hook `write`.
     * @param cas `options.cas`, or undefined. @throws VaultError 400 with Vault's CAS texts.
     */
    writeData (accessor: string, path: string, data: JsonObject, cas: number | undefined): VersionView {
      return mutate({ accessor, path, kind: 'write' }, (changed) => {
        const key = store.load(accessor, path)
        checkCas(accessor, key, cas)
        changed()
        return appendVersion(accessor, path, key, data)
      })
    },

    /**
     * `PATCH data/:path` (§3.6): RFC 7396 merge of `patch` onto the current version, stored as a new
     * version (hook `patch`). `missing` → 404 with an empty body; `gone` → raw 404 whose `data` is
     * the flat version metadata. @throws VaultError 400 with Vault's CAS texts.
     */
    patchData (accessor: string, path: string, patch: JsonObject, cas: number | undefined): VersionRead<VersionView> {
      return mutate({ accessor, path, kind: 'patch' }, (changed) => {
        const key = store.load(accessor, path)
        if (key === undefined) return { status: 'missing' }
        checkCas(accessor, key, cas)
        const r = pick(key, undefined)
        if (r.status !== 'ok') return r
        const merged = mergePatch(store.readData(accessor, path, r.value.version), patch)
        changed()
        const metadata = appendVersion(accessor, path, key, merged)
        return { status: 'ok', metadata, value: metadata }
      })
    },

    /** `DELETE data/:path` (§3.7): soft-deletes the current version unless missing, destroyed or already deleted. */
    deleteLatest (accessor: string, path: string): void {
      mutate({ accessor, path, kind: 'delete' }, (changed) => {
        const key = store.load(accessor, path)
        if (key === undefined) return
        const t = now()
        for (const n of versionsToDelete(key.versions, [key.currentVersion], t)) {
          store.setDeletionTime(accessor, path, n, t)
          changed()
        }
      })
    },

    /** `POST delete/:path` (§3.8). @throws VaultError 400 `No version number provided`. */
    deleteVersions (accessor: string, path: string, versions: number[]): void {
      requireVersions(versions, 'No version number provided')
      mutate({ accessor, path, kind: 'delete' }, (changed) => {
        const key = store.load(accessor, path)
        if (key === undefined) return
        const t = now()
        for (const n of versionsToDelete(key.versions, versions, t)) {
          store.setDeletionTime(accessor, path, n, t)
          changed()
        }
      })
    },

    /**
     * `POST undelete/:path` (§3.9): clears the deletion time of existing, non-destroyed versions, then
     * re-applies `delete_version_after` from now. A destroyed version stays destroyed.
     * @throws VaultError 400 `No version number provided`.
     */
    undeleteVersions (accessor: string, path: string, versions: number[]): void {
      requireVersions(versions, 'No version number provided')
      mutate({ accessor, path, kind: 'undelete' }, (changed) => {
        const key = store.load(accessor, path)
        if (key === undefined) return
        const dva = store.config(accessor).deleteVersionAfter
        const after = scheduledDeletionTime(now(), dva, key.deleteVersionAfter)
        for (const n of versionsNotDestroyed(key.versions, versions)) {
          const before = key.versions.get(n)?.deletionTime ?? null
          if (before === after) continue
          store.setDeletionTime(accessor, path, n, after)
          changed()
        }
      })
    },

    /** `POST destroy/:path` (§3.10): marks versions destroyed and drops their data. @throws VaultError 400 `no version number provided`. */
    destroyVersions (accessor: string, path: string, versions: number[]): void {
      requireVersions(versions, 'no version number provided')
      mutate({ accessor, path, kind: 'destroy' }, (changed) => {
        const key = store.load(accessor, path)
        if (key === undefined) return
        for (const n of versionsNotDestroyed(key.versions, versions)) {
          store.destroy(accessor, path, n)
          changed()
        }
      })
    },

    /** `GET subkeys/:path?version=N&depth=D` (§3.17): the data's structure with values replaced by null. */
    readSubkeys (accessor: string, path: string, version: number | undefined, depth: number): VersionRead<JsonObject> {
      const r = readData(accessor, path, version)
      return r.status === 'ok' ? { status: 'ok', metadata: r.metadata, value: subkeys(r.value, depth) } : r
    }
  }
}
