/**
 * ACL policy endpoints (spec/vault-core-kv-api.md §4.3): `sys/policies/acl[/:name]` (what the
 * Vault CLI uses; not data-injected) and the legacy `sys/policy[/:name]` (hvac, node-vault;
 * `data` also copied to the top level, §1.5). List routes sit at the trailing-slash URL
 * (decisions D-10); `GET sys/policy` without `list` lists too, as in Vault.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { policyParameter } from '../../src/acl/policy-text.js'
import type { Services } from '../../src/services.js'
import { list, noContent, ok } from '../../src/vault/envelope.js'
import { notFound } from '../../src/vault/errors.js'

type NameReq = FastifyRequest<{ Params: { name: string }, Body: Record<string, unknown> | undefined }>

/** Registers the policy routes. */
export function policyRoutes (app: FastifyInstance, { policies }: Pick<Services, 'policies'>): void {
  // sys/policies/acl: the current API.
  app.get('/v1/sys/policies/acl/', async (request) => list(request, policies.list()))
  app.get('/v1/sys/policies/acl/:name', async (request: NameReq) => {
    const p = policies.read(request.params.name)
    if (p === undefined) throw notFound()
    return ok(request, { name: p.name, policy: p.raw })
  })
  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/policies/acl/:name',
    handler: async (request: NameReq, reply: FastifyReply) => {
      await policies.write(request.params.name, policyParameter(request.body?.policy))
      return noContent(reply)
    }
  })
  app.delete('/v1/sys/policies/acl/:name', async (request: NameReq, reply) => {
    policies.delete(request.params.name)
    return noContent(reply)
  })

  // sys/policy: the legacy API, data injected at the top level.
  const listLegacy = async (request: FastifyRequest): Promise<unknown> => {
    const keys = policies.list()
    return ok(request, { keys, policies: keys }, { inject: true })
  }
  app.get('/v1/sys/policy', listLegacy)
  app.get('/v1/sys/policy/', listLegacy)
  app.get('/v1/sys/policy/:name', async (request: NameReq) => {
    const p = policies.read(request.params.name)
    if (p === undefined) throw notFound()
    return ok(request, { name: p.name, rules: p.raw }, { inject: true })
  })
  app.route({
    method: ['POST', 'PUT'],
    url: '/v1/sys/policy/:name',
    handler: async (request: NameReq, reply: FastifyReply) => {
      const body = request.body ?? {}
      // `rules` is the deprecated name of `policy`: accepted with a warning (then 200, not 204).
      const legacy = body.policy === undefined && body.rules !== undefined
      await policies.write(request.params.name, policyParameter(legacy ? body.rules : body.policy))
      if (legacy) return ok(request, null, { warnings: ["'rules' is deprecated, please use 'policy' instead"], inject: true })
      return noContent(reply)
    }
  })
  app.delete('/v1/sys/policy/:name', async (request: NameReq, reply) => {
    policies.delete(request.params.name)
    return noContent(reply)
  })
}
