/**
 * Vault settings: the defaults (the real service's behaviour, spec/azure-keyvault-api.md §3-§4)
 * and validated patching, shared by the programmatic API and `PATCH /_emulator/vaults/{v}/settings`.
 */
import type { BlockList } from 'node:net'
import { compileAllowList, openPolicy, type RbacDeny } from './policy.js'
import { DEFAULT_THROTTLE, type RetryAfterMode } from './throttle.js'
import type { VaultSettings, VaultSettingsPatch } from './types.js'
import { LIMITS } from './validation.js'

/** The service's defaults: 90-day soft delete without purge protection, instant transitions, 300/4,000 per 10 s, pages of 25. */
export function defaultSettings (): VaultSettings {
  return { recoverableDays: 90, purgeProtection: false, beingDeletedMs: 0, beingRecoveredMs: 0, throttle: { ...DEFAULT_THROTTLE }, policy: openPolicy(), paging: { pageSize: LIMITS.pageMax, emptyPageEvery: 0 } }
}

function nonNegative (v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${field} must be a number >= 0`)
  return v
}

function positiveInt (v: unknown, field: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`${field} must be an integer >= 1`)
  return v as number
}

function bool (v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${field} must be a boolean`)
  return v
}

const RETRY_AFTER_MODES: RetryAfterMode[] = ['none', 'seconds', 'milliseconds']

function denies (v: unknown): RbacDeny[] {
  if (!Array.isArray(v)) throw new TypeError('policy.rbacDenies must be an array')
  return v.map((d: unknown, i) => {
    if (d === null || typeof d !== 'object') throw new TypeError(`policy.rbacDenies[${i}] must be an object`)
    const { principal, dataAction } = d as Record<string, unknown>
    if (principal !== undefined && typeof principal !== 'string') throw new TypeError(`policy.rbacDenies[${i}].principal must be a string`)
    if (dataAction !== undefined && typeof dataAction !== 'string') throw new TypeError(`policy.rbacDenies[${i}].dataAction must be a string`)
    return { ...(principal !== undefined ? { principal } : {}), ...(dataAction !== undefined ? { dataAction } : {}) }
  })
}

/**
 * Returns `current` with `patch` applied, plus the compiled firewall allow list. Throws
 * RangeError/TypeError naming the bad field; `current` is never modified.
 */
export function applySettingsPatch (current: VaultSettings, patch: VaultSettingsPatch): { settings: VaultSettings, allowList: BlockList } {
  const s: VaultSettings = structuredClone(current)
  if (patch.recoverableDays !== undefined) {
    const d = patch.recoverableDays
    if (!Number.isInteger(d) || (d !== 0 && (d < 7 || d > 90))) throw new RangeError('recoverableDays must be 0 (Purgeable) or an integer 7..90')
    s.recoverableDays = d
  }
  if (patch.purgeProtection !== undefined) s.purgeProtection = bool(patch.purgeProtection, 'purgeProtection')
  if (patch.beingDeletedMs !== undefined) s.beingDeletedMs = nonNegative(patch.beingDeletedMs, 'beingDeletedMs')
  if (patch.beingRecoveredMs !== undefined) s.beingRecoveredMs = nonNegative(patch.beingRecoveredMs, 'beingRecoveredMs')
  const t = patch.throttle
  if (t !== undefined) {
    if (t.enabled !== undefined) s.throttle.enabled = bool(t.enabled, 'throttle.enabled')
    if (t.writeLimit !== undefined) s.throttle.writeLimit = positiveInt(t.writeLimit, 'throttle.writeLimit')
    if (t.otherLimit !== undefined) s.throttle.otherLimit = positiveInt(t.otherLimit, 'throttle.otherLimit')
    if (t.windowMs !== undefined) s.throttle.windowMs = positiveInt(t.windowMs, 'throttle.windowMs')
    if (t.retryAfter !== undefined) {
      if (!RETRY_AFTER_MODES.includes(t.retryAfter)) throw new RangeError(`throttle.retryAfter must be one of ${RETRY_AFTER_MODES.join(', ')}`)
      s.throttle.retryAfter = t.retryAfter
    }
  }
  const g = patch.paging
  if (g !== undefined) {
    if (g.pageSize !== undefined) {
      if (positiveInt(g.pageSize, 'paging.pageSize') > LIMITS.pageMax) throw new RangeError(`paging.pageSize must be an integer 1..${LIMITS.pageMax}`)
      s.paging.pageSize = g.pageSize
    }
    if (g.emptyPageEvery !== undefined) {
      if (!Number.isInteger(g.emptyPageEvery) || g.emptyPageEvery < 0) throw new RangeError('paging.emptyPageEvery must be an integer >= 0')
      s.paging.emptyPageEvery = g.emptyPageEvery
    }
  }
  const p = patch.policy
  if (p !== undefined) {
    if (p.rbacDenies !== undefined) s.policy.rbacDenies = denies(p.rbacDenies)
    if (p.requireContentType !== undefined) s.policy.requireContentType = bool(p.requireContentType, 'policy.requireContentType')
    if (p.firewall !== undefined) {
      if (p.firewall.enabled !== undefined) s.policy.firewall.enabled = bool(p.firewall.enabled, 'policy.firewall.enabled')
      if (p.firewall.allow !== undefined) {
        if (!Array.isArray(p.firewall.allow) || !p.firewall.allow.every((a) => typeof a === 'string')) {
          throw new TypeError('policy.firewall.allow must be an array of strings')
        }
        s.policy.firewall.allow = [...p.firewall.allow]
      }
    }
  }
  return { settings: s, allowList: compileAllowList(s.policy.firewall.allow) }
}
