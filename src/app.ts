/**
 * buildApp: the Fastify instance with the Vault HTTP conventions and every route; never listens
 * (`server.ts` does). The HTTP server is created here so that every accepted connection passes
 * through the LIST-verb rewrite (`vault/list-verb.ts`), over plain HTTP or TLS.
 */
import { randomUUID } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { registerRoutes } from '../routes/index.js'
import { aclAuthorizer, installAcl } from './acl/enforce.js'
import { installAudit } from './audit/audit-hook.js'
import { MISS } from '../db/read-cache.js'
import { installRequestLog } from './logging/request-log.js'
import { installHttpMetrics } from './metrics/http-metrics.js'
import { createMetrics, NO_TELEMETRY, type Metrics, type TelemetrySettings } from './metrics/metrics.js'
import type { Services } from './services.js'
import { installVaultHttp } from './vault/http-plugin.js'
import { DEFAULT_JSON_LIMITS, DEFAULT_TIMEOUTS, serverTimeoutOptions, type HttpTimeouts, type JsonLimits } from './vault/http-limits.js'
import { lazySchemaController } from './vault/lazy-schema-compilers.js'
import { installListVerb } from './vault/list-verb.js'
import { lazyChildLoggerFactory } from './logging/lazy-child-logger.js'
import { canonicalizeRequest } from './vault/request-target.js'
import type { HaStatus } from './replicas/ha-status.js'

export interface AppOptions {
  services: Services
  /** Largest accepted request body, in bytes (413 beyond; decisions D-17.3). */
  maxRequestBytes: number
  /** PEM certificate and key to serve HTTPS; plain HTTP when absent. */
  tls?: { cert: Buffer, key: Buffer }
  /** Listener timeouts and JSON limits (defaults: Vault's, `vault/http-limits.ts`). */
  http?: { timeouts: HttpTimeouts, json: JsonLimits }
  /** Serve the operator page at `/ui/` (routes/ui). */
  ui?: boolean
  /** pino logger options; `false` for none. */
  logger?: FastifyServerOptions['logger']
  /** A pino logger to use instead of `logger` (the server's, see `logging/logger.ts`). */
  loggerInstance?: FastifyBaseLogger
  /** Log every request at this pino level (`log_requests_level`); none when absent (Vault's default). */
  logRequestsLevel?: string
  /** The `telemetry` stanza; Vault's defaults without one. */
  telemetry?: TelemetrySettings
  /** Whether this process exports the cluster-wide gauges (the worker's process); default false. */
  ownsClusterGauges?: () => boolean
  /** High availability as `sys/leader` reports it (default: one process on SQLite). */
  ha?: HaStatus
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This process's metrics (`src/metrics/`), served by `sys/metrics`. */
    metrics: Metrics
  }
}

/** Header paths pino must never print. */
export const REDACTED_HEADERS = ['req.headers["x-vault-token"]', 'req.headers.authorization']

/** Builds the app. Call `ready()`/`listen()` on the result; `close()` closes the server only. */
export function buildApp ({ services, maxRequestBytes, tls, http, ui = false, logger = false, loggerInstance, logRequestsLevel, telemetry = NO_TELEMETRY, ownsClusterGauges = () => false, ha }: AppOptions): FastifyInstance {
  const timeouts = serverTimeoutOptions(http?.timeouts ?? DEFAULT_TIMEOUTS)
  const app = Fastify({
    ...(loggerInstance === undefined ? { logger } : { loggerInstance }),
    // Vault logs no requests (its audit device does); `log_requests_level` turns one line each on.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: maxRequestBytes,
    genReqId: () => randomUUID(),
    // A request's child logger is made only when the request logs (src/logging/lazy-child-logger.ts).
    childLoggerFactory: lazyChildLoggerFactory,
    rewriteUrl: canonicalizeRequest,
    exposeHeadRoutes: false,
    // find-my-way skips a route whose parameter exceeds this (default 100), turning an over-long
    // destination name into a 405; the handlers validate lengths themselves (FR-09).
    routerOptions: { maxParamLength: 4096 },
    return503OnClosing: false,
    // Route schemas compile on a route's first call, not at start-up (vault/lazy-schema-compilers.ts).
    schemaController: lazySchemaController(),
    // `installListVerb` answers every client error (and moves LIST connections to its wrapper).
    clientErrorHandler: () => {},
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      if (tls !== undefined) return installListVerb(createHttpsServer({ ...timeouts, cert: tls.cert, key: tls.key }, handler), 'secureConnection')
      return installListVerb(createHttpServer(timeouts, handler))
    }
  }) as unknown as FastifyInstance
  installVaultHttp(app, {
    // The token from the cache at once when known, else awaited (issue 18).
    authenticate: (t) => {
      const hit = services.tokens.peekAuthenticate(t)
      return hit === MISS ? services.tokens.authenticate(t) : hit
    },
    authorize: aclAuthorizer({ policies: services.policies, existence: services.existenceChecks }),
    jsonLimits: http?.json ?? DEFAULT_JSON_LIMITS
  })
  installAcl(app, { useToken: (a) => services.tokens.useToken(a), revokeSpent: async (a) => { await services.tokens.revokeSpent(a) } })
  // The audit keys left in clear: the token store's for `auth/token/*`, else the serving mount's.
  installAudit(app, services.audit, (path) => path.startsWith('auth/token/') ? services.tokenTune.auditKeys() : services.mounts.auditKeys(path))
  const metrics = createMetrics({
    telemetry,
    repo: services.store.repos.metrics,
    destinationTypes: services.driverRegistry.types(),
    ownsClusterGauges,
    now: services.now
  })
  app.decorate('metrics', metrics)
  if (metrics.prometheusEnabled) installHttpMetrics(app, metrics)
  if (logRequestsLevel !== undefined) installRequestLog(app, logRequestsLevel)
  registerRoutes(app, services, { ui, ha })
  return app
}
