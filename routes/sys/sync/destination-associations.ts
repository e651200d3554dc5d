/**
 * Associations of one destination (spec/vault-sync-api.md §3.9-3.11): GET (a plain read, not a
 * list), and POST/PUT `associations/set` and `associations/remove` with `mount` and
 * `secret_name`. All three answer the destination's full association map, joined from its
 * pre-serialised entries (bytes as the response schema would write them).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { sendOkJson } from '../../../src/vault/envelope-json.js'
import { unknownFieldsWarning } from '../../../src/vault/field-decode.js'
import { DestinationAssociationsSchema, envelope } from '../../../src/sync/sync-schemas.js'
import { AssociationRequestSchema } from '../../../src/sync/sync-request-schemas.js'
import { documented, errorBody, vaultData } from '../../../src/openapi/route-doc.js'
import type { Services } from '../../../src/services.js'

type Req = FastifyRequest<{ Params: { type: string, name: string }, Body: Record<string, unknown> | undefined }>

const FIELDS: ReadonlySet<string> = new Set(['mount', 'secret_name'])

const SUMMARY = {
  set: 'Associate a KV secret with the destination (or refresh an association)',
  remove: 'Remove an association; the external secret is unsynced in the background'
}

/** Registers the per-destination association routes. */
export function destinationAssociationRoutes (app: FastifyInstance, { associationService, driverRegistry }: Pick<Services, 'associationService' | 'driverRegistry'>): void {
  // operationIds as in Vault's OpenAPI document (decisions D-10).
  const response = { 200: envelope(DestinationAssociationsSchema) }
  const params = {
    type: { description: 'Destination type', schema: Type.Enum(driverRegistry.types(), { type: 'string' }) },
    name: 'Name of the destination'
  }
  const answer = vaultData('Every association of the destination', DestinationAssociationsSchema)
  const base = '/v1/sys/sync/destinations/:type/:name/associations'
  const readDoc = documented({
    operationId: 'system-read-sync-destinations-type-name-associations',
    summary: 'Read the associations of a destination',
    params,
    responses: { 200: answer, 404: errorBody('No such destination', []) }
  })
  // The map is kept pre-serialised (src/sync/association-list-view.ts); the schema documents it.
  app.get(base, { schema: { openapi: readDoc, response } }, async (request: Req, reply) =>
    sendOkJson(request, reply, await associationService.listForDestinationJson(request.params.type, request.params.name)))
  for (const op of ['set', 'remove'] as const) {
    app.route({
      method: ['POST', 'PUT'],
      url: `${base}/${op}`,
      schema: {
        openapi: documented({
          operationId: `system-write-sync-destinations-type-name-associations-${op}`,
          summary: SUMMARY[op],
          params,
          body: AssociationRequestSchema,
          responses: { 200: answer, 503: errorBody('The sync queue is full; nothing was stored', ['sync queue is full (queue_capacity=100000); retry later']) }
        }),
        response
      },
      handler: async (request: Req, reply) => {
        const body = request.body ?? {}
        const data = await associationService[`${op}Json`](request.params.type, request.params.name, body)
        const warning = unknownFieldsWarning(body, FIELDS)
        return sendOkJson(request, reply, data, warning === undefined ? [] : [warning])
      }
    })
  }
}
