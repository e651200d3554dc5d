/**
 * A mount's lease TTLs as Vault reads, checks and reports them, shared by secrets-engine mounts
 * (`sys/mounts/:path` and its `/tune`, spec/vault-core-kv-api.md §2.3, §2.6) and the token store
 * (`sys/auth/token/tune`, §2.8). Stored values are whole **seconds**, 0 meaning "the system
 * value": 768h for both, as on a Vault server without `default_lease_ttl`/`max_lease_ttl` in its
 * configuration. Sources: Vault's `handleMount` (enable), `handleTuneWriteCommon` and
 * `tuneMountTTLs` (tune), `dynamicSystemView.fetchTTLs` (effective values).
 */
import { parseDurationSeconds } from './duration.js'
import { badRequest } from './errors.js'

/** Vault's system default and max lease TTL (768h), in seconds. */
export const SYSTEM_LEASE_TTL_SECONDS = 2764800

/** Stored lease TTLs, seconds; 0 = the system value. */
export interface LeaseTtls {
  default_lease_ttl: number
  max_lease_ttl: number
}

/**
 * A TTL field as Vault reads it (`TypeString`): `undefined` when absent, `null` or `""`, 0 for
 * `"system"`, else the duration in seconds (a bare number is seconds).
 * @throws TypeError with Go's duration error text (`time: invalid duration "soon"`).
 */
function ttlField (value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const text = typeof value === 'number' ? String(value) : value
  return text === 'system' ? 0 : parseDurationSeconds(text, { nonNegative: true })
}

/** A tune field: absent keeps `current`. @throws VaultError 400 with Go's duration error text. */
function tuneTtl (value: unknown, current: number): number {
  try {
    return ttlField(value) ?? current
  } catch (err) {
    throw badRequest((err as Error).message)
  }
}

/**
 * The TTLs after a tune write of `body` (`default_lease_ttl`, `max_lease_ttl`) on `current`.
 * @throws VaultError 400 for a bad duration, or (both set) a max below the default:
 *   `backend max lease TTL of 3600 would be less than backend default lease TTL of 7200`.
 */
export function tunedLeaseTtls (body: Record<string, unknown>, current: LeaseTtls): LeaseTtls {
  const next = { default_lease_ttl: tuneTtl(body.default_lease_ttl, current.default_lease_ttl), max_lease_ttl: tuneTtl(body.max_lease_ttl, current.max_lease_ttl) }
  if (next.default_lease_ttl !== 0 && next.max_lease_ttl !== 0 && next.max_lease_ttl < next.default_lease_ttl) {
    throw badRequest(`backend max lease TTL of ${next.max_lease_ttl} would be less than backend default lease TTL of ${next.default_lease_ttl}`)
  }
  return next
}

/**
 * The TTLs of a new mount from the enable request's `config` object (absent: both 0). Each is
 * a duration string or a number of seconds; `""` and `"system"` mean 0.
 * @throws VaultError 400 with Vault's texts: `unable to convert given mount config information`
 *   (not an object), `unable to parse default TTL of soon: time: invalid duration "soon"` (or
 *   `max TTL`), `given default lease TTL greater than given max lease TTL`, and
 *   `given default lease TTL greater than system max lease TTL of 2764800`.
 */
export function enableLeaseTtls (config: unknown): LeaseTtls {
  if (config === undefined || config === null) return { default_lease_ttl: 0, max_lease_ttl: 0 }
  if (typeof config !== 'object' || Array.isArray(config)) throw badRequest('unable to convert given mount config information')
  const read = (field: 'default_lease_ttl' | 'max_lease_ttl', name: string): number => {
    const value = (config as Record<string, unknown>)[field]
    try {
      return ttlField(value) ?? 0
    } catch (err) {
      throw badRequest(`unable to parse ${name} TTL of ${String(value)}: ${(err as Error).message}`)
    }
  }
  const ttls = { default_lease_ttl: read('default_lease_ttl', 'default'), max_lease_ttl: read('max_lease_ttl', 'max') }
  if (ttls.max_lease_ttl !== 0 && ttls.default_lease_ttl > ttls.max_lease_ttl) throw badRequest('given default lease TTL greater than given max lease TTL')
  if (ttls.max_lease_ttl === 0 && ttls.default_lease_ttl > SYSTEM_LEASE_TTL_SECONDS) {
    throw badRequest(`given default lease TTL greater than system max lease TTL of ${SYSTEM_LEASE_TTL_SECONDS}`)
  }
  return ttls
}

/**
 * The TTLs as tune reads report them, in seconds: each stored one, or the system's when unset
 * (Vault's `fetchTTLs` behind `handleTuneReadCommon`; a default above a tuned max is reported
 * as it is, the cap applies where a TTL is given out).
 */
export function effectiveLeaseTtls (stored: LeaseTtls): { defaultTtl: number, maxTtl: number } {
  return {
    defaultTtl: stored.default_lease_ttl > 0 ? stored.default_lease_ttl : SYSTEM_LEASE_TTL_SECONDS,
    maxTtl: stored.max_lease_ttl > 0 ? stored.max_lease_ttl : SYSTEM_LEASE_TTL_SECONDS
  }
}
