/**
 * What a token may do on each path (spec/vault-core-kv-api.md §4.5, Vault's `handleCapabilities`
 * and `handleCapabilitiesAccessor`): `sys/capabilities-self` for the caller's token,
 * `sys/capabilities` for the token in `token` (`vault token capabilities <token> <path>`), and
 * `sys/capabilities-accessor` for the token with `accessor`. Paths come in `paths`, or the
 * deprecated `path` (a list or a comma-separated string). Data is injected at the top level;
 * the `capabilities` key repeats the answer for a single path. The two that name another token
 * need `update` on their own path (the default policy grants only `capabilities-self`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Acl } from '../../src/acl/acl.js'
import { ok } from '../../src/vault/envelope.js'
import { badRequest, permissionDenied } from '../../src/vault/errors.js'
import { decodeString, decodeStringList } from '../../src/vault/field-decode.js'
import { CapabilitiesRequestSchema, CapabilitiesSchema } from '../../src/acl/policy-schemas.js'
import { documented, errorBody, vaultData, type OperationDoc } from '../../src/openapi/route-doc.js'
import { named } from '../../src/openapi/schema-json.js'
import type { Services } from '../../src/services.js'

type BodyReq = FastifyRequest<{ Body: Record<string, unknown> | undefined }>

/** `paths` / `path` as Vault's TypeCommaStringSlice; a wrong type is a 400 naming the field. */
function pathList (value: unknown, field: string): string[] {
  return decodeStringList(value, field).filter((s) => s !== '')
}

/** The answer for `acl` on the request's paths. @throws VaultError 400 `paths must be supplied` when there are none. */
function answer (request: BodyReq, acl: Acl): ReturnType<typeof ok> {
  let paths = pathList(request.body?.paths, 'paths')
  if (paths.length === 0) paths = pathList(request.body?.path, 'path')
  if (paths.length === 0) throw badRequest('paths must be supplied')
  const data: Record<string, string[]> = {}
  for (const p of paths) data[p] = acl.capabilities(p.replace(/^\/+/, ''))
  if (paths.length === 1) data.capabilities = data[paths[0]]
  return ok(request, data, { inject: true })
}

const TokenCapabilitiesRequestSchema = named('TokenCapabilitiesRequest', Type.Object({
  token: Type.String({ description: 'The token whose capabilities are asked' }),
  ...CapabilitiesRequestSchema.properties
}, { examples: [{ token: 'hvs.CAESI…', paths: ['secret/data/app/db'] }] }))

const AccessorCapabilitiesRequestSchema = named('AccessorCapabilitiesRequest', Type.Object({
  accessor: Type.String({ description: 'The accessor of the token whose capabilities are asked' }),
  ...CapabilitiesRequestSchema.properties
}, { examples: [{ accessor: 'hQ3yVQwBFr0Jz6cE4RzSVF2l', paths: ['secret/data/app/db'] }] }))

/** Registers `sys/capabilities-self`, `sys/capabilities` and `sys/capabilities-accessor`. */
export function capabilityRoutes (app: FastifyInstance, { tokens, policies }: Pick<Services, 'tokens' | 'policies'>): void {
  const doc = (operationId: string, summary: string, body: OperationDoc['body'], errors = false): ReturnType<typeof documented> => documented({
    operationId,
    summary,
    body,
    responses: {
      200: vaultData('Capabilities by path', CapabilitiesSchema, { inject: true }),
      ...(errors ? { 400: errorBody('No such live token, or the field is missing', ['invalid token']) } : {})
    }
  })
  const route = (url: string, openapi: ReturnType<typeof documented>, acl: (request: BodyReq) => Promise<Acl>): void => {
    app.route({ method: ['POST', 'PUT'], url, schema: { openapi }, handler: async (request: BodyReq) => answer(request, await acl(request)) })
  }
  /** The ACL of a live token `found` by id or accessor. @throws VaultError 400 `invalid` (unknown, expired or revoked). */
  const aclOf = async (found: { policies: string[] } | undefined, invalid: string): Promise<Acl> => {
    if (found === undefined) throw badRequest(invalid)
    return await policies.aclFor(found.policies)
  }

  route('/v1/sys/capabilities-self', doc('query-token-self-capabilities', 'The capabilities of the caller\'s token on paths', CapabilitiesRequestSchema), async (request) => {
    if (request.vaultAcl === undefined) throw permissionDenied()
    return request.vaultAcl
  })
  route('/v1/sys/capabilities', doc('query-token-capabilities', 'The capabilities of a token on paths', TokenCapabilitiesRequestSchema, true), async (request) => {
    const token = decodeString(request.body?.token, 'token') ?? ''
    // Vault answers a missing token with an internal error (`no token found`); it is bad input.
    if (token === '') throw badRequest('no token found')
    return await aclOf(await tokens.lookup(token), 'invalid token')
  })
  route('/v1/sys/capabilities-accessor', doc('query-token-accessor-capabilities', 'The capabilities of the token with an accessor on paths', AccessorCapabilitiesRequestSchema, true), async (request) => {
    const accessor = decodeString(request.body?.accessor, 'accessor') ?? ''
    if (accessor === '') throw badRequest('missing accessor')
    return await aclOf(await tokens.lookupAccessor(accessor), 'invalid accessor')
  })
}
