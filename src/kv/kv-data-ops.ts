/**
 * KV v2 engine config and versioned data: `config`, `data/:path` (read, write, patch, delete
 * latest), `delete/`, `undelete/`, `destroy/` and `subkeys/` (spec/vault-core-kv-api.md §3.3-3.11,
 * §3.17; Vault's `path_config.go`, `path_data.go`, `path_delete.go`, `path_destroy.go`,
 * `path_subkeys.go`). Inputs arrive decoded (`kv-fields.ts`); errors are 400 `VaultError`s with
 * Vault's texts. Every operation resolves (the async `Store`, issue 18); a read also has a
 * synchronous form answering from the caches (`peekReadJson`), for the KV read path.
 */
import { MISS, type Miss } from '../../db/read-cache.js'
import { badRequest } from '../vault/errors.js'
import type { KvContext } from './kv-context.js'
import { mergePatch, subkeys, type JsonObject } from './kv-json.js'
import {
  addVersion, casError, effectiveMaxVersions, isLive, scheduledDeletionTime, versionsNotDestroyed, versionsToDelete,
  type VersionState
} from './kv-rules.js'
import type { EngineConfig, KeyState } from './kv-state.js'
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
export function dataOperations ({ store, now, mutate, mutateSync, unit }: KvContext) {
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
    // The clock is read only when the answer depends on it (a deletion time set).
    const live = !v.destroyed && (v.deletionTime === null || isLive(v, now()))
    return live ? { status: 'ok', metadata, value: v } : { status: 'gone', metadata }
  }

  /** `key` (created when new) with a version added at now: the new version and what to trim. */
  function nextVersion (path: string, key: KeyState | undefined, config: EngineConfig) {
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
    return { k, v, trim: added.trim }
  }

  /** Adds a version holding `data` to `key` (created when new), trims, saves; returns its view. */
  async function appendVersion (accessor: string, path: string, key: KeyState | undefined, data: JsonObject, config: EngineConfig): Promise<VersionView> {
    const { k, v, trim } = nextVersion(path, key, config)
    await store.saveMetadata(accessor, k)
    if (trim !== undefined) await store.trim(accessor, path, trim.from, trim.to)
    await store.insertVersion(accessor, path, v, data)
    return versionView(v, k.customMetadata)
  }

  /** Throws Vault's CAS error when `cas` does not fit `key` under `config`. @throws VaultError 400. */
  function requireCas (config: EngineConfig, key: KeyState | undefined, cas: number | undefined): void {
    const err = casError(cas, key?.currentVersion ?? 0, config.casRequired || (key?.casRequired ?? false))
    if (err !== undefined) throw badRequest(err)
  }

  /** The engine config, once the CAS rule passed. @throws VaultError 400 with Vault's CAS texts. */
  async function checkCas (accessor: string, key: KeyState | undefined, cas: number | undefined): Promise<EngineConfig> {
    const config = await store.config(accessor)
    requireCas(config, key, cas)
    return config
  }

  async function writeDataInUnit (accessor: string, path: string, data: JsonObject, cas: number | undefined): Promise<VersionView> {
    return await mutate({ accessor, path, kind: 'write' }, async (changed) => {
      const key = await store.loadForUpdate(accessor, path)
      const config = await checkCas(accessor, key, cas)
      changed()
      return await appendVersion(accessor, path, key, data, config)
    })
  }

  /**
   * `writeData` in one synchronous transaction (`KvContext.mutateSync`), or undefined when that
   * does not apply. With `committed`, the COMMIT may be shared with this turn's other synchronous
   * writes: the view is returned at once, durable once `committed()` is called.
   */
  function writeDataSync (accessor: string, path: string, data: JsonObject, cas: number | undefined, committed?: (err?: unknown) => void): VersionView | undefined {
    // Called after `mutateSync` returned (`Store.runSync`), so `done` is set when the work ran.
    const told = committed === undefined
      ? undefined
      : (err?: unknown): void => {
          if (done !== undefined) store.sync.settled(done.row, err)
          committed(err)
        }
    const done = mutateSync({ accessor, path, kind: 'write' }, (kv) => {
      const sync = store.sync
      const key = sync.loadMetadataForUpdate(kv, accessor, path)
      const config = sync.config(kv, accessor)
      requireCas(config, key, cas)
      const { k, v, trim } = nextVersion(path, key, config)
      const view = versionView(v, k.customMetadata)
      // The one write, and the last step (`mutateSync`'s `oneStatement`).
      return { row: sync.append(kv, accessor, k, trim, v, data), view }
    }, told, true)
    if (done === undefined) return undefined
    store.sync.remember(done.row, told !== undefined)
    return done.view
  }

  async function readData (accessor: string, path: string, version: number | undefined): Promise<VersionRead<JsonObject>> {
    const r = pick(await store.peek(accessor, path), version, peekedView)
    if (r.status !== 'ok') return r
    return { status: 'ok', metadata: r.metadata, value: await store.readData(accessor, path, r.value.version) }
  }

  /**
   * `readData` from the caches alone (no promise), its data as JSON (the UTF-8 bytes of
   * `JSON.stringify` of what `readData` answers; shared, not to be changed), or `MISS` when a row
   * is not cached.
   */
  function peekReadJson (accessor: string, path: string, version: number | undefined): VersionRead<Buffer> | Miss {
    const key = store.peekCached(accessor, path)
    if (key === MISS) return MISS
    const r = pick(key, version, peekedView)
    if (r.status !== 'ok') return r
    const value = store.peekDataJson(accessor, path, r.value.version)
    return value === MISS ? MISS : { status: 'ok', metadata: r.metadata, value }
  }

  function requireVersions (versions: number[], message: string): void {
    if (versions.length === 0) throw badRequest(message)
  }

  return {
    /** `GET config` (§3.3). */
    readConfig: async (accessor: string): Promise<ConfigView> => configView(await store.config(accessor)),

    /** `POST config` (§3.3): only the given fields change; nothing given = no-op. No hook fires. */
    async writeConfig (accessor: string, input: ConfigInput): Promise<void> {
      if (input.maxVersions === undefined && input.casRequired === undefined && input.deleteVersionAfter === undefined) return
      await unit(async () => {
        const c = await store.config(accessor)
        if (input.maxVersions !== undefined) c.maxVersions = input.maxVersions
        if (input.casRequired !== undefined) c.casRequired = input.casRequired
        if (input.deleteVersionAfter !== undefined) c.deleteVersionAfter = input.deleteVersionAfter < 0 ? -1 : input.deleteVersionAfter
        await store.saveConfig(accessor, c)
      })
    },

    /** `GET data/:path?version=N` (§3.4): the version's data and metadata. */
    readData,

    /** `readData` answered synchronously from the caches, data as JSON text, or `MISS` (then await `readData`). */
    peekReadJson,

    /**
     * `POST|PUT data/:path` (§3.5): stores `data` as version `current + 1`, trims, hook `write`.
     * @param cas `options.cas`, or undefined. @throws VaultError 400 with Vault's CAS texts.
     */
    async writeData (accessor: string, path: string, data: JsonObject, cas: number | undefined): Promise<VersionView> {
      return writeDataSync(accessor, path, data, cas) ?? await writeDataInUnit(accessor, path, data, cas)
    },

    /**
     * `writeData` done at once without a promise (SQLite, nothing queued, no hook with work:
     * issue 16), or undefined when it cannot be (nothing written: then `writeDataInUnit`). The
     * new version's view is returned at once, but its COMMIT may be shared with this turn's other
     * such writes: answer only once `committed()` is called (`committed(err)`: not written).
     * @throws VaultError 400 with Vault's CAS texts.
     */
    writeDataNow: (accessor: string, path: string, data: JsonObject, cas: number | undefined, committed: (err?: unknown) => void): VersionView | undefined =>
      writeDataSync(accessor, path, data, cas, committed),

    /** `writeData` as a unit of work (the path `writeDataNow` declined). @throws VaultError 400 with Vault's CAS texts. */
    writeDataInUnit,

    /**
     * `PATCH data/:path` (§3.6): RFC 7396 merge of `patch` onto the current version, stored as a new
     * version (hook `patch`). `missing` → 404 with an empty body; `gone` → raw 404 whose `data` is
     * the flat version metadata. @throws VaultError 400 with Vault's CAS texts.
     */
    async patchData (accessor: string, path: string, patch: JsonObject, cas: number | undefined): Promise<VersionRead<VersionView>> {
      return await mutate({ accessor, path, kind: 'patch' }, async (changed): Promise<VersionRead<VersionView>> => {
        const key = await store.loadForUpdate(accessor, path)
        if (key === undefined) return { status: 'missing' }
        const config = await checkCas(accessor, key, cas)
        const r = pick(key, undefined)
        if (r.status !== 'ok') return r
        const merged = mergePatch(await store.readData(accessor, path, r.value.version), patch)
        changed()
        const metadata = await appendVersion(accessor, path, key, merged, config)
        return { status: 'ok', metadata, value: metadata }
      })
    },

    /** `DELETE data/:path` (§3.7): soft-deletes the current version unless missing, destroyed or already deleted. */
    async deleteLatest (accessor: string, path: string): Promise<void> {
      await mutate({ accessor, path, kind: 'delete' }, async (changed) => {
        const key = await store.loadForUpdate(accessor, path)
        if (key === undefined) return
        const t = now()
        for (const n of versionsToDelete(key.versions, [key.currentVersion], t)) {
          await store.setDeletionTime(accessor, path, n, t)
          changed()
        }
      })
    },

    /** `POST delete/:path` (§3.8). @throws VaultError 400 `No version number provided`. */
    async deleteVersions (accessor: string, path: string, versions: number[]): Promise<void> {
      requireVersions(versions, 'No version number provided')
      await mutate({ accessor, path, kind: 'delete' }, async (changed) => {
        const key = await store.loadForUpdate(accessor, path)
        if (key === undefined) return
        const t = now()
        for (const n of versionsToDelete(key.versions, versions, t)) {
          await store.setDeletionTime(accessor, path, n, t)
          changed()
        }
      })
    },

    /**
     * `POST undelete/:path` (§3.9): clears the deletion time of existing, non-destroyed versions, then
     * re-applies `delete_version_after` from now. A destroyed version stays destroyed.
     * @throws VaultError 400 `No version number provided`.
     */
    async undeleteVersions (accessor: string, path: string, versions: number[]): Promise<void> {
      requireVersions(versions, 'No version number provided')
      await mutate({ accessor, path, kind: 'undelete' }, async (changed) => {
        const key = await store.loadForUpdate(accessor, path)
        if (key === undefined) return
        const dva = (await store.config(accessor)).deleteVersionAfter
        const after = scheduledDeletionTime(now(), dva, key.deleteVersionAfter)
        for (const n of versionsNotDestroyed(key.versions, versions)) {
          const before = key.versions.get(n)?.deletionTime ?? null
          if (before === after) continue
          await store.setDeletionTime(accessor, path, n, after)
          changed()
        }
      })
    },

    /** `POST destroy/:path` (§3.10): marks versions destroyed and drops their data. @throws VaultError 400 `no version number provided`. */
    async destroyVersions (accessor: string, path: string, versions: number[]): Promise<void> {
      requireVersions(versions, 'no version number provided')
      await mutate({ accessor, path, kind: 'destroy' }, async (changed) => {
        const key = await store.loadForUpdate(accessor, path)
        if (key === undefined) return
        for (const n of versionsNotDestroyed(key.versions, versions)) {
          await store.destroy(accessor, path, n)
          changed()
        }
      })
    },

    /** `GET subkeys/:path?version=N&depth=D` (§3.17): the data's structure with values replaced by null. */
    async readSubkeys (accessor: string, path: string, version: number | undefined, depth: number): Promise<VersionRead<JsonObject>> {
      const r = await readData(accessor, path, version)
      return r.status === 'ok' ? { status: 'ok', metadata: r.metadata, value: subkeys(r.value, depth) } : r
    }
  }
}
