/**
 * TypeBox schemas of the token store's wire shapes (spec/vault-core-kv-api.md §4.2) for
 * `openapi.yaml`: the lookup `data`, the `auth` block, and the request bodies. The routes build
 * answers in `token-service.ts` and decode requests in `token-request.ts`.
 */
import { Type } from 'typebox'
import { named } from '../openapi/schema-json.js'

const DURATION = 'Go duration (`1h`, `90m`) or seconds'
const ACCESSOR = 'hCs5qK1xhLIvS9bJmCq3N2Ye'

/** `data` of a token lookup (a service token). */
export const TokenLookupSchema = named('TokenLookup', Type.Object({
  accessor: Type.String(),
  creation_time: Type.Integer({ description: 'Unix time in seconds' }),
  creation_ttl: Type.Integer({ description: 'Seconds; 0 = no expiry' }),
  display_name: Type.String(),
  entity_id: Type.String(),
  expire_time: Type.Union([Type.String(), Type.Null()]),
  explicit_max_ttl: Type.Integer(),
  id: Type.String({ description: 'The token itself; "" from lookup-accessor' }),
  issue_time: Type.Optional(Type.String()),
  last_renewal: Type.Optional(Type.String()),
  last_renewal_time: Type.Optional(Type.Integer()),
  meta: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  num_uses: Type.Integer(),
  orphan: Type.Boolean(),
  path: Type.String(),
  period: Type.Optional(Type.Integer()),
  policies: Type.Array(Type.String()),
  renewable: Type.Boolean(),
  role: Type.Optional(Type.String({ description: 'The token role it was created against (`auth/token/create/{role_name}`)' })),
  ttl: Type.Integer({ description: 'Remaining seconds; 0 = no expiry' }),
  type: Type.Literal('service')
}, {
  examples: [{
    accessor: ACCESSOR, creation_time: 1768472430, creation_ttl: 3600, display_name: 'token', entity_id: '',
    expire_time: '2026-01-15T11:20:30.123Z', explicit_max_ttl: 0, id: 'hvs.CAESIExampleTokenValue', issue_time: '2026-01-15T10:20:30.000Z',
    meta: null, num_uses: 0, orphan: false, path: 'auth/token/create', policies: ['default'], renewable: true, ttl: 3599, type: 'service'
  }]
}))

/** The `auth` block of token create and renew answers. */
export const AuthBlockSchema = named('TokenAuth', Type.Object({
  client_token: Type.String(),
  accessor: Type.String(),
  policies: Type.Array(Type.String()),
  token_policies: Type.Array(Type.String()),
  metadata: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  lease_duration: Type.Integer(),
  renewable: Type.Boolean(),
  entity_id: Type.String(),
  token_type: Type.Literal('service'),
  orphan: Type.Boolean(),
  mfa_requirement: Type.Null(),
  num_uses: Type.Integer()
}, {
  examples: [{
    client_token: 'hvs.CAESIExampleTokenValue', accessor: ACCESSOR, policies: ['default'], token_policies: ['default'], metadata: null,
    lease_duration: 3600, renewable: true, entity_id: '', token_type: 'service', orphan: false, mfa_requirement: null, num_uses: 0
  }]
}))

/** `auth/token/create`, `create-orphan` and `create/:role_name`. */
export const TokenCreateRequestSchema = named('TokenCreateRequest', Type.Object({
  id: Type.Optional(Type.String({ description: 'The token id to use (root or sudo only in Vault; accepted here)' })),
  policies: Type.Optional(Type.Union([Type.Array(Type.String()), Type.String()], { description: 'Policy names; the parent\'s when absent' })),
  meta: Type.Optional(Type.Record(Type.String(), Type.String())),
  no_parent: Type.Optional(Type.Boolean({ description: 'Create an orphan (root or sudo)' })),
  no_default_policy: Type.Optional(Type.Boolean()),
  renewable: Type.Optional(Type.Boolean()),
  ttl: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: DURATION })),
  explicit_max_ttl: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: DURATION })),
  period: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: `${DURATION} (root or sudo)` })),
  display_name: Type.Optional(Type.String()),
  num_uses: Type.Optional(Type.Integer({ minimum: 0 })),
  type: Type.Optional(Type.String({ description: '`service` (batch tokens are not supported)' }))
}, { examples: [{ policies: ['default'], ttl: '1h' }] }))

/** `auth/token/lookup` and `revoke`. */
export const TokenRequestSchema = named('TokenRequest', Type.Object({
  token: Type.String({ description: 'The token' })
}, { examples: [{ token: 'hvs.CAESIExampleTokenValue' }] }))

/** `auth/token/lookup-accessor` and `revoke-accessor`. */
export const AccessorRequestSchema = named('TokenAccessorRequest', Type.Object({
  accessor: Type.String({ description: 'The token\'s accessor' })
}, { examples: [{ accessor: ACCESSOR }] }))

/** `auth/token/renew-self`. */
const INCREMENT = Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: `Requested TTL extension, ${DURATION}` }))

export const RenewSelfRequestSchema = named('TokenRenewSelfRequest', Type.Object({
  increment: INCREMENT
}, { examples: [{ increment: '1h' }] }))

/** `auth/token/renew`. */
export const TokenRenewRequestSchema = named('TokenRenewRequest', Type.Object({
  token: Type.String({ description: 'The token to renew' }),
  increment: INCREMENT
}, { examples: [{ token: 'hvs.CAESIExampleTokenValue', increment: '1h' }] }))

/** `auth/token/renew-accessor`. */
export const AccessorRenewRequestSchema = named('TokenRenewAccessorRequest', Type.Object({
  accessor: Type.String({ description: 'Accessor of the token to renew' }),
  increment: INCREMENT
}, { examples: [{ accessor: ACCESSOR, increment: '1h' }] }))

/** `data` of `LIST auth/token/accessors` (Vault API docs, Token auth method, "List accessors"). */
export const TokenAccessorListSchema = named('TokenAccessorList', Type.Object({
  keys: Type.Array(Type.String({ description: 'The accessor of a live token' }))
}, { examples: [{ keys: [ACCESSOR, 'B6oixijqmeR4bsLOJH88Ska9'] }] }))
