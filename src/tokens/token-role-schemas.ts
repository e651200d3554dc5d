/**
 * TypeBox schemas of the token role endpoints (`auth/token/roles/*`, Vault's vault/token_store.go
 * `pathsRole`) for `openapi.yaml`: the role as read back, the write request, the list. The
 * routes build answers in `token-roles.ts` (`roleReadData`) and decode requests there
 * (`writeRole`).
 */
import { Type } from 'typebox'
import { named } from '../openapi/schema-json.js'

const DURATION = 'Go duration (`1h`, `90m`) or seconds'
const LIST = 'A JSON list or a comma-separated string'
const strings = (description: string) => Type.Optional(Type.Union([Type.Array(Type.String()), Type.String()], { description: `${description}. ${LIST}` }))
const duration = (description: string) => Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: `${description}; ${DURATION}` }))

/** `data` of `GET auth/token/roles/:role_name` (Vault's `tokenStoreRoleRead`). */
export const TokenRoleSchema = named('TokenRole', Type.Object({
  allowed_entity_aliases: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'null until set' }),
  allowed_policies: Type.Array(Type.String()),
  allowed_policies_glob: Type.Array(Type.String()),
  bound_cidrs: Type.Optional(Type.Array(Type.String({ description: 'Never present: vault-sync binds no token to client addresses' }))),
  disallowed_policies: Type.Array(Type.String()),
  disallowed_policies_glob: Type.Array(Type.String()),
  explicit_max_ttl: Type.Integer({ description: 'Deprecated alias, as last written under this name (seconds)' }),
  name: Type.String(),
  orphan: Type.Boolean(),
  path_suffix: Type.String(),
  period: Type.Integer({ description: 'Deprecated alias, as last written under this name (seconds)' }),
  renewable: Type.Boolean(),
  token_bound_cidrs: Type.Optional(Type.Array(Type.String({ description: 'Never present: vault-sync binds no token to client addresses' }))),
  token_explicit_max_ttl: Type.Integer({ description: 'Seconds; 0 = none' }),
  token_no_default_policy: Type.Boolean(),
  token_num_uses: Type.Optional(Type.Integer({ description: 'Present when above 0' })),
  token_period: Type.Integer({ description: 'Seconds; 0 = not periodic' }),
  token_type: Type.Union([Type.Literal('default-service'), Type.Literal('service')])
}, {
  examples: [{
    allowed_entity_aliases: null, allowed_policies: ['app-read'], allowed_policies_glob: ['ci-*'], disallowed_policies: [], disallowed_policies_glob: [],
    explicit_max_ttl: 0, name: 'ci', orphan: true, path_suffix: 'rev1', period: 0, renewable: true, token_explicit_max_ttl: 86400,
    token_no_default_policy: false, token_period: 3600, token_type: 'default-service'
  }]
}))

/** `POST auth/token/roles/:role_name` (Vault's role path fields). */
export const TokenRoleWriteRequestSchema = named('TokenRoleRequest', Type.Object({
  allowed_policies: strings('Policies tokens of this role may have (instead of a subset of the parent\'s)'),
  disallowed_policies: strings('Policies tokens of this role may not have (`default` here stops it being added)'),
  allowed_policies_glob: strings('Like `allowed_policies`, as globs (`*`)'),
  disallowed_policies_glob: strings('Like `disallowed_policies`, as globs (`*`)'),
  allowed_entity_aliases: strings('Stored and read back; vault-sync has no identity store, so a create naming an `entity_alias` is refused'),
  orphan: Type.Optional(Type.Boolean({ description: 'Tokens of this role have no parent' })),
  renewable: Type.Optional(Type.Boolean({ description: 'Default true; false makes every token of this role non-renewable' })),
  path_suffix: Type.Optional(Type.String({ description: 'Appended to the tokens\' path (`auth/token/create/<role>/<suffix>`)' })),
  token_period: duration('Tokens are periodic with this period'),
  token_explicit_max_ttl: duration('Tokens carry this explicit max TTL'),
  token_no_default_policy: Type.Optional(Type.Boolean()),
  token_num_uses: Type.Optional(Type.Integer({ minimum: 0, description: 'Uses of each token; 0 = unlimited' })),
  token_type: Type.Optional(Type.String({ description: '`default-service` (default) or `service` (batch tokens are not supported)' })),
  token_bound_cidrs: strings('Only an empty list is accepted (tokens are not bound to client addresses here)'),
  period: duration('Deprecated: use `token_period`'),
  explicit_max_ttl: duration('Deprecated: use `token_explicit_max_ttl`'),
  bound_cidrs: strings('Deprecated: use `token_bound_cidrs`')
}, { examples: [{ allowed_policies: ['app-read'], allowed_policies_glob: ['ci-*'], orphan: true, path_suffix: 'rev1', token_period: '1h', token_explicit_max_ttl: '24h' }] }))

/** `data` of `LIST auth/token/roles`. */
export const TokenRoleListSchema = named('TokenRoleList', Type.Object({
  keys: Type.Array(Type.String({ description: 'A role name' }))
}, { examples: [{ keys: ['ci', 'nomad'] }] }))
