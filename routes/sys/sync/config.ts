/**
 * `sys/sync/config` (spec/vault-sync-api.md §3.2): GET, PATCH (merge patch; the HTTP plugin
 * enforces the content type) and DELETE (reset, answered with the defaults as the OpenAPI
 * document declares).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ok } from '../../../src/vault/envelope.js'
import { unknownFieldsWarning } from '../../../src/vault/field-decode.js'
import { envelope, SyncConfigSchema } from '../../../src/sync/sync-schemas.js'
import { SyncConfigPatchSchema } from '../../../src/sync/sync-request-schemas.js'
import { SYNC_CONFIG_FIELDS } from '../../../src/sync/sync-config-service.js'
import { documented, vaultData, type OperationDoc } from '../../../src/openapi/route-doc.js'
import type { Services } from '../../../src/services.js'

type BodyReq = FastifyRequest<{ Body: Record<string, unknown> | undefined }>

/** Registers the config routes. */
export function syncConfigRoutes (app: FastifyInstance, { syncConfig }: Pick<Services, 'syncConfig'>): void {
  // operationIds as in Vault's OpenAPI document (decisions D-10).
  const config = vaultData('The secrets-sync configuration', SyncConfigSchema)
  const schema = (doc: Omit<OperationDoc, 'responses'>) => ({ openapi: documented({ ...doc, responses: { 200: config } }), response: { 200: envelope(SyncConfigSchema) } })
  app.get('/v1/sys/sync/config', { schema: schema({ operationId: 'system-read-sync-config', summary: 'Read the secrets-sync configuration' }) }, async (request) => ok(request, await syncConfig.read()))
  app.patch('/v1/sys/sync/config', {
    schema: schema({
      operationId: 'system-patch-sync-config',
      summary: 'Update the secrets-sync configuration (JSON merge patch)',
      description: 'Needs `Content-Type: application/merge-patch+json`.',
      body: SyncConfigPatchSchema
    })
  }, async (request: BodyReq) => {
    const body = request.body ?? {}
    const warning = unknownFieldsWarning(body, SYNC_CONFIG_FIELDS)
    return ok(request, await syncConfig.patch(body), { warnings: warning === undefined ? [] : [warning] })
  })
  app.delete('/v1/sys/sync/config', { schema: schema({ operationId: 'system-delete-sync-config', summary: 'Reset the secrets-sync configuration to its defaults' }) }, async (request) => ok(request, await syncConfig.reset()))
}
