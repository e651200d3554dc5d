/**
 * TypeBox schemas of the sync API's request bodies and query strings, for `openapi.yaml` only:
 * the routes decode bodies themselves (Vault's lenient typing: `"true"`, `"443,8443"` and
 * `k=v` strings are accepted too), so these schemas are never used to validate requests.
 */
import { Type, type TObject, type TSchema } from 'typebox'
import { GRANULARITIES } from './sync-types.js'
import { named } from '../openapi/schema-json.js'

const stringList = (description: string): TSchema =>
  Type.Union([Type.Array(Type.String()), Type.String()], { description: `${description} (a list, or one comma-separated string)` })

/** The option fields every destination type accepts (spec/vault-sync-api.md §4, §5). */
const OPTION_FIELDS = {
  granularity: Type.Optional(Type.Enum(GRANULARITIES, { type: 'string', description: 'One external secret per KV secret (`secret-path`) or per top-level key (`secret-key`)' })),
  secret_name_template: Type.Optional(Type.String({ description: 'Go-template for external names, e.g. `vault/{{ .MountAccessor }}/{{ .SecretPath }}`; "" for the default' })),
  custom_tags: Type.Optional(Type.Union([
    Type.Record(Type.String(), Type.String()),
    Type.Array(Type.String()),
    Type.String()
  ], { description: 'Tags written on every external secret: a map, a list of `k=v` strings or one `k=v` string (at most 14)' })),
  tags_to_remove: Type.Optional(stringList('PATCH only: custom tag keys to drop')),
  allowed_ipv4_addresses: Type.Optional(stringList('IPv4 addresses or CIDR blocks the destination may resolve to')),
  allowed_ipv6_addresses: Type.Optional(stringList('IPv6 addresses or CIDR blocks the destination may resolve to')),
  allowed_ports: Type.Optional(Type.Union([Type.Array(Type.Integer()), Type.Integer(), Type.String()], { description: 'Ports the destination may use (default 80, 443)' })),
  disable_strict_networking: Type.Optional(Type.Boolean({ description: 'Turn the network allow-lists off' })),
  purge_on_unsync: Type.Optional(Type.Boolean({ description: 'vault-sync extension: also purge the soft-deleted external secret on unsync' }))
}

/**
 * The body of a destination write: the type's connection fields plus the shared options, as
 * the component `name` (e.g. `AzureKvDestinationRequest`), with `example`.
 */
export function destinationRequestSchema (name: string, connection: TObject, example: Record<string, unknown>): TSchema {
  return named(name, Type.Object({ ...connection.properties, ...OPTION_FIELDS }, { examples: [example] }))
}

/** The query of a destination DELETE (spec/vault-sync-api.md §3.8, D-15.3-5). */
export const DestinationDeleteQuerySchema = Type.Object({
  purge: Type.Optional(Type.Boolean({ description: 'Unsync every association first, then delete (asynchronous)' })),
  force_delete: Type.Optional(Type.Boolean({ description: 'Delete at once without unsyncing; external secrets stay in place' }))
})

/** The body of `associations/set` and `associations/remove` (§3.10, §3.11). */
export const AssociationRequestSchema = named('SyncAssociationRequest', Type.Object({
  mount: Type.String({ description: 'Path of the KV v2 mount (without trailing `/`)' }),
  secret_name: Type.String({ description: 'Path of the secret inside the mount' })
}, { examples: [{ mount: 'my-kv', secret_name: 'my-secret' }] }))

/** The query of `sys/sync/associations/destinations` (§3.13). */
export const DestinationsOfSecretQuerySchema = Type.Object({
  mount: Type.String({ description: 'Path of the KV v2 mount' }),
  secret_name: Type.String({ description: 'Path of the secret inside the mount' })
})

/** The body of PATCH `sys/sync/config` (§3.2). */
export const SyncConfigPatchSchema = named('SyncConfigPatchRequest', Type.Object({
  disabled: Type.Optional(Type.Boolean({ description: 'Stop (true) or resume (false) all sync activity' })),
  queue_capacity: Type.Optional(Type.Integer({ minimum: 1, description: 'Maximum number of queued sync operations' }))
}, { examples: [{ queue_capacity: 100000 }] }))
