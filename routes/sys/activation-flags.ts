/**
 * `sys/activation-flags` (spec/vault-sync-api.md §3.1, decisions D-15.1): GET needs no token;
 * `secrets-sync/activate` (PUT/POST) persists the activation and answers the flags.
 */
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { ok } from '../../src/vault/envelope.js'
import { documented, vaultData } from '../../src/openapi/route-doc.js'
import { named } from '../../src/openapi/schema-json.js'
import type { Services } from '../../src/services.js'

/** `data` of both routes. */
const ActivationFlagsSchema = named('ActivationFlags', Type.Object({
  activated: Type.Array(Type.String(), { description: 'Activated features' }),
  unactivated: Type.Array(Type.String(), { description: 'Features that still need activation' })
}, { examples: [{ activated: ['secrets-sync'], unactivated: [] }] }))

/** Registers the activation-flag routes. */
export function activationFlagRoutes (app: FastifyInstance, { activation }: Pick<Services, 'activation'>): void {
  const flags = vaultData('The activation flags', ActivationFlagsSchema)
  app.get('/v1/sys/activation-flags', {
    config: { unauthenticated: true },
    schema: { openapi: documented({ operationId: 'read-activation-flags', summary: 'Read the activation flags', responses: { 200: flags } }) }
  }, async (request) => ok(request, await activation.flags()))
  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/activation-flags/secrets-sync/activate',
    schema: {
      openapi: documented({
        operationId: 'activation-flags-activate',
        summary: 'Activate secrets sync (once; persisted)',
        responses: { 200: flags }
      })
    },
    handler: async (request) => ok(request, await activation.activate('secrets-sync'))
  })
}
