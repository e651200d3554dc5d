/**
 * TypeBox response schemas of the sync API (spec/vault-sync-api.md §3). Fastify serializes 200
 * answers through them, which also drops any field not declared here: a second guard, after the
 * explicit read views, against a credential reaching the wire. The status vocabulary comes from
 * `SYNC_STATUSES`, the same list the TypeScript types use.
 *
 * Closed vocabularies are `enum`s and nullable fields use a type list, not `anyOf`: the
 * serializer validates every `anyOf` branch with ajv at run time, which is slow and pointless
 * for values we build ourselves.
 */
import { Type, type TSchema } from 'typebox'
import { GRANULARITIES, SYNC_STATUSES } from './sync-types.js'
import { named } from '../openapi/schema-json.js'

/** One of Vault's sync statuses. */
export const SyncStatusSchema = named('SyncStatus', Type.Enum(SYNC_STATUSES, { type: 'string', description: 'Vault sync status' }))

/** Vault's success envelope around `data` (spec/vault-core-kv-api.md §1.5). */
export function envelope (data: TSchema): TSchema {
  return Type.Object({
    request_id: Type.String(),
    lease_id: Type.String(),
    renewable: Type.Boolean(),
    lease_duration: Type.Integer(),
    data,
    wrap_info: Type.Null(),
    warnings: Type.Unsafe<string[] | null>({ type: ['array', 'null'], items: { type: 'string' } }),
    auth: Type.Null(),
    mount_type: Type.String()
  })
}

const message = Type.Optional(Type.String({ description: 'Short note or error text; never a secret' }))

/** Times in the examples (RFC 3339, UTC, D-32.2). */
const AT = '2026-01-15T10:20:30.123456789Z'

/** An `associated_secrets` entry (§3.9). */
export const AssociationEntrySchema = named('SyncAssociationEntry', Type.Object({
  accessor: Type.String({ description: 'Mount accessor, e.g. kv_1a2b3c4d' }),
  mount: Type.String({ description: 'Mount path without trailing slash' }),
  secret_name: Type.String({ description: 'Secret path inside the mount' }),
  sub_key: Type.Optional(Type.String({ description: 'Top-level KV key (secret-key granularity only)' })),
  sync_status: SyncStatusSchema,
  updated_at: Type.String({ description: 'RFC 3339 time of the last status change' }),
  message
}))

/** `data` of a destination's associations, and of set/remove (§3.9-3.11). */
export const DestinationAssociationsSchema = named('SyncDestinationAssociations', Type.Object({
  associated_secrets: Type.Record(Type.String(), AssociationEntrySchema, { description: 'Entries keyed `<accessor>/<secret_name>[/<sub_key>]`' }),
  store_name: Type.String(),
  store_type: Type.String()
}, {
  examples: [{
    associated_secrets: {
      'kv_1a2b3c4d/my-secret': { accessor: 'kv_1a2b3c4d', mount: 'my-kv', secret_name: 'my-secret', sync_status: 'PENDING', updated_at: AT }
    },
    store_name: 'my-azure-1',
    store_type: 'azure-kv'
  }]
}))

/** `data` of `GET sys/sync/associations/…` (§3.13). */
export const DestinationsOfSecretSchema = named('SyncDestinationsOfSecret', Type.Object({
  associated_destinations: Type.Record(Type.String(), Type.Object({
    type: Type.String(),
    name: Type.String(),
    sync_status: SyncStatusSchema,
    updated_at: Type.String(),
    message
  }), { description: 'Entries keyed `<type>/<name>`' })
}, {
  examples: [{ associated_destinations: { 'azure-kv/my-azure-1': { type: 'azure-kv', name: 'my-azure-1', sync_status: 'SYNCED', updated_at: AT } } }]
}))

/** `data` of `LIST sys/sync/associations` (§3.12, D-32.1). */
export const AssociationListSchema = named('SyncAssociationList', Type.Object({
  keys: Type.Array(Type.String()),
  key_info: Type.Record(Type.String(), Type.Array(Type.Object({ mount: Type.String(), secret_path: Type.String() }))),
  total_associations: Type.Integer(),
  total_secrets: Type.Integer()
}, {
  examples: [{ keys: ['my-kv/my-secret'], key_info: { 'my-kv/my-secret': [{ mount: 'my-kv/', secret_path: 'my-secret' }] }, total_associations: 1, total_secrets: 1 }]
}))

/** `data` of `LIST sys/sync/destinations` (§3.3). */
export const DestinationListSchema = named('SyncDestinationList', Type.Object({
  keys: Type.Array(Type.String()),
  key_info: Type.Record(Type.String(), Type.Array(Type.String())),
  total_destinations: Type.Integer()
}, {
  examples: [{ keys: ['azure-kv/'], key_info: { 'azure-kv/': ['my-azure-1'] }, total_destinations: 1 }]
}))

/** `data` of `LIST sys/sync/destinations/:type` (§3.4). */
export const DestinationTypeListSchema = named('SyncDestinationTypeList', Type.Object({
  keys: Type.Array(Type.String()),
  total_destinations: Type.Integer()
}, {
  examples: [{ keys: ['my-azure-1'], total_destinations: 1 }]
}))

/** `options` of a destination read (§3.7, D-15.7). */
export const DestinationOptionsSchema = named('SyncDestinationOptions', Type.Object({
  custom_tags: Type.Record(Type.String(), Type.String()),
  granularity_level: Type.Enum(GRANULARITIES, { type: 'string' }),
  secret_name_template: Type.String(),
  allowed_ipv4_addresses: Type.Array(Type.String()),
  allowed_ipv6_addresses: Type.Array(Type.String()),
  allowed_ports: Type.Array(Type.Integer()),
  disable_strict_networking: Type.Boolean(),
  purge_on_unsync: Type.Boolean({ description: 'vault-sync extension: also purge soft-deleted secrets on unsync' })
}))

/** The options of a new destination, as read back (example values). */
const OPTIONS_EXAMPLE = {
  custom_tags: { team: 'payments' },
  granularity_level: 'secret-path',
  secret_name_template: 'vault/{{ .MountAccessor }}/{{ .SecretPath }}',
  allowed_ipv4_addresses: [],
  allowed_ipv6_addresses: [],
  allowed_ports: [],
  disable_strict_networking: false,
  purge_on_unsync: false
}

/** The OpenAPI component name of a type's destination: `azure-kv` → `AzureKvDestination`. */
export function destinationComponentName (type: string): string {
  return `${type.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}Destination`
}

/**
 * `data` of a destination read or write, with the type's `connection_details` schema (§3.7);
 * the example uses the first example of `connectionDetails`.
 */
export function destinationSchema (connectionDetails: TSchema, type: string): TSchema {
  const details = (connectionDetails as { examples?: unknown[] }).examples?.[0]
  const examples = details === undefined ? undefined : [{ connection_details: details, name: 'my-azure-1', options: OPTIONS_EXAMPLE, type }]
  return named(destinationComponentName(type), Type.Object({
    connection_details: connectionDetails,
    name: Type.String(),
    options: DestinationOptionsSchema,
    purge_error: Type.Optional(Type.String()),
    purge_initiated_at: Type.Optional(Type.String()),
    type: Type.String()
  }, examples === undefined ? {} : { examples }))
}

/** `data` of `sys/sync/config` (§3.2). */
export const SyncConfigSchema = named('SyncConfig', Type.Object({
  disabled: Type.Boolean({ description: 'When true, no sync, unsync, purge or destination deletion runs' }),
  queue_capacity: Type.Integer({ description: 'Maximum number of queued sync operations; beyond it a change leaves the association INTERNAL_VAULT_ERROR "sync queue is full"' })
}, {
  examples: [{ disabled: false, queue_capacity: 100000 }]
}))
