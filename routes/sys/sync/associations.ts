/**
 * `sys/sync/associations` (spec/vault-sync-api.md §3.12, §3.13; decisions D-15.13, D-32.1):
 * LIST every associated secret with totals; the destinations of one secret by query
 * (`destinations?mount=&secret_name=`, safe for nested paths) or by path (`:mount/*name`,
 * split by longest mount prefix).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ok } from '../../../src/vault/envelope.js'
import { sendOkJson } from '../../../src/vault/envelope-json.js'
import { badRequest, notFound, unsupportedOperation } from '../../../src/vault/errors.js'
import { isListRequest } from '../../../src/vault/request-target.js'
import { AssociationListSchema, DestinationsOfSecretSchema, envelope } from '../../../src/sync/sync-schemas.js'
import { DestinationsOfSecretQuerySchema } from '../../../src/sync/sync-request-schemas.js'
import { documented, errorBody, hidden, vaultData } from '../../../src/openapi/route-doc.js'
import type { Services } from '../../../src/services.js'

type QueryReq = FastifyRequest<{ Querystring: Record<string, string | undefined> }>
type PathReq = FastifyRequest<{ Params: { '*': string } }>

/** Registers the global association routes. */
export function associationRoutes (app: FastifyInstance, { associationService }: Pick<Services, 'associationService'>): void {
  // operationIds as in Vault's OpenAPI document (decisions D-10).
  const listDoc = documented({
    operationId: 'system-list-sync-associations',
    summary: 'List every associated secret, with totals',
    list: true,
    responses: { 200: vaultData('Associated secrets keyed `<mount>/<secret>`', AssociationListSchema), 404: errorBody('No secret is associated', []) }
  })
  // Kept as its JSON bytes until the associations change (src/sync/association-global-list.ts).
  app.get('/v1/sys/sync/associations/', { schema: { openapi: listDoc, response: { 200: envelope(AssociationListSchema) } } }, async (request, reply) => {
    if (!isListRequest(request)) throw notFound()
    const data = await associationService.listAllJson()
    if (data === undefined) throw notFound()
    return sendOkJson(request, reply, [data])
  })
  app.get('/v1/sys/sync/associations', { schema: { openapi: hidden('Vault has no read here: 405 (the list is at the trailing-slash path)') } }, async () => { throw unsupportedOperation() })

  const response = { 200: envelope(DestinationsOfSecretSchema) }
  const destinations = vaultData('The destinations the secret is associated with', DestinationsOfSecretSchema)
  const none = errorBody('The secret has no associations', [])
  const byQueryDoc = documented({
    operationId: 'system-read-sync-associations-destinations',
    summary: 'Read the destinations of a secret (mount and secret name as query parameters)',
    query: DestinationsOfSecretQuerySchema,
    responses: { 200: destinations, 404: none }
  })
  app.get('/v1/sys/sync/associations/destinations', { schema: { openapi: byQueryDoc, response } }, async (request: QueryReq) => {
    const { mount, secret_name: secretName } = request.query
    if (mount === undefined || mount === '') throw badRequest('missing required field "mount"')
    if (secretName === undefined || secretName === '') throw badRequest('missing required field "secret_name"')
    return ok(request, await associationService.destinationsOf(mount, secretName))
  })
  const byPathDoc = documented({
    operationId: 'system-read-sync-associations-mount-secret_name',
    summary: 'Read the destinations of a secret',
    description: 'The path is split into mount and secret name by the longest mount prefix, so both may contain `/`.',
    path: '/sys/sync/associations/{mount}/{secret_name}',
    params: { mount: 'Path of the KV v2 mount', secret_name: 'Path of the secret inside the mount' },
    responses: { 200: destinations, 404: none }
  })
  app.get('/v1/sys/sync/associations/*', { schema: { openapi: byPathDoc, response } }, async (request: PathReq) =>
    ok(request, await associationService.destinationsOfPath(request.params['*'])))
}
