/**
 * The token store's auth mount, `token/`: its tunable TTLs (`sys/auth/token/tune`, Vault's
 * `handleAuthTuneRead` / `handleTuneWriteCommon`) and its entry in `GET sys/auth`
 * (spec/vault-core-kv-api.md §2.8, Vault's `handleAuthTable`). `default_lease_ttl` and
 * `max_lease_ttl` are stored in the `meta` table in seconds, 0 meaning "the system value" (768h
 * for both, as a Vault server without `default_lease_ttl`/`max_lease_ttl` in its
 * configuration), with the mount's other settings (`src/mounts/mount-settings.ts`: audit
 * non-HMAC keys, headers, `listing_visibility`, `plugin_version`…) beside them, tuned, read and
 * listed as Vault does for any auth mount. A tuned max replaces the system max for tokens, as a
 * mount's max does in Vault. The mount's accessor (`auth_token_<8 hex>`) and uuid are derived from the `sys/`
 * mount's uuid (random, made once per database under the mount table's lock), so every
 * process and replica reports the same ones without storing more.
 */
import { createHash } from 'node:crypto'
import type { Store } from '../../db/store/repositories.js'
import { nonHmacKeys, pickSettings, tuneReadSettings, tuneSettings, withSettings, type MountSettings, type NonHmacKeys } from '../mounts/mount-settings.js'
import { RUNNING_VERSION } from '../mounts/mount-entry.js'
import { effectiveLeaseTtls, tunedLeaseTtls, type LeaseTtls } from '../vault/lease-ttls.js'
import type { TokenTtlLimits } from './token-request.js'

const META_KEY = 'token_tune'

/** The stored settings: TTLs in seconds (0 = the system value), and the other settings when set. */
type StoredTune = LeaseTtls & MountSettings

/** The `data` of `GET sys/auth/token/tune`: effective seconds, and the settings set (`tuneReadSettings`). */
export type TokenTuneView = {
  default_lease_ttl: number
  description: string
  force_no_cache: boolean
  max_lease_ttl: number
  token_type: 'default-service'
} & MountSettings

/** The `token/` entry of `GET sys/auth` (Vault's auth mount entry; its config TTLs as stored, 0 = system). */
export interface TokenAuthMountEntry {
  accessor: string
  config: { default_lease_ttl: number, force_no_cache: boolean, max_lease_ttl: number, token_type: 'default-service' } & Omit<MountSettings, 'plugin_version'>
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

/**
 * The `token/` entry (Vault's `mountInfo`) with `accessor`, `uuid`, the stored TTLs and the
 * settings set (also the OpenAPI example's).
 */
export function tokenAuthMountEntry (accessor: string, uuid: string, stored: StoredTune): TokenAuthMountEntry {
  const { plugin_version: pluginVersion = '', ...settings } = pickSettings(stored)
  return {
    accessor,
    config: { default_lease_ttl: stored.default_lease_ttl, force_no_cache: false, max_lease_ttl: stored.max_lease_ttl, token_type: 'default-service', ...settings },
    description: 'token based credentials',
    external_entropy_access: false,
    local: false,
    options: null,
    plugin_version: pluginVersion,
    running_plugin_version: RUNNING_VERSION.token,
    running_sha256: '',
    seal_wrap: false,
    type: 'token',
    uuid
  }
}

/** Creates the tune settings over `store`'s `meta` table (every operation resolves). */
export function createTokenTuneService ({ store }: { store: Store }) {
  const meta = store.repos.meta
  // Read per use (token create and renew, and, with an audit device on, every `auth/token/*`
  // request for its audit keys), so every process sees a tune at once: one small meta read.
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

    /**
     * `GET sys/auth/token/tune` (Vault's `handleTuneReadCommon`): the stored TTLs, or the
     * system's (uncapped, as Vault reports them), and the settings set.
     */
    async read (): Promise<TokenTuneView> {
      const tune = await stored()
      const { defaultTtl, maxTtl } = effectiveLeaseTtls(tune)
      return { default_lease_ttl: defaultTtl, description: 'token based credentials', force_no_cache: false, max_lease_ttl: maxTtl, token_type: 'default-service', ...tuneReadSettings(pickSettings(tune)) }
    },

    /**
     * The keys the audit device leaves in clear for requests to `auth/token/`: its
     * `audit_non_hmac_*` settings (Vault's request handling reads them from the mount entry).
     */
    async auditKeys (): Promise<NonHmacKeys> {
      return nonHmacKeys(pickSettings(await stored()))
    },

    /** The `token/` entry of `GET sys/auth`, its accessor and uuid derived from `sysMountUuid` (the `sys/` mount's). */
    async mountEntry (sysMountUuid: string): Promise<TokenAuthMountEntry> {
      const h = createHash('sha256').update(`vault-sync token auth mount\0${sysMountUuid}`).digest('hex')
      const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
      return tokenAuthMountEntry(`auth_token_${h.slice(32, 40)}`, uuid, await stored())
    },

    /**
     * `POST sys/auth/token/tune` (Vault's `handleTuneWriteCommon` on `auth/token/`):
     * `default_lease_ttl`, `max_lease_ttl`, and the settings of `tuneSettings`.
     * @throws VaultError 400 for a bad duration, a max below the default, or a bad setting (Vault's texts).
     */
    async tune (body: Record<string, unknown>): Promise<void> {
      await store.transaction(async () => {
        const current = await stored()
        const ttls = tunedLeaseTtls(body, current)
        // `token` is in no plugin catalog (Vault's helper/builtinplugins registry), so
        // LookupPluginVersion finds no version of it: every plugin_version is refused.
        const settings = tuneSettings(body, pickSettings(current), { type: 'token', runningVersion: '', auth: true })
        await meta.set(META_KEY, JSON.stringify(withSettings({ ...current, ...ttls }, settings)))
      })
    }
  }
}

export type TokenTuneService = ReturnType<typeof createTokenTuneService>
