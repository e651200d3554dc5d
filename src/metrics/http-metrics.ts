/**
 * HTTP request duration per method, route template and status (`vaultsync_http_request_duration_seconds`):
 * one `onResponse` hook. The route label is Fastify's route template (`/v1/sys/sync/destinations/:type/:name`,
 * `/v1/*` for mounts), never the request path, so no secret path becomes a label value.
 */
import type { FastifyInstance } from 'fastify'
import type { Metrics } from './metrics.js'

/** Installs the hook on `app` (only when telemetry is on: it is the one per-request cost of metrics). */
export function installHttpMetrics (app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttp(request.method, (request.vaultRouteConfig ?? request.routeOptions).url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
    done()
  })
}
