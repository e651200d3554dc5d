/**
 * `sys/auth/token/tune` (GET, POST/PUT): the token store's `default_lease_ttl` and
 * `max_lease_ttl`, and the mount settings of `src/mounts/mount-settings.ts` (the same code as
 * `sys/mounts/:path/tune`), as Vault's `sys/auth/:path/tune` on its `token/` mount
 * (`handleTuneReadCommon`, `handleTuneWriteCommon`). Data injected at the top level like every
 * `sys/auth/*` answer (spec/vault-core-kv-api.md §1.5); root-protected (`sudo`) like every
 * `sys/auth/*` path. Other auth mounts do not exist here.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { noContent, ok } from '../../src/vault/envelope.js'
import { documented, noBody, vaultData } from '../../src/openapi/route-doc.js'
import { named } from '../../src/openapi/schema-json.js'
import { MountSettingsSchemas, TuneSettingsRequestProperties } from '../../src/mounts/mount-schemas.js'
import type { Services } from '../../src/services.js'

const TokenTuneSchema = named('TokenAuthTuneSettings', Type.Object({
  default_lease_ttl: Type.Integer({ description: 'Effective default TTL of new tokens, seconds' }),
  description: Type.String(),
  force_no_cache: Type.Boolean(),
  max_lease_ttl: Type.Integer({ description: 'Effective max TTL of non-periodic tokens, seconds' }),
  token_type: Type.String(),
  ...MountSettingsSchemas.tuneRead
}, { examples: [{ default_lease_ttl: 2764800, description: 'token based credentials', force_no_cache: false, max_lease_ttl: 2764800, token_type: 'default-service' }] }))

const TokenTuneRequestSchema = named('TokenAuthTuneRequest', Type.Object({
  default_lease_ttl: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'Duration (`"1h"`, or seconds); `"system"` resets to 768h' })),
  max_lease_ttl: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'Duration (`"8760h"`, or seconds); `"system"` resets to 768h' })),
  ...TuneSettingsRequestProperties
}, { examples: [{ max_lease_ttl: '8760h' }] }))

/** Registers the token auth tune routes. */
export function authTuneRoutes (app: FastifyInstance, { tokenTune }: Pick<Services, 'tokenTune'>): void {
  app.get('/v1/sys/auth/token/tune', {
    schema: { openapi: documented({ operationId: 'auth-read-tuning-information', summary: 'Read the token store\'s TTL settings', responses: { 200: vaultData('Effective settings (TTLs in seconds)', TokenTuneSchema, { inject: true }) } }) }
  }, async (request) => ok(request, await tokenTune.read(), { inject: true }))
  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/auth/token/tune',
    schema: { openapi: documented({ operationId: 'auth-tune-configuration-parameters', summary: 'Tune the token store\'s default and max TTL and its mount settings', body: TokenTuneRequestSchema, responses: { 204: noBody('Tuned') } }) },
    handler: async (request: FastifyRequest<{ Body: Record<string, unknown> | undefined }>, reply) => {
      await tokenTune.tune(request.body ?? {})
      return noContent(reply)
    }
  })
}
