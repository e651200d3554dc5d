/**
 * `auth/token/create` request rules (spec/vault-core-kv-api.md §4.2, Vault's `token_store.go`
 * `handleCreateCommon`): field decoding (nulls, `""` and `"0s"` mean unset), the policy set a
 * parent may grant, display names, and the TTL with Vault's caps and warnings. Pure functions;
 * every refusal is a 400 `VaultError` with Vault's text.
 */
import { nonAssignablePolicy } from '../acl/fixed-policies.js'
import { decodeBool, decodeDuration, decodeInt, decodeKvPairs, decodeString, decodeStringList } from '../vault/field-decode.js'
import { formatHumanDuration } from '../vault/duration.js'
import { badRequest } from '../vault/errors.js'
import { SYSTEM_LEASE_TTL_SECONDS } from '../vault/lease-ttls.js'

/** Vault's system default and maximum token TTL: 768h, in seconds (the system lease TTL). */
export const SYSTEM_MAX_TTL_SECONDS = SYSTEM_LEASE_TTL_SECONDS

/** A decoded create request. Durations in seconds, 0 = not set. */
export interface CreateTokenInput {
  id?: string
  /** Normalised (trimmed, lower-case, deduplicated) or undefined when not given. */
  policies?: string[]
  meta: Record<string, string> | null
  noParent: boolean
  noDefaultPolicy: boolean
  renewable: boolean
  ttl: number
  explicitMaxTtl: number
  period: number
  displayName: string
  numUses: number
}

/** `strutil.RemoveDuplicates(items, true)`: trimmed, lower-cased, empty ones dropped, unique, sorted. */
export function removeDuplicates (items: string[]): string[] {
  return [...new Set(items.map((s) => s.trim().toLowerCase()).filter((s) => s !== ''))].sort()
}

/** `policyutil.SanitizePolicies`: {@link removeDuplicates}, and `root` absorbs the rest. */
export function sanitizePolicies (names: string[]): string[] {
  const unique = removeDuplicates(names)
  return unique.includes('root') ? ['root'] : unique
}

/** Vault's display name: `token-<name>`, runs of other characters than `[A-Za-z0-9-]` as one `-`. */
function displayName (value: unknown): string {
  const given = decodeString(value, 'display_name')
  if (given === undefined || given === '') return 'token'
  const name = `token-${given}`.replace(/[^a-zA-Z0-9-]+/g, '-')
  return name.endsWith('-') ? name.slice(0, -1) : name
}

/**
 * Decodes the body of `auth/token/create`, `create-orphan` and `create/:role_name`.
 * @throws VaultError 400 for unconvertible fields, negative durations or uses, batch tokens.
 */
export function decodeCreateRequest (body: Record<string, unknown>): CreateTokenInput {
  const type = decodeString(body.type, 'type')
  if (type !== undefined && type !== '' && type !== 'service' && type !== 'default-service') {
    if (type === 'batch' || type === 'default-batch') throw badRequest('batch tokens are not supported by vault-sync; use service tokens')
    throw badRequest("invalid 'token_type' value")
  }
  const duration = (field: string): number => {
    const d = decodeDuration(body[field], field, true) ?? 0
    if (d < 0) throw badRequest(`${field} must be positive`)
    return d
  }
  const numUses = decodeInt(body.num_uses, 'num_uses') ?? 0
  if (numUses < 0) throw badRequest('number of uses cannot be negative')
  const policies = body.policies === undefined || body.policies === '' ? undefined : decodeStringList(body.policies, 'policies')
  const id = decodeString(body.id, 'id')
  const meta = body.meta === undefined ? {} : decodeKvPairs(body.meta, 'meta')
  return {
    id: id === undefined || id === '' ? undefined : id,
    policies: policies === undefined ? undefined : sanitizePolicies(policies),
    meta: Object.keys(meta).length === 0 ? null : meta,
    noParent: decodeBool(body.no_parent, 'no_parent') ?? false,
    noDefaultPolicy: decodeBool(body.no_default_policy, 'no_default_policy') ?? false,
    renewable: decodeBool(body.renewable, 'renewable') ?? true,
    ttl: duration('ttl'),
    explicitMaxTtl: duration('explicit_max_ttl'),
    period: duration('period'),
    displayName: displayName(body.display_name),
    numUses
  }
}

/**
 * The child's policies from the parent's, as Vault's `handleCreateCommon` (token_store.go)
 * decides them without a role:
 * - no policies given: the parent's, as they are (`default` only when the parent has it);
 * - not sudo: the policies given must be a subset of the parent's (`default` included: a parent
 *   without it cannot grant it); `default` is added when the parent has it;
 * - sudo (root, or `sudo` on the create path): any policies; `default` is added.
 * `no_default_policy` stops the adding and strips `default` from the result whatever the case;
 * `root` then needs a root parent.
 * @param isSudo the parent is root or has `sudo` on the create path.
 * @throws VaultError 400 `child policies must be subset of parent`,
 *   `root tokens may not be created without parent token being root`, in Vault's order.
 */
export function resolvePolicies (parent: string[], input: CreateTokenInput, isSudo: boolean): string[] {
  let policies: string[]
  let addDefault = false
  if (input.policies === undefined || input.policies.length === 0) {
    policies = parent
  } else if (!isSudo) {
    const own = new Set(sanitizePolicies(parent))
    if (!input.policies.every((p) => own.has(p))) throw badRequest('child policies must be subset of parent')
    policies = input.policies
    addDefault = !input.noDefaultPolicy && parent.includes('default')
  } else {
    policies = input.policies
    addDefault = !input.noDefaultPolicy
  }
  return finalPolicies(parent, policies, addDefault, input.noDefaultPolicy)
}

/**
 * The end of `handleCreateCommon`'s policy logic (token_store.go), whatever chose `policies`
 * (`resolvePolicies`, or a role's rules in `token-role-create.ts`): sanitized with `default`
 * added when `addDefault`, `default` stripped by `no_default_policy`, internal policies refused,
 * `root` only from a root parent.
 * @throws VaultError 400 `cannot assign policy "x"`,
 *   `root tokens may not be created without parent token being root`.
 */
export function finalPolicies (parent: string[], policies: string[], addDefault: boolean, noDefaultPolicy: boolean): string[] {
  let result = sanitizePolicies(addDefault ? [...policies, 'default'] : policies)
  if (noDefaultPolicy) result = result.filter((p) => p !== 'default')
  const internal = nonAssignablePolicy(result) // policy_store.go nonAssignablePolicies
  if (internal !== undefined) throw badRequest(`cannot assign policy ${JSON.stringify(internal)}`)
  if (result.includes('root') && !parent.includes('root')) throw badRequest('root tokens may not be created without parent token being root')
  return result
}

/** The token store's TTL limits in seconds (`sys/auth/token/tune`; Vault's system default 768h for both). */
export interface TokenTtlLimits {
  /** TTL of a token created without `ttl`. */
  defaultTtl: number
  /** Longest TTL of a non-periodic token. */
  maxTtl: number
}

/** The limits of an untuned token store. */
export const SYSTEM_TTL_LIMITS: TokenTtlLimits = { defaultTtl: SYSTEM_MAX_TTL_SECONDS, maxTtl: SYSTEM_MAX_TTL_SECONDS }

/**
 * The token's TTL and explicit max TTL in seconds (0 = never expires / none) and Vault's
 * warnings, in Vault's order (`handleCreateCommon`, then `framework.CalculateTTL`):
 * `explicit_max_ttl` above the max TTL is capped to it (non-periodic tokens); `ttl` above
 * `explicit_max_ttl` is capped to it, and an unset `ttl` takes it; otherwise an unset `ttl`
 * is the default TTL; the result is capped at the max TTL. Periodic tokens live for `period`
 * (capped, with `CalculateTTL`'s warning, by the max TTL or a lower `explicit_max_ttl`); a `root`
 * token without any TTL never expires.
 */
export function resolveTtl (input: CreateTokenInput, policies: string[], limits: TokenTtlLimits = SYSTEM_TTL_LIMITS): { ttl: number, explicitMaxTtl: number, warnings: string[] } {
  const warnings: string[] = []
  let explicitMaxTtl = input.explicitMaxTtl
  if (input.period > 0) return { ttl: cappedPeriod(input.period, limits.maxTtl, explicitMaxTtl, warnings), explicitMaxTtl, warnings }
  if (explicitMaxTtl > limits.maxTtl) {
    warnings.push(`Explicit max TTL of ${explicitMaxTtl} seconds is greater than system/mount allowed value; value is being capped to ${limits.maxTtl} seconds`)
    explicitMaxTtl = limits.maxTtl
  }
  let ttl = input.ttl
  if (explicitMaxTtl > 0) {
    if (ttl === 0) ttl = explicitMaxTtl
    else if (ttl > explicitMaxTtl) {
      warnings.push(`Requested TTL of ${ttl} seconds higher than explicit max TTL; value being capped to ${explicitMaxTtl} seconds`)
      ttl = explicitMaxTtl
    }
  }
  if (ttl === 0 && !policies.includes('root')) ttl = limits.defaultTtl
  if (ttl > limits.maxTtl) {
    warnings.push(ttlCapWarning(ttl, limits.maxTtl))
    ttl = limits.maxTtl
  }
  return { ttl, explicitMaxTtl, warnings }
}

/**
 * `framework.CalculateTTL` for a periodic token: `period` (seconds) capped by the effective max
 * TTL (`maxTtl`, or `explicitMaxTtl` when set and lower), the cap's warning pushed on `warnings`.
 */
export function cappedPeriod (period: number, maxTtl: number, explicitMaxTtl: number, warnings: string[]): number {
  const max = explicitMaxTtl > 0 ? Math.min(maxTtl, explicitMaxTtl) : maxTtl
  if (period <= max) return period
  warnings.push(`period of ${JSON.stringify(formatHumanDuration(period))} exceeded the effective max_ttl of ${JSON.stringify(formatHumanDuration(max))}; period value is capped accordingly`)
  return max
}

/** `framework.CalculateTTL`'s warning, durations as Vault's `humanDuration` prints them. */
export function ttlCapWarning (ttl: number, max: number): string {
  return `TTL of ${JSON.stringify(formatHumanDuration(ttl))} exceeded the effective max_ttl of ${JSON.stringify(formatHumanDuration(max))}; TTL value is capped accordingly`
}
