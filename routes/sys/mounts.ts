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

type PathReq = FastifyRequest<{ Params: { '*': string }, Body: Record<string, unknown> | undefined }>

/** The mount path of a `sys/mounts/*` request. @throws VaultError 404 `unsupported path` when empty (Vault's pattern needs one character). */
function mountPath (request: PathReq): string {
  const path = request.params['*']
  if (path.replace(/\/+$/, '') === '') throw unsupportedPath()
  return path
}

/** Registers the mount routes. */
export function mountRoutes (app: FastifyInstance, { mounts }: Pick<Services, 'mounts'>): void {
  app.get('/v1/sys/mounts', async (request) => ok(request, mounts.list(), { inject: true }))

  // One wildcard route per method: mount paths may be nested (`team/a/kv`), and a path ending in
  // `/tune` is the tune endpoint (Vault's pattern `mounts/(?P<path>.+?)/tune$`).
  app.get('/v1/sys/mounts/*', async (request: PathReq) => {
    const path = mountPath(request)
    if (path.endsWith('/tune')) return ok(request, mounts.readTune(path.slice(0, -'/tune'.length)), { inject: true })
    return ok(request, mounts.read(path), { inject: true })
  })
  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/mounts/*',
    handler: async (request: PathReq, reply) => {
      const path = mountPath(request)
      const body = request.body ?? {}
      if (path.endsWith('/tune')) {
        mounts.tune(path.slice(0, -'/tune'.length), body)
        return noContent(reply)
      }
      mounts.enable(path, body as EnableRequest)
      return noContent(reply)
    }
  })
  app.delete('/v1/sys/mounts/*', async (request: PathReq, reply) => {
    mounts.disable(mountPath(request))
    return noContent(reply)
  })

  // Unauthenticated in Vault's path table, but the handler checks the token itself: the auth
  // hook runs as for any route, so no token or a bad token is a 403; the ACL rule is the
  // preflight's own (any grant on or under the mount, src/acl/acl.ts `hasMountAccess`, §2.7).
  app.get('/v1/sys/internal/ui/mounts/*', { config: { aclInHandler: true } }, async (request: PathReq) => {
    const raw = request.params['*'].replace(/^\/+/, '')
    const found = raw === '' ? undefined : mounts.resolve(raw)
    // No such mount and no access look the same: 403, so the call cannot discover mounts.
    if (found === undefined || found.mount.builtin === 1 || request.vaultAcl?.hasMountAccess(found.mount.path) !== true) {
      const shown = raw.endsWith('/') ? raw : `${raw}/`
      throw new VaultError(403, [`preflight capability check returned 403, please ensure client's policies grant access to path "${shown}"`])
    }
    return ok(request, { ...toMountEntry(found.mount), path: found.mount.path })
  })
}
