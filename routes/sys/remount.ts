/**
 * `sys/remount` and `sys/remount/status/:migration_id` (spec/vault-core-kv-api.md §2.9; Vault's
 * API docs `system/remount`): move a mount, then read the migration's status. `sys/remount`
 * needs `sudo` as well as `update` (root-protected, `src/acl/enforce.ts`) and its data is
 * copied to the top level (Vault's `injectDataIntoTopRoutes`); the status answer is not.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ok } from '../../src/vault/envelope.js'
import { notFound, unsupportedPath } from '../../src/vault/errors.js'
import { REMOUNT_WARNING } from '../../src/mounts/remount.js'
import { RemountRequestSchema, RemountSchema, RemountStatusSchema } from '../../src/mounts/mount-schemas.js'
import type { Services } from '../../src/services.js'
import { documented, errorBody, vaultData } from '../../src/openapi/route-doc.js'

type RemountReq = FastifyRequest<{ Body: Record<string, unknown> | undefined }>
type StatusReq = FastifyRequest<{ Params: { '*': string } }>

/**
 * Registers `POST|PUT sys/remount` (Vault's `handleRemount`; answer and warning as Vault's) and
 * `GET sys/remount/status/*` (Vault's `handleRemountStatusCheck`; an unknown id is 404 `{"errors":[]}`).
 */
export function remountRoutes (app: FastifyInstance, { mounts }: Pick<Services, 'mounts'>): void {
  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/remount',
    schema: {
      openapi: documented({
        operationId: 'remount',
        summary: 'Move a secrets engine to another path',
        description: 'Needs `sudo` and `update` on `sys/remount`. The mount keeps its accessor, settings and data; ACL policies are not changed. ' +
          'vault-sync moves the mount before answering (Vault queues the move), so the migration\'s status reads `success` at once. ' +
          'A mount that secrets-sync associations or association rules use is not moved: remove them first.',
        body: RemountRequestSchema,
        responses: {
          200: vaultData('The migration id (injected at the top level too)', RemountSchema, { inject: true, warnings: [REMOUNT_WARNING] }),
          400: errorBody('Bad or missing path, protected or unknown mount, target in use, or a mount in use by secrets sync', ['no matching mount at "nope/"'])
        }
      })
    },
    handler: async (request: RemountReq) => {
      const moved = await mounts.remount(request.body ?? {})
      const { migration_id: id, migration_info: info } = moved
      // Vault logs the move tagged with its migration id (`handleRemount`, `moveMount`).
      if (moved.failure !== undefined) request.log.error({ migration_id: id, from_path: info.source_mount, to_path: info.target_mount, error: moved.failure }, 'remount failed')
      else request.log.info({ migration_id: id, from_path: info.source_mount, to_path: info.target_mount }, 'Completed mount move operations')
      return ok(request, { migration_id: id }, { inject: true, warnings: [REMOUNT_WARNING] })
    }
  })

  app.get('/v1/sys/remount/status/*', {
    schema: {
      openapi: documented({
        operationId: 'remount-status',
        summary: 'Read the status of a mount migration',
        path: '/sys/remount/status/{migration_id}',
        params: { migration_id: 'The id `sys/remount` answered' },
        responses: {
          200: vaultData('The migration', RemountStatusSchema),
          404: errorBody('No migration has that id', [])
        }
      })
    }
  }, async (request: StatusReq) => {
    const id = request.params['*']
    // Vault's pattern `remount/status/(?P<migration_id>.+?)$` needs one character.
    if (id === '') throw unsupportedPath()
    const status = await mounts.remountStatus(id)
    // Vault's handler answers nothing for an unknown id: a read with no response is 404 `{"errors":[]}`.
    if (status === undefined) throw notFound()
    return ok(request, status)
  })
}
