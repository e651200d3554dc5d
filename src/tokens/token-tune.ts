/**
 * The token store's auth mount, `token/`: its tunable TTLs (`sys/auth/token/tune`, Vault's
 * `handleAuthTuneRead` / `handleTuneWriteCommon`) and its entry in `GET sys/auth`
 * (spec/vault-core-kv-api.md §2.8, Vault's `handleAuthTable`). `default_lease_ttl` and
 * `max_lease_ttl` are stored in the `meta` table in seconds, 0 meaning "the system value" (768h
 * for both, as a Vault server without `default_lease_ttl`/`max_lease_ttl` in its
 * configuration). A tuned max replaces the system max for tokens, as a mount's max does in
 * Vault. The mount's accessor (`auth_token_<8 hex>`) and uuid are derived from the `sys/`
 * mount's uuid (random, made once per database under the mount table's lock), so every
 * process and replica reports the same ones without storing more.
 */
import { createHash } from 'node:crypto'
import type { Store } from '../../db/store/repositories.js'
import { effectiveLeaseTtls, tunedLeaseTtls, type LeaseTtls } from '../vault/lease-ttls.js'
import type { TokenTtlLimits } from './token-request.js'

const META_KEY = 'token_tune'

/** The stored settings, seconds; 0 = the system value. */
type StoredTune = LeaseTtls

/** The `data` of `GET sys/auth/token/tune`: effective seconds. */
export interface TokenTuneView {
  default_lease_ttl: number
  description: string
  force_no_cache: boolean
  max_lease_ttl: number
  token_type: 'default-service'
}

/** The `token/` entry of `GET sys/auth` (Vault's auth mount entry; its config TTLs as stored, 0 = system). */
export interface TokenAuthMountEntry {
  accessor: string
  config: { default_lease_ttl: number, force_no_cache: boolean, max_lease_ttl: number, token_type: 'default-service' }
  description: string
  external_entropy_access: boolean
  local: boolean
  options: null
  plugin_version: string
  running_plugin_version: string
  running_sha256: string
  seal_wrap: boolean
  type: 'token'
  uuid: string
}

/** The `token/` entry with `accessor`, `uuid` and the stored TTLs (also the OpenAPI example's). */
export function tokenAuthMountEntry (accessor: string, uuid: string, ttls: LeaseTtls): TokenAuthMountEntry {
  return {
    accessor,
    config: { default_lease_ttl: ttls.default_lease_ttl, force_no_cache: false, max_lease_ttl: ttls.max_lease_ttl, token_type: 'default-service' },
    description: 'token based credentials',
    external_entropy_access: false,
    local: false,
    options: null,
    plugin_version: '',
    running_plugin_version: 'v2.1.0+builtin.vault',
    running_sha256: '',
    seal_wrap: false,
    type: 'token',
    uuid
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

  /** The limits tokens get, in seconds; a default above the max is the max (a token's TTL never passes its max). */
  async function limits (): Promise<TokenTtlLimits> {
    const { defaultTtl, maxTtl } = effectiveLeaseTtls(await stored())
    return { defaultTtl: Math.min(defaultTtl, maxTtl), maxTtl }
  }

  return {
    limits,

    /** `GET sys/auth/token/tune`: the stored TTLs, or the system's (uncapped, as Vault reports them). */
    async read (): Promise<TokenTuneView> {
      const { defaultTtl, maxTtl } = effectiveLeaseTtls(await stored())
      return { default_lease_ttl: defaultTtl, description: 'token based credentials', force_no_cache: false, max_lease_ttl: maxTtl, token_type: 'default-service' }
    },

    /** The `token/` entry of `GET sys/auth`, its accessor and uuid derived from `sysMountUuid` (the `sys/` mount's). */
    async mountEntry (sysMountUuid: string): Promise<TokenAuthMountEntry> {
      const h = createHash('sha256').update(`vault-sync token auth mount\0${sysMountUuid}`).digest('hex')
      const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
      return tokenAuthMountEntry(`auth_token_${h.slice(32, 40)}`, uuid, await stored())
    },

    /**
     * `POST sys/auth/token/tune` with `default_lease_ttl` and/or `max_lease_ttl`.
     * @throws VaultError 400 for a bad duration, or a max below the default (Vault's text).
     */
    async tune (body: Record<string, unknown>): Promise<void> {
      await store.transaction(async () => {
        const next: StoredTune = tunedLeaseTtls(body, await stored())
        await meta.set(META_KEY, JSON.stringify(next))
      })
    }
  }
}

export type TokenTuneService = ReturnType<typeof createTokenTuneService>
