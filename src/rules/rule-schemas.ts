/**
 * TypeBox schemas of the association-rule extension (issue 22, tag `sync-ext`): the create
 * body, the plan a create (or its dry run) answers, a rule as read back, and the list. They feed
 * the OpenAPI document and Fastify's serializer (which drops any field not declared here).
 */
import { Type, type TSchema } from 'typebox'
import { named } from '../openapi/schema-json.js'

const nullable = (description: string): TSchema => Type.Unsafe<string | null>({ type: ['string', 'null'], description })
const Globs = (description: string): TSchema => Type.Array(Type.String(), { description })
const Pairs = Type.Record(Type.String(), Type.String(), { description: 'Every pair must equal the secret\'s `custom_metadata`' })

/** Body of `POST sys/sync-ext/destinations/:type/:name/rules/:rule`. */
export const RuleRequestSchema = Type.Object({
  mount: Type.String({ description: 'KV v2 mount path' }),
  path_prefix: Type.Optional(Type.String({ description: 'Folder inside the mount (a trailing `/` is added); `""` for the whole mount' })),
  recursive: Type.Optional(Type.Boolean({ description: 'Cover sub-folders too (default false: direct children only)' })),
  include: Type.Optional(Globs('picomatch globs on the path relative to `path_prefix`; a secret must match one (default: all)')),
  exclude: Type.Optional(Globs('picomatch globs on the path relative to `path_prefix`; a secret matching one is left out')),
  custom_metadata: Type.Optional(Pairs)
}, { examples: [{ mount: 'secret', path_prefix: 'apps/prod/', recursive: true, exclude: ['**/*-old'], custom_metadata: { sync: 'azure' } }] })

/** One covered secret in a plan. */
export const RulePlanEntrySchema = named('SyncExtRulePlanEntry', Type.Object({
  secret_name: Type.String({ description: 'Secret path inside the mount' }),
  external_name: nullable('Azure name it gets; null for an invalid name, and under `secret-key` (names per key, decided by the worker)'),
  error: Type.Optional(Type.String({ description: 'Why it will not sync: an invalid name or a name collision (its association shows `CLIENT_SIDE_ERROR` with this text)' }))
}))

/** `data` of a create or dry run. */
export const RulePlanSchema = named('SyncExtRulePlan', Type.Object({
  dry_run: Type.Boolean({ description: 'True when nothing was stored' }),
  total: Type.Integer({ minimum: 0, description: 'Secrets the rule covers now' }),
  errors: Type.Integer({ minimum: 0, description: 'Covered secrets that will not sync' }),
  secrets: Type.Array(RulePlanEntrySchema, { description: 'A dry run: every covered secret. A create: only those that will not sync' })
}, {
  examples: [{
    dry_run: true,
    total: 3,
    errors: 2,
    secrets: [
      { secret_name: 'apps/prod/a/db', external_name: 'db', error: 'name collision: secret/apps/prod/a/db, secret/apps/prod/b/db map to the same Azure Key Vault name "db"; none of them is synced' },
      { secret_name: 'apps/prod/b/db', external_name: 'db', error: 'name collision: secret/apps/prod/a/db, secret/apps/prod/b/db map to the same Azure Key Vault name "db"; none of them is synced' },
      { secret_name: 'apps/prod/api', external_name: 'api' }
    ]
  }]
}))

/** `data` of `GET .../rules/:rule`. */
export const RuleSchema = named('SyncExtRule', Type.Object({
  name: Type.String(),
  mount: Type.String({ description: 'Mount path (trailing `/`); `""` once the mount is gone' }),
  path_prefix: Type.String(),
  recursive: Type.Boolean(),
  include: Globs('Include globs'),
  exclude: Globs('Exclude globs'),
  custom_metadata: Pairs,
  created_time: Type.String({ description: 'RFC 3339' }),
  associations: Type.Integer({ minimum: 0, description: 'Live associations this rule made (an explicit `associations/set` or `remove` takes one out of the rule\'s hands)' }),
  exclusions: Type.Array(Type.String(), { description: 'Secrets whose rule-made association was removed with `associations/remove`; the rule leaves them alone' })
}, {
  examples: [{
    name: 'prod-apps',
    mount: 'secret/',
    path_prefix: 'apps/prod/',
    recursive: true,
    include: [],
    exclude: ['**/*-old'],
    custom_metadata: { sync: 'azure' },
    created_time: '2026-01-15T10:20:30.123Z',
    associations: 42,
    exclusions: ['apps/prod/legacy']
  }]
}))

/** `data` of `LIST .../rules`. */
export const RuleListSchema = named('SyncExtRuleList', Type.Object({
  keys: Type.Array(Type.String(), { description: 'Rule names, sorted' })
}, { examples: [{ keys: ['prod-apps'] }] }))

/** Query of a create: `dry_run`. */
export const RuleCreateQuerySchema = Type.Object({
  dry_run: Type.Optional(Type.String({ description: 'Go ParseBool true (`true`, `1`, ...): answer the plan, store nothing' }))
})
