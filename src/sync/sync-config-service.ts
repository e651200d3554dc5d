/**
 * `sys/sync/config` (spec/vault-sync-api.md §3.2): the global `disabled` switch and
 * `queue_capacity`, stored as JSON in the `meta` settings. PATCH is a merge patch; DELETE
 * resets to the factory defaults.
 */
import type { MetaRepo } from '../../db/meta-repo.js'
import { badRequest } from '../vault/errors.js'
import { decodeBool, decodeInt } from '../vault/field-decode.js'
import { DEFAULT_SYNC_CONFIG, type SyncConfig } from './sync-types.js'

const KEY = 'sync_config'

/** The request fields of PATCH `sys/sync/config`. */
export const SYNC_CONFIG_FIELDS: ReadonlySet<string> = new Set(['disabled', 'queue_capacity'])

/** Creates the config service over the `meta` settings. */
export function createSyncConfigService ({ meta }: { meta: MetaRepo }) {
  const listeners: Array<(config: SyncConfig) => void> = []
  const changed = (config: SyncConfig): SyncConfig => { for (const l of listeners) l(config); return config }
  function get (): SyncConfig {
    const raw = meta.get(KEY)
    if (raw === undefined) return { ...DEFAULT_SYNC_CONFIG }
    return { ...DEFAULT_SYNC_CONFIG, ...(JSON.parse(raw.toString('utf8')) as Partial<SyncConfig>) }
  }
  return {
    /** The current config (defaults when never set). */
    get,
    /**
     * Applies the fields present in `body` (lenient types: `"true"`, `"1000"`).
     * @throws VaultError 400 for a non-bool `disabled` or a `queue_capacity` below 1.
     */
    patch (body: Record<string, unknown>): SyncConfig {
      const next = get()
      next.disabled = decodeBool(body.disabled, 'disabled') ?? next.disabled
      const capacity = decodeInt(body.queue_capacity, 'queue_capacity')
      if (capacity !== undefined) {
        if (capacity < 1) throw badRequest('queue_capacity: must be at least 1')
        next.queue_capacity = capacity
      }
      meta.set(KEY, JSON.stringify(next))
      return changed(next)
    },
    /** Resets to the defaults and returns them. */
    reset (): SyncConfig {
      meta.set(KEY, JSON.stringify(DEFAULT_SYNC_CONFIG))
      return changed({ ...DEFAULT_SYNC_CONFIG })
    },
    /** Calls `listener` after every change (the worker resumes when `disabled` is cleared). */
    onChange (listener: (config: SyncConfig) => void): void { listeners.push(listener) }
  }
}

export type SyncConfigService = ReturnType<typeof createSyncConfigService>
