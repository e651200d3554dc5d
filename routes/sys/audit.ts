/**
 * `sys/audit-hash/:path` (decisions D-26): the HMAC-SHA256 an input string has in the audit log
 * of device `file`, so an operator can find a known value in the log; and `GET sys/audit`
 * (`vault audit list`, hvac `list_enabled_audit_devices`): the enabled devices. Data is injected
 * at the top level (`sys/audit*`, spec/vault-core-kv-api.md §1.5). The device comes from
 * `VAULT_SYNC_AUDIT_FILE` (or the config file); enabling and disabling devices through the API
 * (`PUT`/`DELETE sys/audit/:path`) is not offered.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Services } from '../../src/services.js'
import { ok } from '../../src/vault/envelope.js'
import { badRequest } from '../../src/vault/errors.js'
import { decodeString } from '../../src/vault/field-decode.js'
import { AuditDevicesSchema, AuditHashRequestSchema, AuditHashSchema } from '../../src/acl/policy-schemas.js'
import { documented, hidden, vaultData } from '../../src/openapi/route-doc.js'

type HashReq = FastifyRequest<{ Params: { '*': string }, Body: Record<string, unknown> | undefined }>

/** Registers `sys/audit-hash/*` and `GET sys/audit` (root-protected: `sudo`, `src/acl/enforce.ts`). */
export function auditRoutes (app: FastifyInstance, { audit }: Pick<Services, 'audit'>): void {
  app.route({
    method: 'GET',
    url: '/v1/sys/audit',
    schema: {
      openapi: documented({
        operationId: 'auditing-list-enabled-devices',
        summary: 'List the enabled audit devices (needs `sudo`)',
        responses: { 200: vaultData('The devices by path', AuditDevicesSchema, { inject: true }) }
      })
    },
    handler: async (request) => ok(request, audit.devices(), { inject: true })
  })
  // `vault audit enable` / `disable` and Terraform's `vault_audit` (root-protected as in Vault):
  // a Vault user learns where the device is set instead of a bare 404 `unsupported path`.
  app.route({
    method: ['POST', 'PUT', 'DELETE'],
    url: '/v1/sys/audit/*',
    schema: { openapi: hidden('Audit devices are set by VAULT_SYNC_AUDIT_FILE (audit_file): always 400') },
    handler: async () => { throw badRequest('audit devices are set by VAULT_SYNC_AUDIT_FILE (or audit_file in the config file), not through the API') }
  })
  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/audit-hash/*',
    schema: {
      openapi: documented({
        operationId: 'auditing-calculate-hash',
        summary: 'Hash a value as the audit device writes it',
        path: '/sys/audit-hash/{path}',
        params: { path: 'Path of the audit device (`file`)' },
        body: AuditHashRequestSchema,
        responses: { 200: vaultData('The hash', AuditHashSchema, { inject: true }) }
      })
    },
    handler: async (request: HashReq) => {
      const input = decodeString(request.body?.input, 'input')
      if (input === undefined) throw badRequest('the "input" parameter is required')
      return ok(request, { hash: audit.hash(request.params['*'], input) }, { inject: true })
    }
  })
}
