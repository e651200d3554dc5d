/**
 * ACL policy endpoints (spec/vault-core-kv-api.md §4.3): `sys/policies/acl[/:name]` (what the
 * Vault CLI uses; not data-injected) and the legacy `sys/policy[/:name]` (hvac, node-vault;
 * `data` also copied to the top level, §1.5). List routes sit at the trailing-slash URL
 * (decisions D-10); `GET sys/policy` without `list` lists too, as in Vault.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { normalizePolicyName } from '../../src/acl/policy-service.js'
import { policyParameter } from '../../src/acl/policy-text.js'
import type { Services } from '../../src/services.js'
import { list, noContent, ok } from '../../src/vault/envelope.js'
import { notFound, unsupportedOperation } from '../../src/vault/errors.js'
import { LegacyPolicyListSchema, LegacyPolicyReadSchema, LegacyPolicyWriteRequestSchema, PolicyListSchema, PolicyReadSchema, PolicyWriteRequestSchema } from '../../src/acl/policy-schemas.js'
import { documented, errorBody, hidden, noBody, vaultData, type OperationDoc } from '../../src/openapi/route-doc.js'

type NameReq = FastifyRequest<{ Params: { name: string }, Body: Record<string, unknown> | undefined }>

const NAME = { name: 'Name of the policy' }
const missing = errorBody('No such policy', [])
const doc = (d: OperationDoc) => ({ openapi: documented({ params: NAME, ...d }) })
const RULES_DEPRECATED = "'rules' is deprecated, please use 'policy' instead"
const CONVERTED_EXAMPLE = 'policy name was converted to cappolicy'

/** Vault's warning when the stored name differs from the one in the URL (Vault 1.10+, PR #14670). */
function nameWarnings (name: string): string[] {
  const stored = normalizePolicyName(name)
  return stored === name ? [] : [`policy name was converted to ${stored}`]
}

/** Registers the policy routes. */
export function policyRoutes (app: FastifyInstance, { policies }: Pick<Services, 'policies'>): void {
  // sys/policies/acl: the current API. Without a name Vault's pattern (`policies/acl/?$`) has only
  // a list operation, so anything but a list there is its 405 `unsupported operation`.
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/v1/sys/policies/acl',
    schema: { openapi: hidden('Vault has no read or write here: 405 (the list is at the trailing-slash path)') },
    handler: async () => { throw unsupportedOperation() }
  })
  app.get('/v1/sys/policies/acl/', {
    schema: doc({ operationId: 'policies-list-acl-policies', summary: 'List the ACL policies', list: true, responses: { 200: vaultData('Policy names', PolicyListSchema) } })
  }, async (request) => list(request, await policies.list()))
  app.get('/v1/sys/policies/acl/:name', {
    schema: doc({ operationId: 'policies-read-acl-policy', summary: 'Read an ACL policy', responses: { 200: vaultData('The policy', PolicyReadSchema), 404: missing } })
  }, async (request: NameReq) => {
    const p = await policies.read(request.params.name)
    if (p === undefined) throw notFound()
    return ok(request, { name: p.name, policy: p.raw })
  })
  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/policies/acl/:name',
    schema: doc({
      operationId: 'policies-write-acl-policy',
      summary: 'Create or replace an ACL policy',
      body: PolicyWriteRequestSchema,
      responses: {
        200: vaultData('Written under a converted (lower-cased) name: `data` is null and `warnings` says so', Type.Null(), { warnings: [CONVERTED_EXAMPLE] }),
        204: noBody('Written')
      }
    }),
    handler: async (request: NameReq, reply: FastifyReply) => {
      await policies.write(request.params.name, policyParameter(request.body?.policy))
      const warnings = nameWarnings(request.params.name)
      if (warnings.length > 0) return ok(request, null, { warnings })
      return noContent(reply)
    }
  })
  app.delete('/v1/sys/policies/acl/:name', {
    schema: doc({ operationId: 'policies-delete-acl-policy', summary: 'Delete an ACL policy', responses: { 204: noBody('Deleted (or there was none)') } })
  }, async (request: NameReq, reply) => {
    await policies.delete(request.params.name)
    return noContent(reply)
  })

  // sys/policy: the legacy API, data injected at the top level.
  const listLegacy = async (request: FastifyRequest): Promise<unknown> => {
    const keys = await policies.list()
    return ok(request, { keys, policies: keys }, { inject: true })
  }
  // One operation at `/sys/policy`, as in Vault's document; `/sys/policy/` is where the LIST
  // verb and `?list=true` arrive (decisions D-10), with the same answer.
  const listLegacyDoc = doc({
    operationId: 'policies-list-acl-policies2',
    summary: 'List the ACL policies (legacy API)',
    description: 'Also answers `LIST /v1/sys/policy` and `?list=true`, identically.',
    path: '/sys/policy',
    responses: { 200: vaultData('Policy names, twice', LegacyPolicyListSchema, { inject: true }) }
  })
  app.get('/v1/sys/policy', { schema: listLegacyDoc }, listLegacy)
  app.get('/v1/sys/policy/', { schema: listLegacyDoc }, listLegacy)
  app.get('/v1/sys/policy/:name', {
    schema: doc({ operationId: 'policies-read-acl-policy2', summary: 'Read an ACL policy (legacy API)', responses: { 200: vaultData('The policy', LegacyPolicyReadSchema, { inject: true }), 404: missing } })
  }, async (request: NameReq) => {
    const p = await policies.read(request.params.name)
    if (p === undefined) throw notFound()
    return ok(request, { name: p.name, rules: p.raw }, { inject: true })
  })
  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/policy/:name',
    schema: doc({
      operationId: 'policies-write-acl-policy2',
      summary: 'Create or replace an ACL policy (legacy API)',
      body: LegacyPolicyWriteRequestSchema,
      responses: {
        200: vaultData('Written from the deprecated `rules` field or under a converted (lower-cased) name: `data` is null and `warnings` says so', Type.Null(), { inject: true, warnings: [RULES_DEPRECATED, CONVERTED_EXAMPLE] }),
        204: noBody('Written')
      }
    }),
    handler: async (request: NameReq, reply: FastifyReply) => {
      const body = request.body ?? {}
      // `rules` is the deprecated name of `policy`: accepted with a warning (then 200, not 204).
      const legacy = body.policy === undefined && body.rules !== undefined
      await policies.write(request.params.name, policyParameter(legacy ? body.rules : body.policy))
      const warnings = [...nameWarnings(request.params.name), ...(legacy ? [RULES_DEPRECATED] : [])]
      if (warnings.length > 0) return ok(request, null, { warnings, inject: true })
      return noContent(reply)
    }
  })
  app.delete('/v1/sys/policy/:name', {
    schema: doc({ operationId: 'policies-delete-acl-policy2', summary: 'Delete an ACL policy (legacy API)', responses: { 204: noBody('Deleted (or there was none)') } })
  }, async (request: NameReq, reply) => {
    await policies.delete(request.params.name)
    return noContent(reply)
  })
}
