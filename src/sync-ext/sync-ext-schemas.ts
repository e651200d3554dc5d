/**
 * TypeBox schemas of the `sys/sync-ext/*` extensions (round2.md R2-2): the status document and
 * the name preview, for the OpenAPI document (tag `sync-ext`) and Fastify's serializer (which
 * drops any field not declared here). Nullable fields use a type list (see `sync-schemas.ts`).
 */
import { Type, type TSchema } from 'typebox'
import { DriftStatusSchema } from '../drift/drift-schemas.js'
import { named } from '../openapi/schema-json.js'
import { AssociationEntrySchema } from '../sync/sync-schemas.js'
import { GRANULARITIES, SYNC_STATUSES } from '../sync/sync-types.js'

const AT = '2026-01-15T10:20:30.123Z'
const nullable = (type: 'string' | 'integer', description: string): TSchema =>
  Type.Unsafe<string | number | null>({ type: [type, 'null'], description })
const Counts = Type.Object(Object.fromEntries(SYNC_STATUSES.map((s) => [s, Type.Integer({ minimum: 0 })])), { description: 'Entries per sync status' })

/** One entry of a destination in the status document. */
export const StatusEntrySchema = named('SyncExtStatusEntry', Type.Object({
  ...AssociationEntrySchema.properties,
  key: Type.String({ description: 'The `associated_secrets` key: `<accessor>/<secret_name>[/<sub_key>]`' }),
  azure_name: nullable('string', 'External (Azure) name: the one written, else the one the template yields'),
  azure_name_source: Type.Unsafe<'written' | 'planned' | null>({ type: ['string', 'null'], enum: ['written', 'planned', null], description: '`written` by the worker, or `planned` from the template' }),
  attempts: Type.Integer({ minimum: 0, description: 'Failed attempts of the queued work' }),
  next_attempt_at: nullable('string', 'RFC 3339 time of the next retry'),
  in_flight: Type.Boolean({ description: 'A worker holds this association now' }),
  removed: Type.Boolean({ description: 'Removed with `associations/remove`, listed until it expires' }),
  rules: Type.Array(Type.String(), { description: 'Names of the association rules that made it, sorted; empty when set explicitly. An `associations/set` of a rule-made association makes it the caller\'s own, detached from these rules' })
}))

/** One destination in the status document. */
export const StatusDestinationSchema = named('SyncExtStatusDestination', Type.Object({
  type: Type.String(),
  name: Type.String(),
  key_vault_host: Type.String({ description: 'Host[:port] of the Key Vault in use (stored or KEY_VAULT_URI)' }),
  credential_source: Type.Enum(['destination', 'environment', 'mixed', 'missing'], { type: 'string', description: 'Where the client credential comes from' }),
  granularity: Type.Enum(GRANULARITIES, { type: 'string' }),
  secret_name_template: Type.String({ description: 'The template in effect for new associations' }),
  purge_state: Type.Unsafe<'purging' | 'purge_failed' | null>({ type: ['string', 'null'], enum: ['purging', 'purge_failed', null] }),
  purge_error: nullable('string', 'Why the last purge failed'),
  counts: Counts,
  errors: Type.Integer({ minimum: 0, description: 'Entries in an error status' }),
  newest_change: nullable('string', 'RFC 3339 time of the newest entry change'),
  drift: DriftStatusSchema,
  associations: Type.Array(StatusEntrySchema, { description: 'Errors first, then work in progress, then the rest' })
}))

/** `data` of `GET sys/sync-ext/status`. */
export const SyncExtStatusSchema = named('SyncExtStatus', Type.Object({
  generated_at: Type.String(),
  worker: Type.Object({
    in_process: Type.Boolean({ description: 'This server runs a sync worker' }),
    running: Type.Boolean({ description: 'The worker runs and sync is not disabled' }),
    sync_disabled: Type.Boolean({ description: '`sys/sync/config` has `disabled: true`' })
  }),
  queue: Type.Object({
    depth: Type.Integer({ minimum: 0, description: 'Rows in the outbox' }),
    capacity: Type.Integer({ minimum: 0, description: '`queue_capacity` of sys/sync/config' }),
    due: Type.Integer({ minimum: 0, description: 'Rows due now' }),
    in_flight: Type.Integer({ minimum: 0, description: 'Rows a worker holds' }),
    next_attempt_at: nullable('string', 'Earliest retry time of a waiting row')
  }),
  totals: Type.Object({
    destinations: Type.Integer({ minimum: 0 }),
    associations: Type.Integer({ minimum: 0 }),
    errors: Type.Integer({ minimum: 0 }),
    counts: Counts
  }),
  destinations: Type.Array(StatusDestinationSchema, { description: 'Destinations with errors first' })
}, {
  examples: [{
    generated_at: AT,
    worker: { in_process: true, running: true, sync_disabled: false },
    queue: { depth: 1, capacity: 1000000, due: 1, in_flight: 0, next_attempt_at: null },
    totals: { destinations: 1, associations: 1, errors: 0, counts: { ...Object.fromEntries(SYNC_STATUSES.map((s) => [s, 0])), PENDING: 1 } },
    destinations: [{
      type: 'azure-kv',
      name: 'my-azure-1',
      key_vault_host: 'keyvault-1234abcd.vault.azure.net',
      credential_source: 'destination',
      granularity: 'secret-path',
      secret_name_template: 'vault/{{ .MountAccessor }}/{{ .SecretPath }}',
      purge_state: null,
      purge_error: null,
      counts: { ...Object.fromEntries(SYNC_STATUSES.map((s) => [s, 0])), PENDING: 1 },
      errors: 0,
      newest_change: AT,
      drift: { mode: 'detect', last_sweep_at: null, drifted: 0, states: { 'in-sync': 1, 'drifted-metadata': 0, 'drifted-value': 0, 'remote-missing': 0, 'ownership-lost': 0 }, error: null },
      associations: [{
        key: 'kv_1a2b3c4d/my-secret',
        accessor: 'kv_1a2b3c4d',
        mount: 'my-kv',
        secret_name: 'my-secret',
        sync_status: 'PENDING',
        updated_at: AT,
        azure_name: 'vault-kv-1a2b3c4d-my-secret',
        azure_name_source: 'planned',
        attempts: 0,
        next_attempt_at: null,
        in_flight: false,
        removed: false,
        rules: []
      }]
    }]
  }]
}))

/** Body of `POST sys/sync-ext/preview/name`. */
export const NamePreviewRequestSchema = Type.Object({
  type: Type.String({ description: 'Destination type, e.g. `azure-kv`' }),
  mount: Type.String({ description: 'KV v2 mount path' }),
  secret_name: Type.String({ description: 'Sample secret path inside the mount (need not exist)' }),
  name: Type.Optional(Type.String({ description: 'Destination name; its stored template and granularity apply where the request leaves them, which needs `read` on `sys/sync/destinations/<type>/<name>`' })),
  secret_name_template: Type.Optional(Type.String({ description: 'Template to try; the granularity\'s default when empty' })),
  granularity: Type.Optional(Type.Enum(GRANULARITIES, { type: 'string' })),
  secret_key: Type.Optional(Type.String({ description: 'Sample top-level key under `secret-key` (default `key`)' }))
}, { examples: [{ type: 'azure-kv', mount: 'secret', secret_name: 'app/db', secret_name_template: 'vault-{{ .MountPath }}-{{ .SecretPath }}' }] })

/** `data` of `POST sys/sync-ext/preview/name`. */
export const NamePreviewSchema = named('SyncExtNamePreview', Type.Object({
  destination_type: Type.String(),
  granularity: Type.Enum(GRANULARITIES, { type: 'string' }),
  secret_name_template: Type.String({ description: 'The template used' }),
  rendered: Type.String({ description: 'The template output before the type\'s naming rules' }),
  external_name: nullable('string', 'The name the worker would write; null when the rendered text cannot be one'),
  error: Type.Optional(Type.String({ description: 'Why there is no valid name (the CLIENT_SIDE_ERROR the worker would record)' }))
}, {
  examples: [{ destination_type: 'azure-kv', granularity: 'secret-path', secret_name_template: 'vault-{{ .MountPath }}-{{ .SecretPath }}', rendered: 'vault-secret-app/db', external_name: 'vault-secret-app-db' }]
}))
