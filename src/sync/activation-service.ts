/**
 * Activation flags (spec/vault-sync-api.md §3.1, decisions D-15.1): secrets sync must be
 * activated once (persisted) before `sys/sync/*` answers; `-dev` activates at start.
 */
import type { MetaRepo } from '../../db/meta-repo.js'

/** The features Vault gates behind activation flags; vault-sync knows one. */
export const ACTIVATION_FEATURES = ['secrets-sync'] as const
export type ActivationFeature = typeof ACTIVATION_FEATURES[number]

export interface ActivationFlags {
  activated: string[]
  unactivated: string[]
}

/** Creates the activation service over the `meta` settings. */
export function createActivationService ({ meta }: { meta: MetaRepo }) {
  const key = (f: ActivationFeature): string => `activated:${f}`
  const isActivated = (f: ActivationFeature): boolean => meta.get(key(f)) !== undefined
  return {
    isActivated,
    /** `GET sys/activation-flags` data. */
    flags (): ActivationFlags {
      return {
        activated: ACTIVATION_FEATURES.filter(isActivated),
        unactivated: ACTIVATION_FEATURES.filter((f) => !isActivated(f))
      }
    },
    /** Activates `feature` (idempotent) and returns the flags. */
    activate (feature: ActivationFeature): ActivationFlags {
      if (!isActivated(feature)) meta.set(key(feature), new Date().toISOString())
      return this.flags()
    }
  }
}
