/**
 * TypeBox schemas of the `sys/mounts*` wire shapes (spec/vault-core-kv-api.md §2.1-2.7) for
 * `openapi.yaml`: the mount entry, the mount table, tune data, and the request bodies. The
 * routes build their answers from `mount-entry.ts` and decode requests themselves.
 */
import { Type } from 'typebox'
import { named } from '../openapi/schema-json.js'

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

/** `config` of a mount entry. */
const MountConfigSchema = Type.Object({
  default_lease_ttl: Type.Integer(),
  max_lease_ttl: Type.Integer(),
  force_no_cache: Type.Boolean(),
  passthrough_request_headers: Type.Optional(Type.Array(Type.String()))
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

/** `GET sys/mounts/:path/tune` data: effective TTLs in seconds. */
export const MountTuneSchema = named('MountTuneSettings', Type.Object({
  description: Type.String(),
  default_lease_ttl: Type.Integer(),
  max_lease_ttl: Type.Integer(),
  force_no_cache: Type.Boolean(),
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
    force_no_cache: Type.Optional(Type.Boolean())
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
  options: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Options to merge; `version` cannot change' }))
}, { examples: [{ description: 'team secrets' }] }))
