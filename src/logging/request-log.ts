/**
 * Per-request log lines, off by default as in Vault (which logs no requests; its audit device
 * does). `log_requests_level` (`VAULT_SYNC_LOG_REQUESTS_LEVEL`) turns on one line per completed
 * request at that level: method, route template, status and duration; never headers, bodies or
 * the request path's secret names beyond the URL template.
 */
import type { FastifyInstance } from 'fastify'

/** Installs the `onResponse` hook that logs each completed request at `level`. */
export function installRequestLog (app: FastifyInstance, level: string): void {
  app.addHook('onResponse', (request, reply, done) => {
    const log = request.log as unknown as Record<string, (obj: object, msg: string) => void>
    log[level]?.call(request.log, {
      method: request.method,
      route: (request.vaultRouteConfig ?? request.routeOptions).url ?? 'unmatched',
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 1000) / 1000
    }, 'request completed')
    done()
  })
}
