/**
 * `sys/activation-flags` (spec/vault-sync-api.md §3.1, decisions D-15.1): GET needs no token;
 * `secrets-sync/activate` (PUT/POST) persists the activation and answers the flags.
 */
import type { FastifyInstance } from 'fastify'
import { ok } from '../../src/vault/envelope.js'
import type { Services } from '../../src/services.js'

/** Registers the activation-flag routes. */
export function activationFlagRoutes (app: FastifyInstance, { activation }: Pick<Services, 'activation'>): void {
  app.get('/v1/sys/activation-flags', { config: { unauthenticated: true } }, async (request) => ok(request, activation.flags()))
  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/activation-flags/secrets-sync/activate',
    handler: async (request) => ok(request, activation.activate('secrets-sync'))
  })
}
