/**
 * TypeBox schemas of the KV v2 wire shapes (spec/vault-core-kv-api.md §3.3-3.17; `kv-views.ts`)
 * and request bodies, for `openapi.yaml`. The KV routes decode requests themselves (Vault's
 * lenient typing) and build answers in `kv-views.ts`; these schemas only document them.
 */
import { Type, type TSchema } from 'typebox'
import { named } from '../openapi/schema-json.js'

const AT = '2026-01-15T10:20:30.123456789Z'
const DURATION = 'Go duration (`30m`, `24h`) or seconds; "0s" = never'
const stringMap = (description: string): TSchema => Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()], { description })
const VERSION_EXAMPLE = { created_time: AT, custom_metadata: null, deletion_time: '', destroyed: false, version: 1 }

/** `config` data (§3.3). */
export const KvConfigSchema = named('KvConfig', Type.Object({
  cas_required: Type.Boolean(),
  delete_version_after: Type.String({ description: 'Go duration; "0s" = never' }),
  max_versions: Type.Integer({ description: '0 = the default (10)' })
}, { examples: [{ cas_required: false, delete_version_after: '0s', max_versions: 0 }] }))

/** `POST config` (§3.3). */
export const KvConfigRequestSchema = named('KvConfigRequest', Type.Object({
  max_versions: Type.Optional(Type.Integer({ minimum: 0 })),
  cas_required: Type.Optional(Type.Boolean()),
  delete_version_after: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: DURATION }))
}, { examples: [{ max_versions: 10 }] }))

/** A version's metadata as data reads, writes and patches answer it (§3.4). */
export const VersionSchema = named('KvVersionMetadata', Type.Object({
  created_time: Type.String(),
  custom_metadata: stringMap('The key\'s custom metadata'),
  deletion_time: Type.String({ description: 'RFC 3339, or "" when not deleted' }),
  destroyed: Type.Boolean(),
  version: Type.Integer()
}, { examples: [VERSION_EXAMPLE] }))

const JsonObject = Type.Record(Type.String(), Type.Unknown(), { description: 'The secret\'s key/value pairs (any JSON values)' })

/** `GET data/:path` data (§3.4). */
export const KvReadSchema = named('KvSecret', Type.Object({ data: JsonObject, metadata: VersionSchema }, { examples: [{ data: { foo: 'bar' }, metadata: VERSION_EXAMPLE }] }))

/** The raw 404 data of a deleted or destroyed version: `data` is null (§3.4). */
export const KvGoneSchema = named('KvDeletedSecret', Type.Object({ data: Type.Null(), metadata: VersionSchema }, {
  examples: [{ data: null, metadata: { ...VERSION_EXAMPLE, deletion_time: AT } }]
}))

/** `POST data/:path` (§3.5). */
export const KvWriteRequestSchema = named('KvWriteRequest', Type.Object({
  data: JsonObject,
  options: Type.Optional(Type.Object({
    cas: Type.Optional(Type.Integer({ description: 'Check-and-set: the current version (0 = only if absent)' }))
  }))
}, { examples: [{ data: { foo: 'bar' }, options: {} }] }))

/** `PATCH data/:path` (§3.6): a JSON merge patch of the latest version. */
export const KvPatchRequestSchema = named('KvPatchRequest', Type.Object({
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'Merge patch: a null value removes the key' }),
  options: Type.Optional(Type.Object({ cas: Type.Optional(Type.Integer()) }))
}, { examples: [{ data: { foo: 'baz' } }] }))

/** The query of data and subkeys reads. */
export const KvVersionQuerySchema = Type.Object({
  version: Type.Optional(Type.Integer({ description: 'Version to read; the latest when absent or 0' }))
})

/** The query of a subkeys read (§3.17). */
export const KvSubkeysQuerySchema = Type.Object({
  version: Type.Optional(Type.Integer({ description: 'Version to read; the latest when absent or 0' })),
  depth: Type.Optional(Type.Integer({ description: 'Levels to descend; 0 = all (a negative depth keeps the top-level keys only, as Vault)' }))
})

/** `delete/`, `undelete/`, `destroy/` (§3.8-3.10). */
export const KvVersionsRequestSchema = named('KvVersionsRequest', Type.Object({
  versions: Type.Union([Type.Array(Type.Integer()), Type.Array(Type.String()), Type.String()], { description: 'Versions (a list, or a comma-separated string)' })
}, { examples: [{ versions: [1] }] }))

/** `GET metadata/:path` data (§3.13). `versions` is keyed by the version number. */
export const KvMetadataSchema = named('KvMetadata', Type.Object({
  cas_required: Type.Boolean(),
  created_time: Type.String(),
  current_version: Type.Integer(),
  custom_metadata: stringMap('Custom metadata of the key'),
  delete_version_after: Type.String(),
  max_versions: Type.Integer(),
  oldest_version: Type.Integer(),
  updated_time: Type.String(),
  versions: Type.Record(Type.String(), Type.Object({ created_time: Type.String(), deletion_time: Type.String(), destroyed: Type.Boolean() }))
}, {
  examples: [{
    cas_required: false, created_time: AT, current_version: 1, custom_metadata: { owner: 'payments' }, delete_version_after: '0s',
    max_versions: 0, oldest_version: 1, updated_time: AT, versions: { 1: { created_time: AT, deletion_time: '', destroyed: false } }
  }]
}))

/** `POST`/`PATCH metadata/:path` (§3.14, §3.15). */
export const KvMetadataRequestSchema = named('KvMetadataRequest', Type.Object({
  max_versions: Type.Optional(Type.Integer({ minimum: 0 })),
  cas_required: Type.Optional(Type.Boolean()),
  delete_version_after: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: DURATION })),
  custom_metadata: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), { description: 'At most 64 keys; PATCH: null removes a key' }))
}, { examples: [{ custom_metadata: { owner: 'payments' } }] }))

/** `LIST metadata/:path` data (§3.12): folders end in `/`. */
export const KvListSchema = named('KvKeyList', Type.Object({ keys: Type.Array(Type.String()) }, { examples: [{ keys: ['my-secret', 'team/'] }] }))

/** `GET subkeys/:path` data (§3.17): the structure with every leaf value null. */
export const KvSubkeysSchema = named('KvSubkeys', Type.Object({
  metadata: VersionSchema,
  subkeys: Type.Record(Type.String(), Type.Unknown(), { description: 'Keys of the secret, nested objects kept, leaves null' })
}, { examples: [{ metadata: VERSION_EXAMPLE, subkeys: { foo: null } }] }))

/** The raw 404 data of a subkeys read of a deleted or destroyed version. */
export const KvSubkeysGoneSchema = named('KvDeletedSubkeys', Type.Object({ metadata: VersionSchema, subkeys: Type.Null() }, {
  examples: [{ metadata: { ...VERSION_EXAMPLE, deletion_time: AT }, subkeys: null }]
}))

/** The `cas_required` warning of a metadata write (a 200 instead of 204). */
export const CAS_WARNING_EXAMPLE = '"cas_required" set to false, but is mandated by backend config. This value will be ignored.'
