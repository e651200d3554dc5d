/**
 * `GET /v1/sys/metrics` (Vault's path and behaviour; https://developer.hashicorp.com/vault/api-docs/system/metrics,
 * case PG-8): `?format=prometheus` or Prometheus' Accept header for the text exposition format,
 * else Vault's JSON summary. It needs a token with `read` on `sys/metrics` unless the
 * `telemetry` stanza sets `unauthenticated_metrics_access = true`, as in Vault.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { documented, textBody } from '../../src/openapi/route-doc.js'
import { formatFromAccept, metricsAnswer } from '../../src/metrics/metrics-format.js'
import type { Metrics } from '../../src/metrics/metrics.js'

const Labels = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))
/** Vault's in-memory sink summary. */
const SummarySchema = Type.Object({
  Timestamp: Type.String(),
  Gauges: Type.Array(Type.Object({ Name: Type.String(), Value: Type.Number(), Labels })),
  Points: Type.Array(Type.Unknown()),
  Counters: Type.Array(Type.Object({
    Name: Type.String(), Count: Type.Number(), Rate: Type.Number(), Sum: Type.Number(), Min: Type.Number(), Max: Type.Number(), Mean: Type.Number(), Stddev: Type.Number(), Labels
  })),
  Samples: Type.Array(Type.Object({ Name: Type.String(), Count: Type.Number(), Sum: Type.Number(), Rate: Type.Number(), Mean: Type.Number(), Labels }))
}, {
  examples: [{
    Timestamp: '2026-01-01 00:00:00 +0000 UTC',
    Gauges: [{ Name: 'vault.secrets-sync.destinations.count', Value: 1, Labels: { destination_type: 'azure-kv' } }],
    Points: [],
    Counters: [{ Name: 'vault.secrets-sync.reconciliation.retry', Count: 0, Rate: 0, Sum: 0, Min: 0, Max: 0, Mean: 0, Stddev: 0, Labels: { destination_type: 'azure-kv' } }],
    Samples: [{ Name: 'vaultsync_sync_latency_seconds', Count: 3, Sum: 0.6, Rate: 0, Mean: 0.2, Labels: { destination_type: 'azure-kv' } }]
  }]
})

/** Registers `sys/metrics` for `metrics` (its telemetry settings decide authentication). */
export function metricsRoutes (app: FastifyInstance, metrics: Metrics): void {
  app.get('/v1/sys/metrics', {
    config: { unauthenticated: metrics.telemetry.unauthenticatedMetricsAccess },
    schema: {
      openapi: documented({
        operationId: 'metrics',
        summary: 'Telemetry metrics: Prometheus text (format=prometheus or Prometheus\' Accept header) or Vault\'s JSON summary (no envelope)',
        query: Type.Object({ format: Type.Optional(Type.String({ description: '`prometheus`, or empty for JSON; anything else is 400' })) }),
        responses: {
          200: textBody('Prometheus text format 0.0.4, or the JSON summary', '# HELP vault_secrets_sync_reconciliation_retry ...\n# TYPE vault_secrets_sync_reconciliation_retry counter\nvault_secrets_sync_reconciliation_retry{destination_type="azure-kv"} 0\n', SummarySchema),
          400: textBody('`prometheus is not enabled` (no telemetry stanza) or `metric response format "x" unknown`, as text/plain', 'prometheus is not enabled')
        }
      })
    }
  }, async (request: FastifyRequest<{ Querystring: { format?: string } }>, reply) => {
    const format = request.query.format ?? ''
    const answer = await metricsAnswer(metrics, format === '' ? formatFromAccept(request.headers.accept) : format)
    return await reply.code(answer.status).header('content-type', answer.contentType).send(answer.body)
  })
}
