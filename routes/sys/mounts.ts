/**
 * `sys/mounts` and the CLI's preflight `sys/internal/ui/mounts/:path`
 * (spec/vault-core-kv-api.md §2.2-2.7). `sys/mounts*` answers copy `data` to the top level
 * (Vault's data injection); the preflight answer does not.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { noContent, ok } from '../../src/vault/envelope.js'
import { VaultError, unsupportedPath } from '../../src/vault/errors.js'
import { toMountEntry } from '../../src/mounts/mount-entry.js'
import type { EnableRequest } from '../../src/mounts/mount-service.js'
import type { Services } from '../../src/services.js'
import { MountEnableRequestSchema, MountEntrySchema, MountTableSchema, MountTuneRequestSchema, MountTuneSchema, PreflightMountSchema } from '../../src/mounts/mount-schemas.js'
import { documented, errorBody, noBody, vaultData, type OperationDoc } from '../../src/openapi/route-doc.js'

type PathReq = FastifyRequest<{ Params: { '*': string }, Body: Record<string, unknown> | undefined }>

/** The mount path of a `sys/mounts/*` request. @throws VaultError 404 `unsupported path` when empty (Vault's pattern needs one character). */
function mountPath (request: PathReq): string {
  const path = request.params['*']
  if (path.replace(/\/+$/, '') === '') throw unsupportedPath()
  return path
}

const PATH = { path: 'Mount path, without the trailing `/`; may be nested (`team/kv`)' }
const MOUNT = '/sys/mounts/{path}'
const TUNE = '/sys/mounts/{path}/tune'
const noMount = errorBody('No mount at that path', ['No secret engine mount at nope/'])
const op = (doc: OperationDoc): OperationDoc => ({ params: PATH, ...doc })

/** Registers the mount routes. */
export function mountRoutes (app: FastifyInstance, { mounts }: Pick<Services, 'mounts'>): void {
  app.get('/v1/sys/mounts', {
    schema: {
      openapi: documented({
        operationId: 'mounts-list-secrets-engines',
        summary: 'List the mounted secrets engines',
        responses: { 200: vaultData('Mounts by path', MountTableSchema, { inject: true }) }
      })
    }
  }, async (request) => ok(request, await mounts.list(), { inject: true }))

  // One wildcard route per method: mount paths may be nested (`team/a/kv`), and a path ending in
  // `/tune` is the tune endpoint (Vault's pattern `mounts/(?P<path>.+?)/tune$`).
  const readDocs = documented(
    op({ operationId: 'mounts-read-configuration', summary: 'Read one mount', path: MOUNT, responses: { 200: vaultData('The mount', MountEntrySchema, { inject: true }), 400: noMount } }),
    op({ operationId: 'mounts-read-tuning-information', summary: 'Read the tunable settings of a mount', path: TUNE, responses: { 200: vaultData('Effective settings (TTLs in seconds)', MountTuneSchema, { inject: true }), 400: noMount } })
  )
  app.get('/v1/sys/mounts/*', { schema: { openapi: readDocs } }, async (request: PathReq) => {
    const path = mountPath(request)
    if (path.endsWith('/tune')) return ok(request, await mounts.readTune(path.slice(0, -'/tune'.length)), { inject: true })
    return ok(request, await mounts.read(path), { inject: true })
  })
  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/mounts/*',
    schema: {
      openapi: documented(
        op({
          operationId: 'mounts-enable-secrets-engine',
          summary: 'Mount a KV version 2 secrets engine',
          path: MOUNT,
          body: MountEnableRequestSchema,
          responses: { 204: noBody('Mounted') }
        }),
        op({ operationId: 'mounts-tune-configuration-parameters', summary: 'Tune a mount', path: TUNE, body: MountTuneRequestSchema, responses: { 204: noBody('Tuned') } })
      )
    },
    handler: async (request: PathReq, reply) => {
      const path = mountPath(request)
      const body = request.body ?? {}
      if (path.endsWith('/tune')) {
        await mounts.tune(path.slice(0, -'/tune'.length), body)
        return noContent(reply)
      }
      await mounts.enable(path, body as EnableRequest)
      return noContent(reply)
    }
  })
  const disableDoc = documented(op({
    operationId: 'mounts-disable-secrets-engine',
    summary: 'Unmount a secrets engine and delete its data',
    description: 'A path with no mount is not an error. Associations of the mount keep their status until they are removed.',
    path: MOUNT,
    responses: { 204: noBody('Unmounted (or nothing was mounted there)') }
  }))
  app.delete('/v1/sys/mounts/*', { schema: { openapi: disableDoc } }, async (request: PathReq, reply) => {
    await mounts.disable(mountPath(request))
    return noContent(reply)
  })

  // Unauthenticated in Vault's path table, but the handler checks the token itself: the auth
  // hook runs as for any route, so no token or a bad token is a 403; the ACL rule is the
  // preflight's own (any grant on or under the mount, src/acl/acl.ts `hasMountAccess`, §2.7).
  const preflightDoc = documented({
    operationId: 'internal-ui-read-mount-information',
    summary: 'The mount serving a path (the Vault CLI\'s preflight for `vault kv`)',
    path: '/sys/internal/ui/mounts/{path}',
    params: { path: 'Any path; the mount serving it is answered' },
    responses: {
      200: vaultData('The mount (not injected)', PreflightMountSchema),
      403: errorBody('No mount there, or no access on or under it', ['preflight capability check returned 403, please ensure client\'s policies grant access to path "nope/"'])
    }
  })
  app.get('/v1/sys/internal/ui/mounts/*', { config: { aclInHandler: true }, schema: { openapi: preflightDoc } }, async (request: PathReq) => {
    const raw = request.params['*'].replace(/^\/+/, '')
    const found = raw === '' ? undefined : await mounts.resolve(raw)
    // No such mount and no access look the same: 403, so the call cannot discover mounts.
    if (found === undefined || found.mount.builtin === 1 || request.vaultAcl?.hasMountAccess(found.mount.path) !== true) {
      const shown = raw.endsWith('/') ? raw : `${raw}/`
      throw new VaultError(403, [`preflight capability check returned 403, please ensure client's policies grant access to path "${shown}"`])
    }
    return ok(request, { ...toMountEntry(found.mount), path: found.mount.path })
  })
}
