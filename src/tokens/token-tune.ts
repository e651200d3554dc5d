/**
 * The token store's tunable TTLs: `sys/auth/token/tune` (Vault's `handleAuthTuneRead` /
 * `handleTuneWriteCommon` on the `token/` auth mount). `default_lease_ttl` and `max_lease_ttl`
 * are stored in the `meta` table in seconds, 0 meaning "the system value" (768h for both, as a
 * Vault server without `default_lease_ttl`/`max_lease_ttl` in its configuration). A tuned max
 * replaces the system max for tokens, as a mount's max does in Vault.
 */
import type { Store } from '../../db/store/repositories.js'
import { parseDurationSeconds } from '../vault/duration.js'
import { badRequest } from '../vault/errors.js'
import { SYSTEM_MAX_TTL_SECONDS, type TokenTtlLimits } from './token-request.js'

const META_KEY = 'token_tune'

/** The stored settings, seconds; 0 = the system value. */
interface StoredTune { default_lease_ttl: number, max_lease_ttl: number }

/** The `data` of `GET sys/auth/token/tune`: effective seconds. */
export interface TokenTuneView {
  default_lease_ttl: number
  description: string
  force_no_cache: boolean
  max_lease_ttl: number
  token_type: 'default-service'
}

/**
 * A tune field as Vault reads it (`TypeString`): absent or `""` keeps the current value,
 * `"system"` resets it, anything else is a duration (a bare number is seconds).
 * @throws VaultError 400 with Go's duration error text.
 */
function tuneTtl (value: unknown, current: number): number {
  if (value === undefined || value === null || value === '') return current
  const text = typeof value === 'number' ? String(value) : value
  if (text === 'system') return 0
  try {
    return parseDurationSeconds(text, { nonNegative: true })
  } catch (err) {
    throw badRequest((err as Error).message)
  }
}

/** Creates the tune settings over `store`'s `meta` table (every operation resolves). */
export function createTokenTuneService ({ store }: { store: Store }) {
  const meta = store.repos.meta
  // Read per use (token create and renew only), so every process sees a tune at once.
  const stored = async (): Promise<StoredTune> => {
    const raw = await meta.get(META_KEY)
    return raw === undefined ? { default_lease_ttl: 0, max_lease_ttl: 0 } : JSON.parse(raw.toString('utf8')) as StoredTune
  }

  /** The limits in force, in seconds; a default above the max is the max (Vault's `fetchTTLs`). */
  async function limits (): Promise<TokenTtlLimits> {
    const s = await stored()
    const maxTtl = s.max_lease_ttl > 0 ? s.max_lease_ttl : SYSTEM_MAX_TTL_SECONDS
    const defaultTtl = s.default_lease_ttl > 0 ? s.default_lease_ttl : SYSTEM_MAX_TTL_SECONDS
    return { defaultTtl: Math.min(defaultTtl, maxTtl), maxTtl }
  }

  return {
    limits,

    /** `GET sys/auth/token/tune`. */
    async read (): Promise<TokenTuneView> {
      const { defaultTtl, maxTtl } = await limits()
      return { default_lease_ttl: defaultTtl, description: 'token based credentials', force_no_cache: false, max_lease_ttl: maxTtl, token_type: 'default-service' }
    },

    /**
     * `POST sys/auth/token/tune` with `default_lease_ttl` and/or `max_lease_ttl`.
     * @throws VaultError 400 for a bad duration, or a max below the default (Vault's text).
     */
    async tune (body: Record<string, unknown>): Promise<void> {
      await store.transaction(async () => {
        const s = await stored()
        const next: StoredTune = { default_lease_ttl: tuneTtl(body.default_lease_ttl, s.default_lease_ttl), max_lease_ttl: tuneTtl(body.max_lease_ttl, s.max_lease_ttl) }
        if (next.default_lease_ttl !== 0 && next.max_lease_ttl !== 0 && next.max_lease_ttl < next.default_lease_ttl) {
          throw badRequest(`backend max lease TTL of ${next.max_lease_ttl} would be less than backend default lease TTL of ${next.default_lease_ttl}`)
        }
        await meta.set(META_KEY, JSON.stringify(next))
      })
    }
  }
}

export type TokenTuneService = ReturnType<typeof createTokenTuneService>
