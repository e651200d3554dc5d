/**
 * `sys/sync/destinations` (spec/vault-sync-api.md §3.3-3.8; decisions D-10, D-15.2, D-15.10):
 * LIST all (grouped by type) and LIST by type at the trailing-slash URLs; per registered type,
 * POST/PUT (create or update), PATCH (merge patch), GET and DELETE (`purge`, `force_delete`
 * from the query string) at `:type/:name`. Other types answer Vault's unknown-path 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { list, noContent, ok } from '../../../src/vault/envelope.js'
import { badRequest, notFound, unsupportedOperation, unsupportedPath } from '../../../src/vault/errors.js'
import { decodeBool } from '../../../src/vault/field-decode.js'
import { isListRequest } from '../../../src/vault/request-target.js'
import { destinationComponentName, destinationSchema, DestinationListSchema, DestinationTypeListSchema, envelope } from '../../../src/sync/sync-schemas.js'
import { DestinationDeleteQuerySchema, destinationRequestSchema } from '../../../src/sync/sync-request-schemas.js'
import { documented, errorBody, hidden, noBody, vaultData, type OperationDoc } from '../../../src/openapi/route-doc.js'
import type { Services } from '../../../src/services.js'

type NameReq = FastifyRequest<{ Params: { name: string }, Body: Record<string, unknown> | undefined, Querystring: Record<string, string | undefined> }>
type TypeReq = FastifyRequest<{ Params: { type: string } }>

const NAME = { name: 'Name of the destination (letters, digits, `_`, `-`, `.`; at most 128 characters)' }
/** An example body of a create (the seed workflow's, decisions D-19). */
const CREATE_EXAMPLE = {
  key_vault_uri: 'https://keyvault-1234abcd.vault.azure.net',
  client_id: '11111111-2222-3333-4444-555555555555',
  client_secret: 'my-client-secret',
  tenant_id: '66666666-7777-8888-9999-000000000000',
  custom_tags: { team: 'payments' }
}

/** Registers the destination routes for every type in the registry. */
export function destinationRoutes (app: FastifyInstance, { destinationService, driverRegistry }: Pick<Services, 'destinationService' | 'driverRegistry'>): void {
  const typeParam = { type: { description: 'Destination type', schema: Type.Enum(driverRegistry.types(), { type: 'string' }) } }

  // LIST sys/sync/destinations: keys are types with a trailing slash (§3.3).
  // operationIds as in Vault's OpenAPI document (decisions D-10).
  const listAllDoc = documented({
    operationId: 'system-list-sync-destinations',
    summary: 'List all destinations, grouped by type',
    list: true,
    responses: { 200: vaultData('Destination names by type', DestinationListSchema), 404: errorBody('There are no destinations', []) }
  })
  app.get('/v1/sys/sync/destinations/', { schema: { openapi: listAllDoc, response: { 200: envelope(DestinationListSchema) } } }, async (request) => {
    if (!isListRequest(request)) throw notFound()
    const { keys, key_info: keyInfo, total_destinations: total } = await destinationService.listAll()
    return list(request, keys, { key_info: keyInfo, total_destinations: total })
  })
  app.get('/v1/sys/sync/destinations', { schema: { openapi: hidden('Vault has no read here: 405 (the list is at the trailing-slash path)') } }, async () => { throw unsupportedOperation() })

  // LIST sys/sync/destinations/:type (§3.4); an unknown or empty type is 404 {"errors":[]}.
  // Registered per type too, so `<type>/` never reaches the `<type>/:name` read route.
  const listType = async (request: FastifyRequest, type: string): Promise<unknown> => {
    if (!isListRequest(request)) throw notFound()
    const { keys, total_destinations: total } = await destinationService.listType(type)
    return list(request, keys, { total_destinations: total })
  }
  const listTypeDoc = documented({
    operationId: 'system-list-sync-destinations-type',
    summary: 'List the destinations of one type',
    path: '/sys/sync/destinations/{type}/',
    list: true,
    params: typeParam,
    responses: { 200: vaultData('Destination names', DestinationTypeListSchema), 404: errorBody('No destination of this type, or an unknown type', []) }
  })
  const listSchema = { openapi: listTypeDoc, response: { 200: envelope(DestinationTypeListSchema) } }
  app.get('/v1/sys/sync/destinations/:type/', { schema: listSchema }, async (request: TypeReq) => await listType(request, request.params.type))
  // A write to `:type/` has an empty name (D-15.10).
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/v1/sys/sync/destinations/:type/',
    schema: { openapi: hidden('A destination without a name: always 400 (or 404 for an unknown type)') },
    handler: async (request: TypeReq) => {
      if (driverRegistry.get(request.params.type) === undefined) throw unsupportedPath()
      throw badRequest('name: a destination name is required')
    }
  })

  for (const type of driverRegistry.types()) {
    const driver = driverRegistry.get(type)!
    const url = `/v1/sys/sync/destinations/${type}/:name`
    const data = destinationSchema(driver.connectionDetailsSchema, type)
    const requestName = `${destinationComponentName(type)}Request`
    const response = { 200: envelope(data) }
    const written = vaultData('The destination as stored (secrets redacted)', data)
    const doc = (op: string, rest: Omit<OperationDoc, 'operationId'>) => ({ openapi: documented({ operationId: `system-${op}-sync-destinations-${type}-name`, params: NAME, ...rest }), response })
    app.get(`/v1/sys/sync/destinations/${type}/`, { schema: listSchema }, async (request) => await listType(request, type))
    const write = (mode: 'write' | 'patch') => async (request: NameReq) => {
      const { view, warnings } = await destinationService.write(type, request.params.name, request.body ?? {}, mode)
      return ok(request, view, { warnings })
    }
    app.route({
      method: ['POST', 'PUT'],
      url,
      schema: doc('write', {
        summary: `Create or update an ${type} destination`,
        description: 'Fields left out keep their stored value on an update; `custom_tags` is replaced.',
        body: destinationRequestSchema(requestName, driver.connectionRequestSchema, CREATE_EXAMPLE),
        responses: { 200: written }
      }),
      handler: write('write')
    })
    app.patch(url, {
      schema: doc('patch', {
        summary: `Update some fields of an ${type} destination (JSON merge patch)`,
        description: 'Needs `Content-Type: application/merge-patch+json`. `custom_tags` is merged; `tags_to_remove` drops keys.',
        body: destinationRequestSchema(requestName, driver.connectionRequestSchema, { custom_tags: { owner: 'platform' } }),
        responses: { 200: written, 404: errorBody('No such destination', []) }
      })
    }, write('patch'))
    app.get(url, {
      schema: doc('read', { summary: `Read an ${type} destination`, responses: { 200: vaultData('The destination (secrets redacted)', data), 404: errorBody('No such destination', []) } })
    }, async (request: NameReq) => ok(request, await destinationService.read(type, request.params.name)))
    app.delete(url, {
      schema: {
        openapi: documented({
          operationId: `system-delete-sync-destinations-${type}-name`,
          summary: `Delete an ${type} destination`,
          description: 'Without `purge`, refused while live associations remain. With `purge`, every association is unsynced first and the destination disappears once done.',
          params: NAME,
          query: DestinationDeleteQuerySchema,
          responses: { 204: noBody('Deleted, or deletion (purge) started') }
        })
      }
    }, async (request: NameReq, reply: FastifyReply) => {
      const purge = decodeBool(request.query.purge, 'purge') ?? false
      const force = decodeBool(request.query.force_delete, 'force_delete') ?? false
      await destinationService.delete(type, request.params.name, { purge, force })
      return noContent(reply)
    })
  }

  // Any other type: Vault's answer for an unknown sys path (D-15.2).
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/v1/sys/sync/destinations/:type/:name',
    schema: { openapi: hidden('Destination types vault-sync does not implement: always 404 unsupported path') },
    handler: async () => { throw unsupportedPath() }
  })
}
