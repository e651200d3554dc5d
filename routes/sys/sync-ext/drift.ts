/**
 * Drift extension routes (issue 21; round2.md R2-2), ACL-protected like any path and documented
 * under the `sync-ext` tag. Vault's destination schema has no drift fields, so they live here:
 * - `GET sys/sync-ext/destinations/:type/:name/drift` (`read`): effective mode, interval and
 *   `repair_missing`, and which of them the destination overrides;
 * - `POST|PUT .../drift` (`update`): sets the override's fields; `DELETE .../drift`: drops it;
 * - `GET .../plan[?mount=&secret_name=]` (`read`): per written target its drift state, recorded
 *   vs remote version and time and the action repair would take, from the last sweep (no Azure
 *   call: sweeps run in the worker under the drift budget). Never a value or a hash.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { noContent, ok } from '../../../src/vault/envelope.js'
import { envelope } from '../../../src/sync/sync-schemas.js'
import { DriftPlanQuerySchema, DriftPlanSchema, DriftSettingsRequestSchema, DriftSettingsSchema } from '../../../src/drift/drift-schemas.js'
import { documented, errorBody, noBody, vaultData } from '../../../src/openapi/route-doc.js'
import type { Services } from '../../../src/services.js'

type Req = FastifyRequest<{ Params: { type: string, name: string }, Body: Record<string, unknown> | undefined, Querystring: Record<string, unknown> }>

const PARAMS = { type: 'Destination type, e.g. `azure-kv`', name: 'Name of the destination' }
const NOT_FOUND = errorBody('No such destination', [])

/** Registers the drift routes. */
export function driftRoutes (app: FastifyInstance, { drift }: Pick<Services, 'drift'>): void {
  const url = '/v1/sys/sync-ext/destinations/:type/:name/drift'
  const settings = { 200: envelope(DriftSettingsSchema) }
  app.get(url, {
    schema: {
      openapi: documented({
        operationId: 'vault-sync-read-sync-ext-destination-drift',
        summary: 'Drift settings of a destination (vault-sync extension)',
        description: 'Needs `read`. The server configuration\'s settings with this destination\'s override on top.',
        params: PARAMS,
        responses: { 200: vaultData('The effective settings', DriftSettingsSchema), 404: NOT_FOUND }
      }),
      response: settings
    }
  }, async (request: Req) => ok(request, await drift.settings(request.params.type, request.params.name)))
  app.route({
    method: ['POST', 'PUT'],
    url,
    schema: {
      openapi: documented({
        operationId: 'vault-sync-write-sync-ext-destination-drift',
        summary: 'Override drift settings of a destination (vault-sync extension)',
        description: 'Needs `update`. Fields left out keep their value. `repair` queues ordinary sync jobs (every gate applies); a missing secret is re-created only with `repair_missing`.',
        params: PARAMS,
        body: DriftSettingsRequestSchema,
        responses: { 200: vaultData('The effective settings', DriftSettingsSchema), 404: NOT_FOUND }
      }),
      response: settings
    },
    handler: async (request: Req) => ok(request, await drift.update(request.params.type, request.params.name, request.body ?? {}))
  })
  app.delete(url, {
    schema: {
      openapi: documented({
        operationId: 'vault-sync-delete-sync-ext-destination-drift',
        summary: 'Drop a destination\'s drift override (vault-sync extension)',
        description: 'Needs `delete`. The server configuration\'s settings apply again.',
        params: PARAMS,
        responses: { 204: noBody('Dropped'), 404: NOT_FOUND }
      })
    }
  }, async (request: Req, reply: FastifyReply) => {
    await drift.reset(request.params.type, request.params.name)
    return noContent(reply)
  })
  app.get('/v1/sys/sync-ext/destinations/:type/:name/plan', {
    schema: {
      openapi: documented({
        operationId: 'vault-sync-read-sync-ext-destination-plan',
        summary: 'Drift plan of a destination or one secret: state per target and what repair would do (vault-sync extension)',
        description: 'Needs `read`. From the last drift sweep (no Azure call). Never a value or a hash.',
        params: PARAMS,
        query: DriftPlanQuerySchema,
        responses: { 200: vaultData('The plan', DriftPlanSchema), 404: NOT_FOUND }
      }),
      response: { 200: envelope(DriftPlanSchema) }
    }
  }, async (request: Req) => ok(request, await drift.plan(request.params.type, request.params.name, request.query)))
}
