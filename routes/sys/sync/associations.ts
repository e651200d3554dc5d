/**
 * `sys/sync/associations` (spec/vault-sync-api.md §3.12, §3.13; decisions D-15.13, D-32.1):
 * LIST every associated secret with totals; the destinations of one secret by query
 * (`destinations?mount=&secret_name=`, safe for nested paths) or by path (`:mount/*name`,
 * split by longest mount prefix).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { list, ok } from '../../../src/vault/envelope.js'
import { badRequest, notFound, unsupportedOperation } from '../../../src/vault/errors.js'
import { isListRequest } from '../../../src/vault/list-route.js'
import { AssociationListSchema, DestinationsOfSecretSchema, envelope } from '../../../src/sync/sync-schemas.js'
import type { Services } from '../../../src/services.js'

type QueryReq = FastifyRequest<{ Querystring: Record<string, string | undefined> }>
type PathReq = FastifyRequest<{ Params: { '*': string } }>

/** Registers the global association routes. */
export function associationRoutes (app: FastifyInstance, { associationService }: Pick<Services, 'associationService'>): void {
  app.get('/v1/sys/sync/associations/', { schema: { response: { 200: envelope(AssociationListSchema) } } }, async (request) => {
    if (!isListRequest(request)) throw notFound()
    const { keys, ...rest } = associationService.listAll()
    return list(request, keys, rest)
  })
  app.get('/v1/sys/sync/associations', async () => { throw unsupportedOperation() })

  const schema = { response: { 200: envelope(DestinationsOfSecretSchema) } }
  app.get('/v1/sys/sync/associations/destinations', { schema }, async (request: QueryReq) => {
    const { mount, secret_name: secretName } = request.query
    if (mount === undefined || mount === '') throw badRequest('missing required field "mount"')
    if (secretName === undefined || secretName === '') throw badRequest('missing required field "secret_name"')
    return ok(request, associationService.destinationsOf(mount, secretName))
  })
  app.get('/v1/sys/sync/associations/*', { schema }, async (request: PathReq) =>
    ok(request, associationService.destinationsOfPath(request.params['*'])))
}
