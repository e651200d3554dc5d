/**
 * `sys/sync-ext/*`: vault-sync's extensions of the sync API (round2.md R2-2), ACL-protected like
 * any path (the ACL hooks run before these handlers) and documented under the `sync-ext` tag:
 * - `GET sys/sync-ext/status` (`read`): errors, attempts, Azure names, queue and worker state;
 * - `POST|PUT sys/sync-ext/preview/name` (`update`): the external name for a sample secret,
 *   from the worker's own template code. It tells no more than Vault would (the caller's ACL
 *   is passed to `name-preview.ts`): the mount is used only for a caller who may read it
 *   (`read` on `sys/mounts` or `sys/mounts/<mount>`, or access on or under it, as Vault's
 *   `sys/internal/ui/mounts` preflight), a destination's stored template and granularity only
 *   for one with `read` on `sys/sync/destinations/<type>/<name>`; else 403 `permission denied`,
 *   whether the mount or destination exists or not.
 * Vault's own `sys/sync/*` responses stay exactly Vault's; nothing here adds to them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ok } from '../../../src/vault/envelope.js'
import { permissionDenied } from '../../../src/vault/errors.js'
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
        description: 'Needs `update` on `sys/sync-ext/preview/name`, and tells no more than Vault would: the mount is used only if the caller may read it ' +
          '(`read` on `sys/mounts` or `sys/mounts/<mount>`, or some access on or under the mount, as for Vault\'s `sys/internal/ui/mounts`); ' +
          'a destination named by `name` whose stored template or granularity would apply, only with `read` on `sys/sync/destinations/<type>/<name>`. ' +
          'Otherwise 403 `permission denied`, whether it exists or not. Reads no secret and writes nothing. A name Azure would refuse answers 200 with `external_name: null` and `error`.',
        body: NamePreviewRequestSchema,
        responses: { 200: vaultData('The preview', NamePreviewSchema) }
      }),
      response: { 200: envelope(NamePreviewSchema) }
    },
    handler: async (request: BodyReq) => {
      const acl = request.vaultAcl
      if (acl === undefined) throw permissionDenied()
      return ok(request, await syncExt.previewName(request.body ?? {}, acl))
    }
  })
}
