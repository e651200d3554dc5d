/**
 * TypeBox response schemas of the sync API (spec/vault-sync-api.md §3). Fastify serializes 200
 * answers through them, which also drops any field not declared here: a second guard, after the
 * explicit read views, against a credential reaching the wire. The status vocabulary comes from
 * `SYNC_STATUSES`, the same list the TypeScript types use.
 */
import { Type, type TSchema } from 'typebox'
import { SYNC_STATUSES } from './sync-types.js'

/** One of Vault's sync statuses. */
export const SyncStatusSchema = Type.Union(SYNC_STATUSES.map((s) => Type.Literal(s)), { description: 'Vault sync status' })

/** Vault's success envelope around `data` (spec/vault-core-kv-api.md §1.5). */
export function envelope (data: TSchema): TSchema {
  return Type.Object({
    request_id: Type.String(),
    lease_id: Type.String(),
    renewable: Type.Boolean(),
    lease_duration: Type.Integer(),
    data,
    wrap_info: Type.Null(),
    warnings: Type.Union([Type.Null(), Type.Array(Type.String())]),
    auth: Type.Null(),
    mount_type: Type.String()
  })
}

const message = Type.Optional(Type.String({ description: 'Short note or error text; never a secret' }))

/** An `associated_secrets` entry (§3.9). */
export const AssociationEntrySchema = Type.Object({
  accessor: Type.String({ description: 'Mount accessor, e.g. kv_1a2b3c4d' }),
  mount: Type.String({ description: 'Mount path without trailing slash' }),
  secret_name: Type.String({ description: 'Secret path inside the mount' }),
  sub_key: Type.Optional(Type.String({ description: 'Top-level KV key (secret-key granularity only)' })),
  sync_status: SyncStatusSchema,
  updated_at: Type.String({ description: 'RFC 3339 time of the last status change' }),
  message
})

/** `data` of a destination's associations, and of set/remove (§3.9-3.11). */
export const DestinationAssociationsSchema = Type.Object({
  associated_secrets: Type.Record(Type.String(), AssociationEntrySchema),
  store_name: Type.String(),
  store_type: Type.String()
})

/** `data` of `GET sys/sync/associations/…` (§3.13). */
export const DestinationsOfSecretSchema = Type.Object({
  associated_destinations: Type.Record(Type.String(), Type.Object({
    type: Type.String(),
    name: Type.String(),
    sync_status: SyncStatusSchema,
    updated_at: Type.String(),
    message
  }))
})

/** `data` of `LIST sys/sync/associations` (§3.12, D-32.1). */
export const AssociationListSchema = Type.Object({
  keys: Type.Array(Type.String()),
  key_info: Type.Record(Type.String(), Type.Array(Type.Object({ mount: Type.String(), secret_path: Type.String() }))),
  total_associations: Type.Integer(),
  total_secrets: Type.Integer()
})

/** `data` of `LIST sys/sync/destinations` (§3.3). */
export const DestinationListSchema = Type.Object({
  keys: Type.Array(Type.String()),
  key_info: Type.Record(Type.String(), Type.Array(Type.String())),
  total_destinations: Type.Integer()
})

/** `data` of `LIST sys/sync/destinations/:type` (§3.4). */
export const DestinationTypeListSchema = Type.Object({
  keys: Type.Array(Type.String()),
  total_destinations: Type.Integer()
})

/** `options` of a destination read (§3.7, D-15.7). */
export const DestinationOptionsSchema = Type.Object({
  custom_tags: Type.Record(Type.String(), Type.String()),
  granularity_level: Type.Union([Type.Literal('secret-path'), Type.Literal('secret-key')]),
  secret_name_template: Type.String(),
  allowed_ipv4_addresses: Type.Array(Type.String()),
  allowed_ipv6_addresses: Type.Array(Type.String()),
  allowed_ports: Type.Array(Type.Integer()),
  disable_strict_networking: Type.Boolean(),
  purge_on_unsync: Type.Boolean({ description: 'vault-sync extension: also purge soft-deleted secrets on unsync' })
})

/** `data` of a destination read or write, with the type's `connection_details` schema (§3.7). */
export function destinationSchema (connectionDetails: TSchema): TSchema {
  return Type.Object({
    connection_details: connectionDetails,
    name: Type.String(),
    options: DestinationOptionsSchema,
    purge_error: Type.Optional(Type.String()),
    purge_initiated_at: Type.Optional(Type.String()),
    type: Type.String()
  })
}

/** `data` of `sys/sync/config` (§3.2). */
export const SyncConfigSchema = Type.Object({
  disabled: Type.Boolean(),
  queue_capacity: Type.Integer()
})
