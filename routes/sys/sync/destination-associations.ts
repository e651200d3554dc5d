/**
 * Associations of one destination (spec/vault-sync-api.md §3.9-3.11): GET (a plain read, not a
 * list), and POST/PUT `associations/set` and `associations/remove` with `mount` and
 * `secret_name`. All three answer the destination's full association map.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ok } from '../../../src/vault/envelope.js'
import { unknownFieldsWarning } from '../../../src/vault/field-decode.js'
import { DestinationAssociationsSchema, envelope } from '../../../src/sync/sync-schemas.js'
import type { Services } from '../../../src/services.js'

type Req = FastifyRequest<{ Params: { type: string, name: string }, Body: Record<string, unknown> | undefined }>

const FIELDS: ReadonlySet<string> = new Set(['mount', 'secret_name'])

/** Registers the per-destination association routes. */
export function destinationAssociationRoutes (app: FastifyInstance, { associationService }: Pick<Services, 'associationService'>): void {
  const schema = { response: { 200: envelope(DestinationAssociationsSchema) } }
  const base = '/v1/sys/sync/destinations/:type/:name/associations'
  app.get(base, { schema }, async (request: Req) =>
    ok(request, associationService.listForDestination(request.params.type, request.params.name)))
  for (const op of ['set', 'remove'] as const) {
    app.route({
      method: ['POST', 'PUT'],
      url: `${base}/${op}`,
      schema,
      handler: async (request: Req) => {
        const body = request.body ?? {}
        const data = associationService[op](request.params.type, request.params.name, body)
        const warning = unknownFieldsWarning(body, FIELDS)
        return ok(request, data, { warnings: warning === undefined ? [] : [warning] })
      }
    })
  }
}
