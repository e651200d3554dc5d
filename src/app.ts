/**
 * buildApp: the Fastify instance with the Vault HTTP conventions and every route; never listens
 * (`server.ts` does). The HTTP server is created here so that every accepted connection passes
 * through the LIST-verb rewrite (`vault/list-verb.ts`), over plain HTTP or TLS.
 */
import { randomUUID } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { registerRoutes } from '../routes/index.js'
import { installAcl } from './acl/enforce.js'
import { installAudit } from './audit/audit-hook.js'
import type { Services } from './services.js'
import { installVaultHttp } from './vault/http-plugin.js'
import { installListVerb } from './vault/list-verb.js'
import { rewriteListUrl } from './vault/list-route.js'

export interface AppOptions {
  services: Services
  /** Largest accepted request body, in bytes (413 beyond; decisions D-17.3). */
  maxRequestBytes: number
  /** PEM certificate and key to serve HTTPS; plain HTTP when absent. */
  tls?: { cert: Buffer, key: Buffer }
  /** Serve the operator page at `/ui/` (routes/ui). */
  ui?: boolean
  /** pino logger options or an instance; `false` for none. */
  logger?: FastifyServerOptions['logger']
}

/** Header paths pino must never print. */
export const REDACTED_HEADERS = ['req.headers["x-vault-token"]', 'req.headers.authorization']

/** Builds the app. Call `ready()`/`listen()` on the result; `close()` closes the server only. */
export function buildApp ({ services, maxRequestBytes, tls, ui = false, logger = false }: AppOptions): FastifyInstance {
  const app = Fastify({
    logger,
    bodyLimit: maxRequestBytes,
    genReqId: () => randomUUID(),
    rewriteUrl: rewriteListUrl,
    exposeHeadRoutes: false,
    // find-my-way skips a route whose parameter exceeds this (default 100), turning an over-long
    // destination name into a 405; the handlers validate lengths themselves (FR-09).
    routerOptions: { maxParamLength: 4096 },
    return503OnClosing: false,
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      if (tls !== undefined) return installListVerb(createHttpsServer({ cert: tls.cert, key: tls.key }, handler), 'secureConnection')
      return installListVerb(createHttpServer(handler))
    }
  }) as unknown as FastifyInstance
  installVaultHttp(app, { authenticate: (t) => services.tokens.authenticate(t) })
  installAcl(app, { policies: services.policies, recordUse: (a) => { services.tokens.recordUse(a) }, existence: services.existenceChecks })
  installAudit(app, services.audit)
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method !== 'GET' && request.method !== 'HEAD') request.body = {}
  })
  registerRoutes(app, services, { ui })
  return app
}
