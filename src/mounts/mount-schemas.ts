/**
 * TypeBox schemas of the `sys/mounts*` wire shapes (spec/vault-core-kv-api.md §2.1-2.7) for
 * `openapi.yaml`: the mount entry, the mount table, tune data, and the request bodies. The
 * routes build their answers from `mount-entry.ts` and decode requests themselves.
 */
import { Type, type TSchema } from 'typebox'
import { named } from '../openapi/schema-json.js'
import { COMMA_LISTS, LISTS, TEXT_SETTINGS } from './mount-settings.js'

const ENTRY_EXAMPLE = {
  accessor: 'kv_1a2b3c4d',
  config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
  description: '',
  external_entropy_access: false,
  local: false,
  options: { version: '2' },
  plugin_version: '',
  running_plugin_version: 'v0.26.2+builtin',
  running_sha256: '',
  seal_wrap: false,
  type: 'kv',
  uuid: '5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
  deprecation_status: 'supported'
}

const STORED = 'stored and returned only (vault-sync does not act on it)'
const SETTING_TEXT: Record<string, string> = {
  audit_non_hmac_request_keys: 'Keys of request data the audit device writes in clear (not HMAC-ed)',
  audit_non_hmac_response_keys: 'Keys of response data the audit device writes in clear (not HMAC-ed)',
  listing_visibility: `\`unauth\` or \`hidden\` (\`""\` clears it); ${STORED}`,
  passthrough_request_headers: `Request headers passed to the engine; ${STORED}`,
  allowed_response_headers: `Response headers the engine may set; ${STORED}`,
  allowed_managed_keys: `Managed keys the mount may use; ${STORED}`,
  delegated_auth_accessors: `Auth mount accessors the engine may delegate to; ${STORED}`,
  identity_token_key: `Key signing plugin identity tokens: only \`default\` exists here; ${STORED}`,
  plugin_version: 'Pinned plugin version: only the running built-in one (`running_plugin_version`, e.g. `v0.26.2+builtin` for KV) exists here'
}
const isList = (k: string): boolean => (LISTS as readonly string[]).includes(k)
/** Optional properties for `keys`: lists (`asText`: or a comma-separated string) and strings. */
function settingProperties (keys: readonly string[], { asText = false, note = '' } = {}): Record<string, TSchema> {
  return Object.fromEntries(keys.map((k) => {
    const description = `${SETTING_TEXT[k]}${isList(k) ? note : ''}`
    if (!isList(k)) return [k, Type.Optional(Type.String({ description }))]
    return [k, Type.Optional(asText ? Type.Union([Type.Array(Type.String()), Type.String()], { description }) : Type.Array(Type.String(), { description }))]
  }))
}
const TEXTS = TEXT_SETTINGS

/**
 * A mount's settings of `mount-settings.ts` as answers show them, each only when set: `entry`
 * in a mount entry's `config`, `tuneRead` in a tune read (no `delegated_auth_accessors`, as in
 * Vault; `plugin_version` when pinned).
 */
export const MountSettingsSchemas = {
  entry: settingProperties([...LISTS, ...TEXTS]),
  tuneRead: settingProperties([...LISTS.filter((k) => k !== 'delegated_auth_accessors'), ...TEXTS, 'plugin_version'])
}

/** The settings a tune write takes (`sys/mounts/:path/tune`, `sys/auth/token/tune`): lists as Vault's `TypeCommaStringSlice`. */
export const TuneSettingsRequestProperties = settingProperties([...LISTS, ...TEXTS, 'plugin_version'], { asText: true, note: '. A list or a comma-separated string; empty clears it' })

/** The settings of enable's `config`: lists (but `delegated_auth_accessors`) also as comma-separated strings. */
const EnableSettingsProperties = {
  ...settingProperties(COMMA_LISTS, { asText: true, note: '. A list or a comma-separated string' }),
  ...settingProperties(['delegated_auth_accessors', ...TEXTS]),
  plugin_version: Type.Optional(Type.String({ description: 'Only the built-in version (`v0.26.2+builtin`), which is not stored, as Vault does not store it' }))
}

/** `config` of a mount entry. */
const MountConfigSchema = Type.Object({
  default_lease_ttl: Type.Integer(),
  max_lease_ttl: Type.Integer(),
  force_no_cache: Type.Boolean(),
  ...MountSettingsSchemas.entry
})

/** One mount, as `sys/mounts` lists it (§2.1). */
export const MountEntrySchema = named('MountEntry', Type.Object({
  accessor: Type.String(),
  config: MountConfigSchema,
  description: Type.String(),
  external_entropy_access: Type.Boolean(),
  local: Type.Boolean(),
  options: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  plugin_version: Type.String(),
  running_plugin_version: Type.String(),
  running_sha256: Type.String(),
  seal_wrap: Type.Boolean(),
  type: Type.String({ description: '`kv` for KV engines; `system`, `cubbyhole`, `identity` for the built-ins' }),
  uuid: Type.String(),
  deprecation_status: Type.Optional(Type.String())
}, { examples: [ENTRY_EXAMPLE] }))

/** `GET sys/mounts` data: entries keyed by mount path with a trailing `/`. */
export const MountTableSchema = named('MountTable', Type.Record(Type.String(), MountEntrySchema, {
  description: 'Mounts keyed by path, with a trailing `/`',
  examples: [{ 'secret/': { ...ENTRY_EXAMPLE, description: 'key/value secret storage' } }]
}))

/** `GET sys/internal/ui/mounts/:path` data: the entry plus its `path`. */
export const PreflightMountSchema = named('MountPreflight', Type.Object({ ...MountEntrySchema.properties, path: Type.String({ description: 'Mount path with a trailing `/`' }) }, {
  examples: [{ ...ENTRY_EXAMPLE, path: 'secret/' }]
}))

/** `GET sys/mounts/:path/tune` data: effective TTLs in seconds, and the settings set. */
export const MountTuneSchema = named('MountTuneSettings', Type.Object({
  description: Type.String(),
  default_lease_ttl: Type.Integer(),
  max_lease_ttl: Type.Integer(),
  force_no_cache: Type.Boolean(),
  external_entropy_access: Type.Optional(Type.Boolean({ description: 'Present (true) when the mount has it' })),
  ...MountSettingsSchemas.tuneRead,
  options: Type.Optional(Type.Record(Type.String(), Type.String()))
}, { examples: [{ description: '', default_lease_ttl: 2764800, max_lease_ttl: 2764800, force_no_cache: false, options: { version: '2' } }] }))

/** `POST sys/mounts/:path`. */
export const MountEnableRequestSchema = named('MountEnableRequest', Type.Object({
  type: Type.String({ description: '`kv-v2`, or `kv` with `options.version` "2" (vault-sync serves only KV version 2)' }),
  description: Type.Optional(Type.String()),
  options: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Engine options, e.g. `{"version": "2"}`' })),
  config: Type.Optional(Type.Object({
    default_lease_ttl: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'Duration (`"1h"`, or seconds); `""` or `"system"`: the system value (768h)' })),
    max_lease_ttl: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'Duration (`"8760h"`, or seconds); `""` or `"system"`: the system value (768h)' })),
    force_no_cache: Type.Optional(Type.Boolean()),
    ...EnableSettingsProperties
  }, { description: 'Mount settings; other keys Vault takes here are accepted and ignored' })),
  local: Type.Optional(Type.Boolean()),
  seal_wrap: Type.Optional(Type.Boolean()),
  external_entropy_access: Type.Optional(Type.Boolean())
}, { examples: [{ type: 'kv-v2' }] }))

/** `POST sys/mounts/:path/tune`. */
export const MountTuneRequestSchema = named('MountTuneRequest', Type.Object({
  default_lease_ttl: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'Duration (`"1h"`, or seconds); `""` keeps it, `"system"` resets it to 768h' })),
  max_lease_ttl: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'Duration (`"8760h"`, or seconds); `""` keeps it, `"system"` resets it to 768h' })),
  description: Type.Optional(Type.String()),
  ...TuneSettingsRequestProperties,
  options: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Options to merge; `version` cannot change' }))
}, { examples: [{ description: 'team secrets' }] }))

const MIGRATION_ID = '5c4ea3f0-9b5d-4c38-8f6e-0d1a2b3c4d5e'

/** `POST sys/remount` (`remount.ts`). */
export const RemountRequestSchema = named('RemountRequest', Type.Object({
  from: Type.String({ description: 'The mount to move (`secret`)' }),
  to: Type.String({ description: 'Its new path (`new-secret`): free, neither inside nor around another mount, and not under `sys/`, `auth/`, `audit/`, `cubbyhole/` or `identity/`' })
}, { examples: [{ from: 'secret', to: 'new-secret' }] }))

/** `POST sys/remount` data (also injected at the top level, as Vault does for `sys/remount`). */
export const RemountSchema = named('RemountStarted', Type.Object({
  migration_id: Type.String({ description: 'Id to read the migration\'s status with (`sys/remount/status/{migration_id}`)' })
}, { examples: [{ migration_id: MIGRATION_ID }] }))

/** `GET sys/remount/status/:migration_id` data (Vault's `MountMigrationInfo`). */
export const RemountStatusSchema = named('RemountStatus', Type.Object({
  migration_id: Type.String(),
  migration_info: Type.Object({
    source_mount: Type.String({ description: 'The `from` path, with a trailing `/`' }),
    target_mount: Type.String({ description: 'The `to` path, with a trailing `/`' }),
    status: Type.Enum(['success', 'failure'], { type: 'string', description: '`success` once moved; `failure` when `from` named a path inside a mount rather than the mount (vault-sync moves before answering, so never `in-progress`)' })
  })
}, { examples: [{ migration_id: MIGRATION_ID, migration_info: { source_mount: 'secret/', target_mount: 'new-secret/', status: 'success' } }] }))
