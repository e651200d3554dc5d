/**
 * `auth/token/create` request rules (spec/vault-core-kv-api.md §4.2, Vault's `token_store.go`
 * `handleCreateCommon`): field decoding (nulls, `""` and `"0s"` mean unset), the policy set a
 * parent may grant, display names, and the TTL with Vault's caps and warnings. Pure functions;
 * every refusal is a 400 `VaultError` with Vault's text.
 */
import { decodeBool, decodeDuration, decodeInt, decodeKvPairs, decodeString, decodeStringList } from '../vault/field-decode.js'
import { formatGoDuration } from '../vault/duration.js'
import { badRequest } from '../vault/errors.js'

/** Vault's system default and maximum token TTL: 768h, in seconds. */
export const SYSTEM_MAX_TTL_SECONDS = 2764800

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

/** Trims, lower-cases, deduplicates and sorts policy names; `root` absorbs the rest (`policyutil`). */
export function sanitizePolicies (names: string[]): string[] {
  const set = new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => n !== ''))
  if (set.has('root')) return ['root']
  return [...set].sort()
}

/** Vault's display name: `token-<name>`, runs of other characters than `[A-Za-z0-9-]` as one `-`. */
function displayName (value: unknown): string {
  const given = decodeString(value, 'display_name')
  if (given === undefined || given === '') return 'token'
  const name = `token-${given}`.replace(/[^a-zA-Z0-9-]+/g, '-')
  return name.endsWith('-') ? name.slice(0, -1) : name
}

/**
 * Decodes the body of `auth/token/create` / `create-orphan`.
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
 * The child's policies from the parent's (Vault's rules: no policies → the parent's; `default`
 * added unless `no_default_policy` (for explicit policies only when the parent has it or is
 * sudo); `root` only from a root parent; a non-sudo parent grants only a subset of its own).
 * @param isSudo the parent is root or has `sudo` on the create path.
 * @throws VaultError 400 `root tokens may not be created without parent token being root`,
 *   `child policies must be subset of parent`.
 */
export function resolvePolicies (parent: string[], input: CreateTokenInput, isSudo: boolean): string[] {
  let policies: string[]
  let addDefault: boolean
  if (input.policies === undefined || input.policies.length === 0) {
    policies = [...parent]
    addDefault = !input.noDefaultPolicy
  } else {
    policies = [...input.policies]
    addDefault = !input.noDefaultPolicy && (isSudo || parent.includes('default'))
  }
  if (addDefault) policies.push('default')
  let result = sanitizePolicies(policies)
  if (input.noDefaultPolicy) result = result.filter((p) => p !== 'default')
  if (result.includes('root') && !parent.includes('root')) throw badRequest('root tokens may not be created without parent token being root')
  if (!isSudo) {
    const allowed = new Set(sanitizePolicies([...parent, 'default']))
    if (!result.every((p) => allowed.has(p))) throw badRequest('child policies must be subset of parent')
  }
  return result
}

/**
 * The token's TTL in seconds (0 = never expires) and Vault's cap warning. Periodic tokens live
 * for `period` (capped by `explicit_max_ttl` only); others get `ttl` or the 768h default, capped
 * at min(768h, explicit_max_ttl); a `root` token without any TTL never expires.
 */
export function resolveTtl (input: CreateTokenInput, policies: string[]): { ttl: number, warnings: string[] } {
  const warnings: string[] = []
  if (input.period > 0) {
    const ttl = input.explicitMaxTtl > 0 ? Math.min(input.period, input.explicitMaxTtl) : input.period
    return { ttl, warnings }
  }
  let ttl = input.ttl
  if (ttl === 0 && !policies.includes('root')) ttl = SYSTEM_MAX_TTL_SECONDS
  if (ttl === 0 && input.explicitMaxTtl > 0) ttl = input.explicitMaxTtl
  const max = input.explicitMaxTtl > 0 ? Math.min(SYSTEM_MAX_TTL_SECONDS, input.explicitMaxTtl) : SYSTEM_MAX_TTL_SECONDS
  if (ttl > max) {
    warnings.push(`TTL of ${JSON.stringify(formatGoDuration(ttl))} exceeded the effective max_ttl of ${JSON.stringify(formatGoDuration(max))}; TTL value is capped accordingly`)
    ttl = max
  }
  return { ttl, warnings }
}
