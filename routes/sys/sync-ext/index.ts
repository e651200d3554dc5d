/**
 * `sys/sync-ext/*`: vault-sync's extensions of the sync API (round2.md R2-2), ACL-protected like
 * any path (the ACL hooks run before these handlers) and documented under the `sync-ext` tag:
 * - `GET sys/sync-ext/status` (`read`): errors, attempts, Azure names, queue and worker state;
 * - `POST|PUT sys/sync-ext/preview/name` (`update`): the external name for a sample secret,
 *   from the worker's own template code.
 * Vault's own `sys/sync/*` responses stay exactly Vault's; nothing here adds to them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ok } from '../../../src/vault/envelope.js'
import { envelope } from '../../../src/sync/sync-schemas.js'
import { NamePreviewRequestSchema, NamePreviewSchema, SyncExtStatusSchema } from '../../../src/sync-ext/sync-ext-schemas.js'
import { documented, vaultData } from '../../../src/openapi/route-doc.js'
import type { Services } from '../../../src/services.js'

type BodyReq = FastifyRequest<{ Body: Record<string, unknown> | undefined }>

/** Registers the extension routes. */
export function syncExtRoutes (app: FastifyInstance, { syncExt }: Pick<Services, 'syncExt'>): void {
  app.get('/v1/sys/sync-ext/status', {
    schema: {
      openapi: documented({
        operationId: 'vault-sync-read-sync-ext-status',
        summary: 'Sync status beyond Vault\'s API: last errors, attempts, Azure names, queue and worker (vault-sync extension)',
        description: 'Needs `read` on `sys/sync-ext/status`. Destinations with errors come first; inside one, error entries first. Never a secret value.',
        responses: { 200: vaultData('The status document', SyncExtStatusSchema) }
      }),
      response: { 200: envelope(SyncExtStatusSchema) }
    }
  }, async (request) => ok(request, await syncExt.status.status()))

  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/sync-ext/preview/name',
    schema: {
      openapi: documented({
        operationId: 'vault-sync-preview-sync-ext-name',
        summary: 'The external name a secret would get, computed with the worker\'s template code (vault-sync extension)',
        description: 'Needs `update` on `sys/sync-ext/preview/name`. Reads no secret and writes nothing. A name Azure would refuse answers 200 with `external_name: null` and `error`.',
        body: NamePreviewRequestSchema,
        responses: { 200: vaultData('The preview', NamePreviewSchema) }
      }),
      response: { 200: envelope(NamePreviewSchema) }
    },
    handler: async (request: BodyReq) => ok(request, await syncExt.previewName(request.body ?? {}))
  })
}
