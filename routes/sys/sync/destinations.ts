/**
 * `sys/sync/destinations` (spec/vault-sync-api.md §3.3-3.8; decisions D-10, D-15.2, D-15.10):
 * LIST all (grouped by type) and LIST by type at the trailing-slash URLs; per registered type,
 * POST/PUT (create or update), PATCH (merge patch), GET and DELETE (`purge`, `force_delete`
 * from the query string) at `:type/:name`. Other types answer Vault's unknown-path 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { list, noContent, ok } from '../../../src/vault/envelope.js'
import { badRequest, notFound, unsupportedOperation, unsupportedPath } from '../../../src/vault/errors.js'
import { decodeBool } from '../../../src/vault/field-decode.js'
import { isListRequest } from '../../../src/vault/list-route.js'
import { destinationSchema, DestinationListSchema, DestinationTypeListSchema, envelope } from '../../../src/sync/sync-schemas.js'
import type { Services } from '../../../src/services.js'

type NameReq = FastifyRequest<{ Params: { name: string }, Body: Record<string, unknown> | undefined, Querystring: Record<string, string | undefined> }>
type TypeReq = FastifyRequest<{ Params: { type: string } }>

/** Registers the destination routes for every type in the registry. */
export function destinationRoutes (app: FastifyInstance, { destinationService, driverRegistry }: Pick<Services, 'destinationService' | 'driverRegistry'>): void {
  // LIST sys/sync/destinations: keys are types with a trailing slash (§3.3).
  app.get('/v1/sys/sync/destinations/', { schema: { response: { 200: envelope(DestinationListSchema) } } }, async (request) => {
    if (!isListRequest(request)) throw notFound()
    const { keys, key_info: keyInfo, total_destinations: total } = destinationService.listAll()
    return list(request, keys, { key_info: keyInfo, total_destinations: total })
  })
  app.get('/v1/sys/sync/destinations', async () => { throw unsupportedOperation() })

  // LIST sys/sync/destinations/:type (§3.4); an unknown or empty type is 404 {"errors":[]}.
  // Registered per type too, so `<type>/` never reaches the `<type>/:name` read route.
  const listType = async (request: FastifyRequest, type: string): Promise<unknown> => {
    if (!isListRequest(request)) throw notFound()
    const { keys, total_destinations: total } = destinationService.listType(type)
    return list(request, keys, { total_destinations: total })
  }
  const listSchema = { response: { 200: envelope(DestinationTypeListSchema) } }
  app.get('/v1/sys/sync/destinations/:type/', { schema: listSchema }, async (request: TypeReq) => await listType(request, request.params.type))
  // A write to `:type/` has an empty name (D-15.10).
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/v1/sys/sync/destinations/:type/',
    handler: async (request: TypeReq) => {
      if (driverRegistry.get(request.params.type) === undefined) throw unsupportedPath()
      throw badRequest('name: a destination name is required')
    }
  })

  for (const type of driverRegistry.types()) {
    const driver = driverRegistry.get(type)!
    const url = `/v1/sys/sync/destinations/${type}/:name`
    const schema = { response: { 200: envelope(destinationSchema(driver.connectionDetailsSchema)) } }
    app.get(`/v1/sys/sync/destinations/${type}/`, { schema: listSchema }, async (request) => await listType(request, type))
    const write = (mode: 'write' | 'patch') => async (request: NameReq) => {
      const { view, warnings } = destinationService.write(type, request.params.name, request.body ?? {}, mode)
      return ok(request, view, { warnings })
    }
    app.route({ method: ['POST', 'PUT'], url, schema, handler: write('write') })
    app.patch(url, { schema }, write('patch'))
    app.get(url, { schema }, async (request: NameReq) => ok(request, destinationService.read(type, request.params.name)))
    app.delete(url, async (request: NameReq, reply: FastifyReply) => {
      const purge = decodeBool(request.query.purge, 'purge') ?? false
      const force = decodeBool(request.query.force_delete, 'force_delete') ?? false
      destinationService.delete(type, request.params.name, { purge, force })
      return noContent(reply)
    })
  }

  // Any other type: Vault's answer for an unknown sys path (D-15.2).
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/v1/sys/sync/destinations/:type/:name',
    handler: async () => { throw unsupportedPath() }
  })
}
