/**
 * The token store's HTTP surface (`auth/token/*`, spec/vault-core-kv-api.md §4.2). The
 * foundation serves `lookup-self`; the access-control issue adds create, revoke and renew.
 */
import type { FastifyInstance } from 'fastify'
import { ok } from '../../src/vault/envelope.js'
import { invalidToken } from '../../src/vault/errors.js'
import type { Services } from '../../src/services.js'

/** Registers the token routes. */
export function tokenRoutes (app: FastifyInstance, { tokens }: Pick<Services, 'tokens'>): void {
  app.get('/v1/auth/token/lookup-self', async (request) => {
    const data = tokens.lookup(request.vaultTokenId ?? '')
    if (data === undefined) throw invalidToken()
    return ok(request, data)
  })
}
