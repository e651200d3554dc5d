/**
 * TypeBox schemas of the drift extension (issue 21; `sys/sync-ext/destinations/:type/:name/drift`
 * and `.../plan`, tag `sync-ext`, round2.md R2-2) for the OpenAPI document and Fastify's
 * serializer. Nothing here carries a value or a digest.
 */
import { Type, type TSchema } from 'typebox'
import { named } from '../openapi/schema-json.js'
import { DRIFT_MODES } from './drift-settings.js'
import { DriftPlanEntrySchema } from './plan-view.js'

const AT = '2026-01-15T10:20:30Z'
const nullableString = (description: string): TSchema => Type.Unsafe<string | null>({ type: ['string', 'null'], description })
const STATES = ['in-sync', 'drifted-metadata', 'drifted-value', 'remote-missing', 'ownership-lost']
const States = Type.Object(Object.fromEntries(STATES.map((s) => [s, Type.Integer({ minimum: 0 })])), { description: 'Targets per drift state (last finding)' })

/** `data` of `GET|POST .../drift`. */
export const DriftSettingsSchema = named('SyncExtDriftSettings', Type.Object({
  mode: Type.Enum([...DRIFT_MODES], { type: 'string', description: '`off`: no sweeps; `detect`: report only; `repair`: queue ordinary sync jobs for drifted targets' }),
  interval: Type.String({ description: 'Time between two sweeps (Go duration)' }),
  repair_missing: Type.Boolean({ description: 'Repair re-creates secrets missing in the destination' }),
  overridden: Type.Array(Type.String(), { description: 'Fields set on this destination (the rest come from the server configuration)' }),
  supported: Type.Boolean({ description: 'The destination type can be swept' })
}, { examples: [{ mode: 'repair', interval: '1h0m0s', repair_missing: false, overridden: ['mode'], supported: true }] }))

/** Body of `POST|PUT .../drift`. */
export const DriftSettingsRequestSchema = Type.Object({
  mode: Type.Optional(Type.Enum([...DRIFT_MODES], { type: 'string' })),
  interval: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'Vault duration or seconds, at least 1m' })),
  repair_missing: Type.Optional(Type.Boolean())
}, { examples: [{ mode: 'repair', interval: '30m', repair_missing: false }] })

/** Query of `GET .../plan`. */
export const DriftPlanQuerySchema = Type.Object({
  mount: Type.Optional(Type.String({ description: 'KV v2 mount path (with `secret_name`: one secret)' })),
  secret_name: Type.Optional(Type.String({ description: 'Secret path inside the mount (with `mount`)' }))
})

const PlanTargetSchema = named('SyncExtDriftPlanTarget', Type.Object({
  ...DriftPlanEntrySchema.properties,
  mount: Type.String(),
  secret_name: Type.String(),
  sub_key: Type.String({ description: 'Top-level KV key under `secret-key`; "" under `secret-path`' }),
  checked_at: Type.String({ description: 'When the sweep made this finding (RFC 3339)' })
}))

/** `data` of `GET .../plan`. */
export const DriftPlanSchema = named('SyncExtDriftPlan', Type.Object({
  mode: Type.Enum([...DRIFT_MODES], { type: 'string' }),
  last_sweep_at: nullableString('When the last sweep began (RFC 3339)'),
  complete: Type.Boolean({ description: 'The last sweep listed the whole vault' }),
  targets: Type.Array(PlanTargetSchema, { description: 'Written targets with a finding' }),
  unchecked: Type.Array(Type.Object({
    name: Type.String(), mount: Type.String(), secret_name: Type.String(), sub_key: Type.String(), reason: Type.String()
  }), { description: 'Written targets without a finding yet' })
}, {
  examples: [{
    mode: 'detect',
    last_sweep_at: null,
    complete: false,
    targets: [{
      name: 'vault-kv-1a2b3c4d-app', state: 'drifted-value', changes: ['new-version', 'value'], recorded_version: '0123456789abcdef0123456789abcdef', recorded_updated: AT,
      remote_version: 'fedcba9876543210fedcba9876543210', remote_updated: AT, remote_enabled: true, action: 'write', action_version: '', reason: '',
      mount: 'secret', secret_name: 'app', sub_key: '', checked_at: AT
    }],
    unchecked: []
  }]
}))

/** The drift block of a destination in `sys/sync-ext/status`. */
export const DriftStatusSchema = named('SyncExtDriftStatus', Type.Object({
  mode: Type.Enum([...DRIFT_MODES], { type: 'string' }),
  last_sweep_at: nullableString('When the last sweep began (RFC 3339)'),
  drifted: Type.Integer({ minimum: 0, description: 'Targets whose last finding is not in-sync' }),
  states: States,
  error: nullableString('Why the last sweep failed')
}))
