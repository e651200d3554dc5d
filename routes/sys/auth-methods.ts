/**
 * `GET sys/auth` (spec/vault-core-kv-api.md §2.8, Vault's `handleAuthTable`): the enabled auth
 * methods, which here is the token store alone (`token/`), in Vault's entry shape so `vault auth
 * list` and hvac's `sys.list_auth_methods()` work. Data is injected at the top level like every
 * `sys/auth*` answer. Needs `read` on `sys/auth` (not root-protected; `sys/auth/*` is).
 */
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { ok } from '../../src/vault/envelope.js'
import { documented, vaultData } from '../../src/openapi/route-doc.js'
import { named } from '../../src/openapi/schema-json.js'
import type { Services } from '../../src/services.js'
import { tokenAuthMountEntry } from '../../src/tokens/token-tune.js'
import { MountSettingsSchemas } from '../../src/mounts/mount-schemas.js'

const AuthMountSchema = Type.Object({
  accessor: Type.String({ description: '`auth_token_<8 hex>`, fixed per database' }),
  config: Type.Object({
    default_lease_ttl: Type.Integer({ description: 'As tuned (`sys/auth/token/tune`), seconds; 0 = the system value' }),
    force_no_cache: Type.Boolean(),
    max_lease_ttl: Type.Integer({ description: 'As tuned, seconds; 0 = the system value' }),
    token_type: Type.String(),
    ...MountSettingsSchemas.entry
  }),
  description: Type.String(),
  external_entropy_access: Type.Boolean(),
  local: Type.Boolean(),
  options: Type.Null(),
  plugin_version: Type.String(),
  running_plugin_version: Type.String(),
  running_sha256: Type.String(),
  seal_wrap: Type.Boolean(),
  type: Type.String(),
  uuid: Type.String()
})

const AuthTableSchema = named('AuthMethodTable', Type.Record(Type.String(), AuthMountSchema, {
  description: 'Auth methods keyed by path, with a trailing `/`: only `token/`',
  examples: [{ 'token/': tokenAuthMountEntry('auth_token_5d2c9a41', '0b6e4d1f-3a2c-4e8b-9f1d-7c5a3b2e1d0f', { default_lease_ttl: 0, max_lease_ttl: 0 }) }]
}))

/** Registers `GET sys/auth`. */
export function authMethodRoutes (app: FastifyInstance, { mounts, tokenTune }: Pick<Services, 'mounts' | 'tokenTune'>): void {
  app.get('/v1/sys/auth', {
    schema: { openapi: documented({ operationId: 'auth-list-enabled-methods', summary: 'List the enabled auth methods (the token store)', responses: { 200: vaultData('Auth methods by path', AuthTableSchema, { inject: true }) } }) }
  }, async (request) => {
    // The built-in `sys/` mount always exists (made with the database); its uuid seeds the token mount's identity.
    const sys = await mounts.byPath('sys/')
    return ok(request, { 'token/': await tokenTune.mountEntry(sys?.uuid ?? '') }, { inject: true })
  })
}
