/**
 * Activation flags (spec/vault-sync-api.md §3.1, decisions D-15.1): secrets sync must be
 * activated once (persisted in `meta`) before `sys/sync/*` answers; `-dev` activates at start.
 * Read through a cache over the storage's change check (issue 18: a flag activated on one
 * replica holds on all of them once heard), so the request gate stays synchronous on a hit.
 */
import { createAsyncReadCache, type ChangeCheck } from '../../db/read-cache.js'
import type { Store } from '../../db/store/repositories.js'

/** The features Vault gates behind activation flags; vault-sync knows one. */
export const ACTIVATION_FEATURES = ['secrets-sync'] as const
export type ActivationFeature = typeof ACTIVATION_FEATURES[number]

export interface ActivationFlags {
  activated: string[]
  unactivated: string[]
}

/** Creates the activation service over the `meta` settings of `store`. */
export function createActivationService ({ store, changes }: { store: Store, changes: ChangeCheck }) {
  const key = (f: ActivationFeature): string => `activated:${f}`
  const cache = createAsyncReadCache<ActivationFeature, boolean>(changes)
  const load = async (f: ActivationFeature): Promise<boolean> => await store.repos.meta.get(key(f)) !== undefined
  /** Whether `feature` is activated: a boolean when cached, else a promise of it. */
  const isActivated = (f: ActivationFeature): boolean | Promise<boolean> => cache.read(f, load)
  const flags = async (): Promise<ActivationFlags> => {
    const on = await Promise.all(ACTIVATION_FEATURES.map(async (f) => [f, await isActivated(f)] as const))
    return {
      activated: on.filter(([, a]) => a).map(([f]) => f),
      unactivated: on.filter(([, a]) => !a).map(([f]) => f)
    }
  }
  return {
    isActivated,
    /** `GET sys/activation-flags` data. */
    flags,
    /** Activates `feature` (idempotent) and returns the flags. */
    async activate (feature: ActivationFeature): Promise<ActivationFlags> {
      if (!await isActivated(feature)) {
        await store.repos.meta.set(key(feature), Buffer.from(new Date().toISOString()))
        cache.clear()
      }
      return await flags()
    }
  }
}
