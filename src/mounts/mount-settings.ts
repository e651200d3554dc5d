/**
 * A mount's settings beyond its lease TTLs and `force_no_cache`, shared by secrets-engine mounts
 * (`config` of `POST sys/mounts/:path`, `sys/mounts/:path/tune`) and the token store's auth
 * mount (`sys/auth/token/tune`): `audit_non_hmac_request_keys`, `audit_non_hmac_response_keys`,
 * `listing_visibility`, `passthrough_request_headers`, `allowed_response_headers`,
 * `allowed_managed_keys`, `delegated_auth_accessors`, `identity_token_key`, and the entry's
 * `plugin_version`. Sources (Vault API docs `system/mounts`: "Enable secrets engine", "Read mount
 * configuration", "Tune mount configuration"; `vault/logical_system.go`, `vault/mount.go`,
 * `vault/logical_system_stubs_oss.go`): `handleMount` and `expandStringValsWithCommas` (enable),
 * `handleTuneWriteCommon` (tune), `MountEntry.SyncCache` and `mountInfo` (the entry's `config`),
 * `handleTuneReadCommon` (tune read).
 *
 * Stored in the mount's config JSON under Vault's names, only when non-empty (Vault's
 * `SyncCache` drops empty lists, so every answer omits them). What vault-sync does with them:
 * the audit keys are honoured by the file audit device (`src/audit/audit-hook.ts`); the others
 * are stored and returned only (KV v2 and the token store read no passed-through request header
 * and set no response header; there is no UI mount listing, managed key, delegated auth or
 * plugin identity token here).
 */
import { badRequest } from '../vault/errors.js'
import { commaStringSlice, decodeString, decodeStringList } from '../vault/field-decode.js'
import { enablePluginVersion, tunedPluginVersion } from './plugin-version.js'

/** The list settings, in the order `handleTuneWriteCommon` applies them (audit keys first). */
export const LISTS = ['audit_non_hmac_request_keys', 'audit_non_hmac_response_keys', 'passthrough_request_headers',
  'allowed_response_headers', 'allowed_managed_keys', 'delegated_auth_accessors'] as const
type ListSetting = typeof LISTS[number]
/** Lists `expandStringValsWithCommas` splits when enable's config gives a string (not `delegated_auth_accessors`). */
export const COMMA_LISTS: readonly ListSetting[] = LISTS.filter((k) => k !== 'delegated_auth_accessors')
const COMMA_LIST_SET = new Set<string>(COMMA_LISTS)
/** The text settings a mount's config shows (`plugin_version` is the entry's own field). */
export const TEXT_SETTINGS = ['listing_visibility', 'identity_token_key'] as const
const STRINGS = [...TEXT_SETTINGS, 'plugin_version'] as const
/** Every stored key; `plugin_version` is the entry's, not its config's. */
export const SETTING_KEYS: readonly string[] = [...LISTS, ...STRINGS]
/** Vault's `ListingVisibilityType` values (`checkListingVisibility`). */
const VISIBILITY = new Set(['', 'hidden', 'unauth'])

/** The stored settings (each only when non-empty). */
export type MountSettings = { [K in ListSetting]?: string[] } & { [K in typeof STRINGS[number]]?: string }

/** The keys the audit device leaves in clear in request and response data. */
export interface NonHmacKeys { request: readonly string[], response: readonly string[] }

/** What `tuneSettings` needs of the mount. */
export interface TunedMount {
  /** Plugin type (`kv`, `token`), for the catalog lookup of `plugin_version`. */
  type: string
  /** The only version the catalog has of it (the running built-in one). */
  runningVersion: string
  /** True for an auth mount (`token_type` then names the token store). */
  auth: boolean
}

/** The settings held in `config` (a stored config object). */
export function pickSettings (config: object): MountSettings {
  const c = config as Record<string, unknown>
  return Object.fromEntries(SETTING_KEYS.filter((k) => c[k] !== undefined).map((k) => [k, c[k]])) as MountSettings
}

/** `config` with its settings replaced by `settings` (the other keys kept). */
export function withSettings<T extends object> (config: T, settings: MountSettings): T {
  const out: Record<string, unknown> = { ...config as Record<string, unknown> }
  for (const k of SETTING_KEYS) delete out[k]
  return { ...out, ...settings } as T
}

/** Sets `key` to `value`, or removes it when empty (`SyncCache`). */
function put (settings: MountSettings, key: ListSetting | typeof STRINGS[number], value: string | string[]): void {
  const s = settings as Record<string, unknown>
  if (value.length === 0) delete s[key]
  else s[key] = value
}

function checkVisibility (value: string): string {
  if (!VISIBILITY.has(value)) throw badRequest(`invalid listing_visibility ${value}`)
  return value
}

/**
 * `identity_token_key` must name a key of the identity store (`getNamedKey`); vault-sync has
 * no `identity/oidc/key` endpoints, so only the built-in `default` key exists. `""` clears it.
 */
function checkIdentityKey (key: string): string {
  if (key !== '' && key !== 'default') throw badRequest(`key ${JSON.stringify(key)} does not exist`)
  return key
}

const convertError = (): Error => badRequest('unable to convert given mount config information')

/** `mapstructure.Decode` into a string: a string, or a JSON number (Vault's `json.Number`) as written. */
function strictString (value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  throw convertError()
}

/** `mapstructure.Decode` into `[]string`, after `expandStringValsWithCommas` split a string (when `commas`). */
function strictList (value: unknown, commas: boolean): string[] {
  if (typeof value === 'string' && commas) return commaStringSlice(value)
  if (!Array.isArray(value)) throw convertError()
  return value.map((item: unknown) => item === null ? '' : strictString(item))
}

/**
 * The settings of enable's `config` object, decoded as `handleMount` decodes it (before the
 * lease TTLs are read): lists as arrays (or, except `delegated_auth_accessors`, comma-separated
 * strings), the others as strings; null is absent. Not yet checked (`checkEnableSettings`).
 * @throws VaultError 400 `unable to convert given mount config information` for another type.
 */
export function decodeEnableSettings (config: unknown): MountSettings {
  if (config === undefined || config === null) return {}
  if (typeof config !== 'object' || Array.isArray(config)) throw convertError()
  const raw = config as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of LISTS) if (raw[k] !== undefined && raw[k] !== null) out[k] = strictList(raw[k], COMMA_LIST_SET.has(k))
  for (const k of STRINGS) if (raw[k] !== undefined && raw[k] !== null) out[k] = strictString(raw[k])
  return out as MountSettings
}

/**
 * The settings a new mount stores, checked in `handleMount`'s order: `plugin_version`
 * (`enablePluginVersion`; `builtin` is the type's built-in version, undefined for a type
 * vault-sync cannot mount), `listing_visibility`, the lists (empty ones dropped),
 * `identity_token_key`. @throws VaultError 400 with Vault's texts:
 * `invalid listing_visibility <v>`, `key "<k>" does not exist`, and the plugin version ones.
 */
export function checkEnableSettings (decoded: MountSettings, type: string, builtin: string | undefined): MountSettings {
  const out: MountSettings = {}
  put(out, 'plugin_version', enablePluginVersion(decoded.plugin_version ?? '', type, builtin))
  put(out, 'listing_visibility', checkVisibility(decoded.listing_visibility ?? ''))
  for (const k of LISTS) put(out, k, decoded[k] ?? [])
  put(out, 'identity_token_key', checkIdentityKey(decoded.identity_token_key ?? ''))
  return out
}

/**
 * The settings after a tune write of `body` on `current` (`handleTuneWriteCommon`): a field
 * present replaces the stored one (`""` or `[]` clears it), an absent one keeps it. Lists are
 * `TypeCommaStringSlice` (an array or a comma-separated string), the others `TypeString`.
 * Checked in Vault's order: `plugin_version`, `identity_token_key`, the audit keys,
 * `listing_visibility`, `token_type` (never settable here), the other lists.
 * @throws VaultError 400: a field of the wrong type (the field decoder's text),
 *   `invalid listing_visibility <v>`, `key "<k>" does not exist`, the plugin version texts,
 *   `'token_type' can only be modified on auth mounts` (secrets mounts) or
 *   `'token_type' cannot be set for 'token' or 'ns_token' auth mounts` (the token store).
 */
export function tuneSettings (body: Record<string, unknown>, current: MountSettings, mount: TunedMount): MountSettings {
  const next: MountSettings = { ...current }
  const text = (field: string): string | undefined => decodeString(body[field], field)
  const version = text('plugin_version')
  if (version !== undefined) put(next, 'plugin_version', tunedPluginVersion(version, mount.type, mount.runningVersion))
  const key = text('identity_token_key')
  if (key !== undefined) put(next, 'identity_token_key', checkIdentityKey(key))
  const list = (k: ListSetting): void => { if (body[k] !== undefined) put(next, k, decodeStringList(body[k], k)) }
  list('audit_non_hmac_request_keys')
  list('audit_non_hmac_response_keys')
  const visibility = text('listing_visibility')
  if (visibility !== undefined) put(next, 'listing_visibility', checkVisibility(visibility))
  if (text('token_type') !== undefined) {
    throw badRequest(mount.auth ? '\'token_type\' cannot be set for \'token\' or \'ns_token\' auth mounts' : '\'token_type\' can only be modified on auth mounts')
  }
  for (const k of LISTS) if (!k.startsWith('audit_')) list(k)
  return next
}

/**
 * The settings `GET sys/mounts/:path/tune` and `sys/auth/token/tune` add to their answer
 * (`handleTuneReadCommon`): each stored one but `delegated_auth_accessors`, which Vault's tune
 * read leaves out (its mount entry's `config` has it); `plugin_version` included.
 */
export function tuneReadSettings (settings: MountSettings): MountSettings {
  const { delegated_auth_accessors: _omitted, ...shown } = settings
  return shown
}

/** The keys the audit device leaves in clear for requests to the mount (Vault's `LogInput.NonHMAC*DataKeys`). */
export function nonHmacKeys (settings: MountSettings): NonHmacKeys {
  return { request: settings.audit_non_hmac_request_keys ?? [], response: settings.audit_non_hmac_response_keys ?? [] }
}
