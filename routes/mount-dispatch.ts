/**
 * The catch-all under `/v1/`: paths served by a secrets engine mount (resolved by longest mount
 * prefix, decisions D-21) go to that engine's handler; everything else gets Vault's answer for
 * an unknown route (spec/vault-core-kv-api.md §1.1, §1.7): 405 for a known path with another
 * method, 404 `unsupported path` under `sys/` and `auth/token/`, else 404 `no handler for route`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ResolvedMount } from '../src/mounts/mount-lookup.js'
import { MISS, type MountRow } from '../src/mounts/mount-service.js'
import { noHandlerForRoute, unsupportedOperation, unsupportedPath } from '../src/vault/errors.js'
import type { Services } from '../src/services.js'
import { validateDestinationName } from '../src/sync/destination-service.js'
import { vaultPath } from '../src/vault/request-target.js'
import { documented, type OperationDoc } from '../src/openapi/route-doc.js'

/**
 * Serves a request inside a mount; `rest` is the path after the mount path (`data/foo`).
 * Synchronous on the KV read path (no await on a cache hit): returns the body to send, the
 * reply, or a promise of either; or nothing when it answers later by itself (`reply.send` once a
 * KV write's shared COMMIT is done).
 */
export type MountHandler = (request: FastifyRequest, reply: FastifyReply, mount: MountRow, rest: string) => unknown

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
const WRITES = new Set(['POST', 'PUT', 'PATCH'])

/** A Fastify route URL (`/v1/sys/mounts/*`, `/v1/x/:name`) as the body of a RegExp. */
function routePattern (url: string): string {
  return url.split('/').map((seg) => {
    if (seg === '*') return '.*'
    if (seg.startsWith(':')) return '[^/]+'
    return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }).join('/')
}

/**
 * A test for "the `/v1/` URL of a Vault `path` matches one of `urls`": one anchored RegExp (one
 * test per request instead of one per route), skipped when the path's first segment starts none
 * of the patterns (a KV path never pays for the `sys/` routes, nor builds its URL).
 */
function anyRoute (urls: string[]): (path: string) => boolean {
  const re = new RegExp(`^(?:${urls.map(routePattern).join('|')})$`)
  const first = (url: string): string => url.split('/', 3)[2] ?? ''
  // Patterns outside `/v1/` match no `/v1/` URL unless they open with a parameter or wildcard.
  const literal = urls.every((u) => u.startsWith('/v1/') ? !/^[:*]/.test(first(u)) : !/^\/[:*]/.test(u))
  const starts = new Set(urls.map(first))
  /** The first segment of a Vault path (`first` of its `/v1/` URL), without building the URL. */
  const firstOfPath = (path: string): string => { const slash = path.indexOf('/'); return slash < 0 ? path : path.slice(0, slash) }
  return (path) => (!literal || starts.has(firstOfPath(path))) && re.test(`/v1/${path}`)
}

/**
 * Registers the catch-all. Call after an `onRoute` hook has been collecting the app's routes in
 * `known` (URL patterns other than this catch-all), so that 405 can be told from 404. `docs`
 * are the engines' documented operations (the catch-all itself is not a documented path).
 */
export function mountDispatchRoutes (
  app: FastifyInstance,
  { mounts }: Pick<Services, 'mounts'>,
  handlers: Partial<Record<string, MountHandler>>,
  known: string[],
  docs: OperationDoc[]
): void {
  // Built on the first request, once every route is registered.
  let knownRoute: ((path: string) => boolean) | undefined
  const dispatch = (request: FastifyRequest, reply: FastifyReply, path: string, found: ResolvedMount | undefined): unknown => {
    const handler = found === undefined ? undefined : handlers[found.mount.type]
    if (found === undefined || handler === undefined) throw noHandlerForRoute(path)
    return handler(request, reply, found.mount, found.rest)
  }
  app.route({
    method: [...METHODS],
    url: '/v1/*',
    schema: { openapi: documented(...docs) },
    handler: (request: FastifyRequest, reply) => {
      // The canonical path (decoded once, list `/` added), never the router's own parse of it.
      const path = vaultPath(request)
      knownRoute ??= anyRoute(known.filter((k) => k !== '/v1/*'))
      if (knownRoute(path)) throw unsupportedOperation()
      // FR-09: a destination name with a slash (`a/b`, or `a%2Fb`, the same path once decoded)
      // is refused naming `name` rather than as an unknown path.
      const slashName = WRITES.has(request.method) ? /^sys\/sync\/destinations\/[^/]+\/([^/]+\/.+)$/.exec(path) : null
      if (slashName !== null) validateDestinationName(slashName[1])
      if (path.startsWith('sys/') || path.startsWith('auth/token/')) throw unsupportedPath()
      // The cached mount table answers at once; a miss awaits the Store (issue 18). A handler that
      // returned nothing answers by itself later (a KV write, after its COMMIT): from a promise
      // that is `reply` (Fastify would send an empty 200 for `undefined`).
      const found = mounts.peekResolve(path)
      if (found === MISS) return mounts.resolve(path).then((f) => dispatch(request, reply, path, f) ?? reply)
      return dispatch(request, reply, path, found)
    }
  })
}
