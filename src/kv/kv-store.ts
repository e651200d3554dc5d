/**
 * The KV v2 state of one mount as domain objects over the Store's `kv` repository
 * (`db/store/repositories.ts`, rows of `db/kv-repo.ts`): loads and saves engine config and key
 * metadata, seals and opens secret data and custom metadata (AES-256-GCM, the `aad` binds each
 * blob to its mount, key and version so a blob moved to another row fails to open). No rules here
 * (see `kv-rules.ts`); callers hold the unit of work. Reads go through a read-through cache
 * (`db/read-cache.ts`) whose hits the `peek*` methods answer synchronously (the KV read path).
 */
import type { KvMetadataRow, KvRepo, KvTrim, KvVersionRow, SqliteKvRepo } from '../../db/kv-repo.js'
import type { CachedRepo } from '../../db/cached-repo.js'
import { MISS, type Miss } from '../../db/read-cache.js'
import type { KvRepository } from '../../db/store/repositories.js'
import type { Sealer } from '../crypto/seal.js'
import type { JsonObject } from './kv-json.js'
import { customAad, dataAad, kvOpeners } from './kv-openers.js'
import type { VersionState } from './kv-rules.js'
import type { EngineConfig, KeyState } from './kv-state.js'

/**
 * The versions of the key states a data write loads (`sync.loadMetadataForUpdate`), which reads
 * none: one shared empty map that refuses entries (no map made per write, issue 16).
 */
const NO_VERSIONS: Map<number, VersionState> = new (class extends Map<number, VersionState> {
  override set (): this { throw new Error('a data write\'s key state holds no version entries') }
})()

/** The version row of `v`. */
const versionRow = (v: VersionState): KvVersionRow =>
  ({ version: v.version, created_time: v.createdTime, deletion_time: v.deletionTime, destroyed: v.destroyed ? 1 : 0 })

/** The engine config of a config row (defaults when never written). */
export const engineConfig = (row: { max_versions: number, cas_required: number, delete_version_after: number } | undefined): EngineConfig => ({
  maxVersions: row?.max_versions ?? 0,
  casRequired: row?.cas_required === 1,
  deleteVersionAfter: row?.delete_version_after ?? 0
})

/**
 * Creates the store over `repo` (the Store's `kv` repository read through a cache; its writes
 * forget the key they change), sealing with `sealer`. `raw` is the uncached repository, for the
 * reads of a read-modify-write (which must see the locked, committed rows).
 *
 * Opened blobs are remembered by the blob object itself (a `WeakMap`): the read-through cache
 * (`db/read-cache.ts`) hands out the same `Buffer` for a row until the row may have changed (a
 * write, or another process's commit seen through the change check), then a new one, so a
 * remembered plaintext lives exactly as long as its sealed row stays cached (at most the cache's
 * 10,000 entries) and is never served for a changed row. A security trade-off, bounded: the
 * plaintext of recently read secrets stays in this process's memory (where every read puts it
 * anyway) instead of being decrypted again per read; it is never logged. Every value returned is
 * freshly parsed, so callers may change it.
 */
export function createKvStore ({ repo, raw, sealer }: { repo: CachedRepo<KvRepository>, raw: KvRepository, sealer: Sealer }) {
  const openers = kvOpeners(sealer)
  const build = openers.build
  /** Key states built by `peek`, by the metadata row object they came from. */
  const peeked = new WeakMap<KvMetadataRow, { rows: KvVersionRow[], state: KeyState }>()
  /** The shared read-only state of cached rows (built once per row objects). */
  const shared = (accessor: string, path: string, row: KvMetadataRow, rows: KvVersionRow[]): Readonly<KeyState> => {
    const hit = peeked.get(row)
    if (hit !== undefined && hit.rows === rows && hit.state.path === path) return hit.state
    const state = build(accessor, path, row, rows)
    peeked.set(row, { rows, state })
    return state
  }
  /** The metadata row of `k`; an empty custom map is stored as none. */
  const metadataRow = (accessor: string, k: KeyState): KvMetadataRow => ({
    accessor,
    path: k.path,
    current_version: k.currentVersion,
    oldest_version: k.oldestVersion,
    created_time: k.createdTime,
    updated_time: k.updatedTime,
    max_versions: k.maxVersions,
    cas_required: k.casRequired ? 1 : 0,
    delete_version_after: k.deleteVersionAfter,
    custom_metadata: k.customMetadata === null || Object.keys(k.customMetadata).length === 0
      ? null
      : sealer.encrypt(JSON.stringify(k.customMetadata), customAad(accessor, k.path))
  })
  const sealData = (accessor: string, path: string, v: VersionState, data: JsonObject): Buffer =>
    sealer.encrypt(JSON.stringify(data), dataAad(accessor, path, v.version))
  /**
   * Metadata rows written by the open synchronous group (`Store.runSync` with `committed`) whose
   * COMMIT has not been reported yet, by path then accessor (no key string built per write).
   * While a row is here its group's transaction is open and holds the database's write lock, and
   * only this group's synchronous data writes run in it (anything else commits the group first),
   * so the row is the key's current one: a later write of the same key in the group reads it
   * from here instead of selecting it (issue 16).
   */
  const groupRows = new Map<string, Map<string, KvMetadataRow>>()
  return {
    /**
     * Synchronous twins of a data write's reads and writes (`loadMetadataForUpdate`, `config`, and
     * `append` for `saveMetadata`, `trim` and `insertVersion`) on SQLite's synchronous KV
     * repository `kv`, for work run by `Store.runSync`; a write makes the cache forget what the
     * async ones do.
     */
    sync: {
      /** The key's state from its metadata row alone (no version entries: a data write needs none), or undefined. */
      loadMetadataForUpdate (kv: KvRepo, accessor: string, path: string): KeyState | undefined {
        const row = groupRows.get(path)?.get(accessor) ?? kv.metadata(accessor, path)
        return row === undefined ? undefined : build(accessor, path, row, [], NO_VERSIONS)
      },
      /** The mount's engine config from the cache, else read and kept (before the write's own writes: as committed). */
      config (kv: KvRepo, accessor: string): EngineConfig {
        const hit = repo.peek('config', accessor)
        if (hit !== MISS) return engineConfig(hit)
        const row = kv.config(accessor)
        repo.remember('config', [accessor], row)
        return engineConfig(row)
      },
      /**
       * Writes a data write's rows in one statement (`SqliteKvRepo.appendVersion`): the key's
       * metadata `k`, the trim of versions `trim`, and version `v` with `data` sealed. Returns the
       * metadata row, for `remember` right after `Store.runSync` returned (what the cache forgets).
       */
      append (kv: SqliteKvRepo, accessor: string, k: KeyState, trim: KvTrim | undefined, v: VersionState, data: JsonObject): KvMetadataRow {
        const row = metadataRow(accessor, k)
        kv.appendVersion(row, trim, versionRow(v), sealData(accessor, k.path, v, data))
        return row
      },
      /**
       * The cache after `append` wrote `row` (committed, or with `own` in the still open group of
       * `Store.runSync`): the key forgotten (its version rows share the metadata's scope) and
       * `row` kept as its metadata, so the next existence check reads nothing. Called right after
       * `Store.runSync` returned; a write that threw changed nothing, and the cache keeps the key.
       */
      remember (row: KvMetadataRow, own = false): void {
        repo.rewrote('metadata', [row.accessor, row.path], row, own)
        if (!own) return
        let byAccessor = groupRows.get(row.path)
        if (byAccessor === undefined) groupRows.set(row.path, byAccessor = new Map())
        byAccessor.set(row.accessor, row)
      },
      /**
       * `row`'s group COMMIT was reported (`err`: it failed, and the cache forgets what it holds of
       * the key); a later write of the key selects its row again.
       */
      settled (row: KvMetadataRow, err?: unknown): void {
        const byAccessor = groupRows.get(row.path)
        if (byAccessor?.get(row.accessor) === row) {
          byAccessor.delete(row.accessor)
          if (byAccessor.size === 0) groupRows.delete(row.path)
        }
        if (err !== undefined) repo.wrote('upsertMetadata', row)
      }
    },

    /** The mount's engine config (defaults when never written). */
    config: async (accessor: string): Promise<EngineConfig> => engineConfig(await repo.config(accessor)),

    /** Writes the mount's engine config. */
    async saveConfig (accessor: string, c: EngineConfig): Promise<void> {
      await repo.upsertConfig({ accessor, max_versions: c.maxVersions, cas_required: c.casRequired ? 1 : 0, delete_version_after: c.deleteVersionAfter })
    },

    /**
     * The key's metadata with every version entry (a fresh copy the caller may change), or
     * undefined when the key has none: from the cache, else with `kv.keyState` (one round trip
     * on PostgreSQL).
     */
    async load (accessor: string, path: string): Promise<KeyState | undefined> {
      const row = repo.peek('metadata', accessor, path)
      const rows = repo.peek('versions', accessor, path)
      if (row === undefined) return undefined
      if (row !== MISS && rows !== MISS) return build(accessor, path, row, rows)
      const state = await raw.keyState(accessor, path)
      return state === undefined ? undefined : build(accessor, path, state.metadata, state.versions)
    },

    /**
     * The key's state as committed, never from the cache (sync planning, issue 18): an outbox row
     * claimed after a KV change committed must plan from that change, while a cached copy may be
     * older than the claim (a read that refilled the cache between the change and its commit, or
     * another replica's change whose notification has not arrived yet).
     */
    async loadCommitted (accessor: string, path: string): Promise<KeyState | undefined> {
      const state = await raw.keyState(accessor, path)
      return state === undefined ? undefined : build(accessor, path, state.metadata, state.versions)
    },

    /** `readData` as committed, never from the cache (see `loadCommitted`). @throws as `readData`. */
    readCommittedData: async (accessor: string, path: string, version: number): Promise<JsonObject> =>
      openers.data(accessor, path, version, await raw.versionData(accessor, path, version)),

    /**
     * `load` for a read-modify-write: starts with `kv.metadataForUpdate`, which locks the key
     * until the unit of work ends (PostgreSQL; SQLite's unit holds the write lock), so "next
     * version" and check-and-set see the last committed version. Call inside a unit of work.
     */
    async loadForUpdate (accessor: string, path: string): Promise<KeyState | undefined> {
      const row = await raw.metadataForUpdate(accessor, path)
      return row === undefined ? undefined : build(accessor, path, row, await raw.versions(accessor, path))
    },

    /**
     * The key's metadata for reading only (shared: callers must not change it), remembered by the
     * row objects it was built from, so a read served from the read-through cache builds nothing.
     */
    async peek (accessor: string, path: string): Promise<Readonly<KeyState> | undefined> {
      const row = await repo.metadata(accessor, path)
      if (row === undefined) return undefined
      return shared(accessor, path, row, await repo.versions(accessor, path))
    },

    /** `peek` answered from the cache alone, or `MISS` (then await `peek`). */
    peekCached (accessor: string, path: string): Readonly<KeyState> | undefined | Miss {
      const row = repo.peek('metadata', accessor, path)
      if (row === MISS || row === undefined) return row
      const rows = repo.peek('versions', accessor, path)
      return rows === MISS ? MISS : shared(accessor, path, row, rows)
    },

    /** Writes the key's metadata row (not its versions); an empty custom map is stored as none. */
    async saveMetadata (accessor: string, k: KeyState): Promise<void> {
      await repo.upsertMetadata(metadataRow(accessor, k))
    },

    /** Removes the key's metadata and, by cascade, every version and its data. @returns true when it existed. */
    deleteKey: async (accessor: string, path: string): Promise<boolean> => await repo.deleteMetadata(accessor, path) > 0,

    /** Stores a new version with its sealed data. */
    async insertVersion (accessor: string, path: string, v: VersionState, data: JsonObject): Promise<void> {
      await repo.insertVersion(accessor, path, versionRow(v), sealData(accessor, path, v, data))
    },

    /** The data of a version. @throws Error when the version has no data (destroyed or missing) or does not open. */
    readData: async (accessor: string, path: string, version: number): Promise<JsonObject> =>
      openers.data(accessor, path, version, await repo.versionData(accessor, path, version)),

    /** `JSON.stringify(readData(...))` as UTF-8 bytes (shared), from the cache alone, or `MISS`. @throws as `readData`. */
    peekDataJson (accessor: string, path: string, version: number): Buffer | Miss {
      const blob = repo.peek('versionData', accessor, path, version)
      return blob === MISS ? MISS : openers.dataJson(accessor, path, version, blob)
    },

    /** Sets (or clears with null) a version's deletion time, microseconds. */
    setDeletionTime: async (accessor: string, path: string, version: number, t: number | null): Promise<void> => {
      await repo.setDeletionTime(accessor, path, version, t)
    },

    /** Marks a version destroyed and drops its data. */
    destroy: async (accessor: string, path: string, version: number): Promise<void> => { await repo.destroyVersion(accessor, path, version) },

    /** Removes versions `from..to` (inclusive) with their data. */
    trim: async (accessor: string, path: string, from: number, to: number): Promise<void> => { await repo.deleteVersionRange(accessor, path, from, to) },

    /** Every key path in the byte range `[from, to)`. */
    paths: async (accessor: string, from: string, to: string | undefined): Promise<string[]> => await repo.pathsInRange(accessor, from, to),

    /** True when the key has metadata. */
    exists: async (accessor: string, path: string): Promise<boolean> => await repo.metadata(accessor, path) !== undefined,

    /** `exists` answered from the cache alone, or `MISS`. */
    peekExists (accessor: string, path: string): boolean | Miss {
      const row = repo.peek('metadata', accessor, path)
      return row === MISS ? MISS : row !== undefined
    }
  }
}

export type KvStore = ReturnType<typeof createKvStore>
