/**
 * Unauthenticated status endpoints (spec/vault-core-kv-api.md §1.9): `sys/health` (GET and
 * HEAD, with the status-code query overrides), `sys/seal-status`, `sys/leader`, `sys/init`.
 * Every vault-sync process (each replica on PostgreSQL) is an active, initialized, unsealed node.
 * These answer without the envelope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TSchema } from 'typebox'
import { VaultError } from '../../src/vault/errors.js'
import { HealthQuerySchema, HealthSchema, InitStatusSchema, LeaderSchema, SealStatusSchema } from '../../src/vault/status-schemas.js'
import { documented, hidden, rawBody } from '../../src/openapi/route-doc.js'
import type { Services } from '../../src/services.js'
import { leaderBody, SINGLE_PROCESS, type HaStatus } from '../../src/replicas/ha-status.js'

/** The Vault version vault-sync reports (the API level it follows). */
export const VAULT_VERSION = '1.21.0'

const CODE_PARAMS = ['activecode', 'standbycode', 'drsecondarycode', 'performancestandbycode', 'sealedcode', 'uninitcode', 'haunhealthycode', 'removedcode']

/**
 * A status-code query parameter (Vault's `fetchStatusCode`: `strconv.Atoi`), or `fallback` when
 * absent. Only codes an HTTP response can carry with this body (200-599) are accepted.
 * @throws VaultError 400 `{"errors":[]}` for anything else (a repeated parameter included).
 */
function statusCode (query: Record<string, unknown>, key: string, fallback: number): number {
  const raw = query[key]
  if (raw === undefined || raw === '') return fallback
  if (typeof raw !== 'string' || !/^[+-]?\d{1,4}$/.test(raw)) throw new VaultError(400, [])
  const code = Number(raw)
  if (code < 200 || code > 599) throw new VaultError(400, [])
  return code
}

/**
 * Registers the status routes. `ha` (default: one process on SQLite) feeds `sys/leader` and the
 * storage type; `sys/health` answers as the active node on every replica, except a replica that
 * has lost contact with its storage (PostgreSQL): it answers Vault's `haunhealthycode` (default
 * 474, Vault's code for an HA node out of contact with the active node), so a load balancer
 * takes it out of rotation while its requests would fail.
 */
export function healthRoutes (app: FastifyInstance, { cluster }: Pick<Services, 'cluster'>, ha: HaStatus = SINGLE_PROCESS): void {
  const config = { unauthenticated: true }
  const healthBody = (): Record<string, unknown> => ({
    initialized: true,
    sealed: false,
    standby: false,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(Date.now() / 1000),
    version: VAULT_VERSION,
    enterprise: false,
    cluster_name: cluster.name,
    cluster_id: cluster.id,
    echo_duration_ms: 0,
    clock_skew_ms: 0,
    replication_primary_canary_age_ms: 0
  })

  app.route({
    method: ['GET', 'HEAD'],
    url: '/v1/sys/health',
    config,
    exposeHeadRoute: false,
    schema: {
      openapi: documented({
        operationId: 'read-health-status',
        summary: 'Health of the server (no envelope; HEAD answers the status only)',
        query: HealthQuerySchema,
        responses: {
          200: rawBody('Active, initialized and unsealed (vault-sync always is)', HealthSchema),
          default: rawBody('The status asked for with `activecode`, with the same body; 474 (or `haunhealthycode`) while this replica cannot reach its PostgreSQL storage', HealthSchema)
        }
      })
    },
    handler: async (request: FastifyRequest<{ Querystring: Record<string, unknown> }>, reply: FastifyReply) => {
      // Every code parameter is validated, though only `activecode` and `haunhealthycode` apply.
      for (const key of CODE_PARAMS) statusCode(request.query, key, 200)
      const status = ha.storageReachable?.() === false ? statusCode(request.query, 'haunhealthycode', 474) : statusCode(request.query, 'activecode', 200)
      reply.code(status)
      if (request.method === 'HEAD') return reply.send()
      return healthBody()
    }
  })
  app.route({
    method: ['PUT', 'POST', 'PATCH', 'DELETE'],
    url: '/v1/sys/health',
    config,
    schema: { openapi: hidden('Only GET and HEAD exist: 405 {"errors":[]}') },
    handler: async (_request, reply) => reply.code(405).send({ errors: [] })
  })

  const status = (operationId: string, summary: string, schema: TSchema) =>
    ({ openapi: documented({ operationId, summary, responses: { 200: rawBody('The status (no envelope)', schema) } }) })
  app.get('/v1/sys/seal-status', { config, schema: status('seal-status', 'Seal status (always unsealed)', SealStatusSchema) }, async () => ({
    type: 'shamir',
    initialized: true,
    sealed: false,
    t: 1,
    n: 1,
    progress: 0,
    nonce: '',
    version: VAULT_VERSION,
    build_date: '2025-10-01T00:00:00Z',
    migration: false,
    cluster_name: cluster.name,
    cluster_id: cluster.id,
    recovery_seal: false,
    storage_type: ha.storageType
  }))

  app.get('/v1/sys/leader', { config, schema: status('leader-status', 'High-availability status (on PostgreSQL: the replica holding the maintenance lease)', LeaderSchema) },
    async () => await leaderBody(ha))

  app.get('/v1/sys/init', { config, schema: status('read-initialization-status', 'Initialization status (always initialized)', InitStatusSchema) }, async () => ({ initialized: true }))
}
