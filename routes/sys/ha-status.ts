/**
 * `GET sys/ha-status` (Vault's `handleHAStatus`, https://developer.hashicorp.com/vault/api-docs/system/ha-status;
 * `vault operator members`): the nodes of the cluster. On PostgreSQL every live replica of the
 * heartbeat table, the `maintenance` holder (the one `sys/leader` names) as the active node; on
 * SQLite this process alone, active. Unlike the status routes of `health.ts` it needs a token
 * with `read` on `sys/ha-status` (not in Vault's unauthenticated paths, not root-protected), and
 * answers in the envelope with `data` injected at the top level (Vault's
 * `injectDataIntoTopRoutes` lists `/v1/sys/ha-status`), where Vault's API client reads `nodes`.
 */
import type { FastifyInstance } from 'fastify'
import { ok } from '../../src/vault/envelope.js'
import { HaStatusSchema } from '../../src/vault/status-schemas.js'
import { documented, vaultData } from '../../src/openapi/route-doc.js'
import { haStatusNodes, SINGLE_PROCESS, type HaStatus } from '../../src/replicas/ha-status.js'
import { VAULT_VERSION } from './health.js'

/** Registers `GET sys/ha-status`, reporting `ha` (default: one process on SQLite). */
export function haStatusRoutes (app: FastifyInstance, ha: HaStatus = SINGLE_PROCESS): void {
  app.get('/v1/sys/ha-status', {
    schema: {
      openapi: documented({
        operationId: 'ha-status',
        summary: 'The nodes of the cluster (on PostgreSQL every live replica, the maintenance holder active)',
        responses: { 200: vaultData('The nodes, sorted by `api_address` (`nodes` injected at the top level too)', HaStatusSchema, { inject: true }) }
      })
    }
  }, async (request) => ok(request, { nodes: await haStatusNodes(ha, VAULT_VERSION) }, { inject: true }))
}
