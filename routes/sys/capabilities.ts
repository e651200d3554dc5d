/**
 * `sys/capabilities-self` (spec/vault-core-kv-api.md §4.5): what the caller's token may do on
 * each path (`paths`, or the deprecated `path`; a list or a comma-separated string). Data is
 * injected at the top level; the `capabilities` key repeats the answer for a single path.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ok } from '../../src/vault/envelope.js'
import { permissionDenied } from '../../src/vault/errors.js'
import { decodeStringList } from '../../src/vault/field-decode.js'
import { CapabilitiesRequestSchema, CapabilitiesSchema } from '../../src/acl/policy-schemas.js'
import { documented, vaultData } from '../../src/openapi/route-doc.js'

type BodyReq = FastifyRequest<{ Body: Record<string, unknown> | undefined }>

/** `paths` / `path` as Vault's TypeCommaStringSlice; a wrong type is a 400 naming the field. */
function pathList (value: unknown, field: string): string[] {
  return decodeStringList(value, field).filter((s) => s !== '')
}

/** Registers `sys/capabilities-self`. */
export function capabilityRoutes (app: FastifyInstance): void {
  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/capabilities-self',
    schema: {
      openapi: documented({
        operationId: 'query-token-self-capabilities',
        summary: 'The capabilities of the caller\'s token on paths',
        body: CapabilitiesRequestSchema,
        responses: { 200: vaultData('Capabilities by path', CapabilitiesSchema, { inject: true }) }
      })
    },
    handler: async (request: BodyReq) => {
      const acl = request.vaultAcl
      if (acl === undefined) throw permissionDenied()
      let paths = pathList(request.body?.paths, 'paths')
      if (paths.length === 0) paths = pathList(request.body?.path, 'path')
      const data: Record<string, string[]> = {}
      for (const p of paths) data[p] = acl.capabilities(p.replace(/^\/+/, ''))
      if (paths.length === 1) data.capabilities = data[paths[0]]
      return ok(request, data, { inject: true })
    }
  })
}
