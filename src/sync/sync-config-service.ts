/**
 * `sys/sync/config` (spec/vault-sync-api.md §3.2): the global `disabled` switch and
 * `queue_capacity`, stored as JSON in the `meta` settings through the `Store` (either engine).
 * PATCH is a merge patch (read-modify-write in one unit of work); DELETE resets to the factory
 * defaults.
 */
import type { MetaRepository, Store } from '../../db/store/repositories.js'
import { badRequest } from '../vault/errors.js'
import { decodeBool, decodeInt } from '../vault/field-decode.js'
import { DEFAULT_SYNC_CONFIG, type SyncConfig } from './sync-types.js'

const KEY = 'sync_config'

/** The request fields of PATCH `sys/sync/config`. */
export const SYNC_CONFIG_FIELDS: ReadonlySet<string> = new Set(['disabled', 'queue_capacity'])

const parse = (raw: Buffer | undefined): SyncConfig =>
  raw === undefined ? { ...DEFAULT_SYNC_CONFIG } : { ...DEFAULT_SYNC_CONFIG, ...(JSON.parse(raw.toString('utf8')) as Partial<SyncConfig>) }

export interface SyncConfigDeps {
  store: Store
}

/** Creates the config service over the `meta` settings. */
export function createSyncConfigService ({ store }: SyncConfigDeps) {
  const listeners: Array<(config: SyncConfig) => void> = []
  const changed = (config: SyncConfig): SyncConfig => { for (const l of listeners) l(config); return config }
  /** The current config from `repos` (the caller's unit, or outside any). */
  const readFrom = async (repos: { meta: MetaRepository }): Promise<SyncConfig> => parse(await repos.meta.get(KEY))
  const read = async (): Promise<SyncConfig> => await readFrom(store.repos)
  return {
    /** The current config (defaults when never set). */
    read,
    /** The same as `read` (the worker's name for it). */
    get: read,
    /**
     * Applies the fields present in `body` (lenient types: `"true"`, `"1000"`) in one unit of
     * work (read, merge, write).
     * @throws VaultError 400 for a non-bool `disabled` or a `queue_capacity` below 1.
     */
    async patch (body: Record<string, unknown>): Promise<SyncConfig> {
      const disabled = decodeBool(body.disabled, 'disabled')
      const capacity = decodeInt(body.queue_capacity, 'queue_capacity')
      if (capacity !== undefined && capacity < 1) throw badRequest('queue_capacity: must be at least 1')
      const next = await store.transaction(async (repos) => {
        const cfg = await readFrom(repos)
        cfg.disabled = disabled ?? cfg.disabled
        if (capacity !== undefined) cfg.queue_capacity = capacity
        await repos.meta.set(KEY, JSON.stringify(cfg))
        return cfg
      })
      return changed(next)
    },
    /** Resets to the defaults and returns them. */
    async reset (): Promise<SyncConfig> {
      await store.repos.meta.set(KEY, JSON.stringify(DEFAULT_SYNC_CONFIG))
      return changed({ ...DEFAULT_SYNC_CONFIG })
    },
    /** Calls `listener` after every change made by this process (the worker resumes when `disabled` is cleared). */
    onChange (listener: (config: SyncConfig) => void): void { listeners.push(listener) }
  }
}

export type SyncConfigService = ReturnType<typeof createSyncConfigService>
