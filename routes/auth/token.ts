/**
 * The token store's HTTP surface (`auth/token/*`, spec/vault-core-kv-api.md §4.2): create,
 * create-orphan, lookup, lookup-self, lookup-accessor, renew, renew-accessor, renew-self, revoke,
 * revoke-self, revoke-accessor, revoke-orphan, and the LIST of accessors. Every write accepts POST and PUT, as Vault does.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { decodeCreateRequest } from '../../src/tokens/token-request.js'
import { decodeDuration, decodeString } from '../../src/vault/field-decode.js'
import type { Services } from '../../src/services.js'
import { noContent, ok } from '../../src/vault/envelope.js'
import { VaultError, badRequest, invalidToken } from '../../src/vault/errors.js'
import { AccessorRenewRequestSchema, AccessorRequestSchema, AuthBlockSchema, TokenAccessorListSchema, RenewSelfRequestSchema, TokenRenewRequestSchema, TokenCreateRequestSchema, TokenLookupSchema, TokenRequestSchema } from '../../src/tokens/token-schemas.js'
import { documented, errorBody, noBody, vaultData, type OperationDoc } from '../../src/openapi/route-doc.js'
import { listOnlyRoute } from '../list-only.js'

type BodyReq = FastifyRequest<{ Body: Record<string, unknown> | undefined }>

const WRITE = ['POST', 'PUT'] as const

const issued = vaultData('The new token, in `auth`', Type.Null(), { auth: AuthBlockSchema })
const lookup = vaultData('The token\'s properties', TokenLookupSchema)
const doc = (d: OperationDoc) => ({ openapi: documented(d) })

/** A string body field, or undefined when absent or empty. */
function field (request: BodyReq, name: string): string | undefined {
  // A wrong-typed value is a 400 (never "absent", which would act on the caller's own token).
  const v = decodeString(request.body?.[name], name)
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined
}

/** `field`, required: Vault's 400 `missing <what>` (`missing token ID`, `missing accessor`) when absent. */
function required (request: BodyReq, name: 'token' | 'accessor'): string {
  const v = field(request, name)
  if (v === undefined) throw badRequest(name === 'token' ? 'missing token ID' : 'missing accessor')
  return v
}

/** The renew `increment` in seconds (0 = the token's own TTL). */
const incrementOf = (request: BodyReq): number => decodeDuration(request.body?.increment, 'increment', false) ?? 0

/** Registers the token routes. */
export function tokenRoutes (app: FastifyInstance, { tokens }: Pick<Services, 'tokens'>): void {
  const selfId = (request: FastifyRequest): string => request.vaultTokenId ?? ''

  for (const path of ['auth/token/create', 'auth/token/create-orphan'] as const) {
    const orphan = path.endsWith('-orphan')
    app.route({
      method: [...WRITE],
      url: `/v1/${path}`,
      schema: doc({
        operationId: orphan ? 'token-create-orphan' : 'token-create',
        summary: orphan ? 'Create an orphan token' : 'Create a child token of the caller\'s token',
        body: TokenCreateRequestSchema,
        responses: { 200: issued }
      }),
      handler: async (request: BodyReq) => {
        const input = decodeCreateRequest(request.body ?? {})
        // Root, or `sudo` on this path, lifts the parent's limits (Vault's `isSudo`).
        const isSudo = request.vaultAcl?.allows('update', path, true) ?? false
        const { auth, warnings } = await tokens.create(selfId(request), input, { path, isSudo })
        return ok(request, null, { auth, warnings })
      }
    })
  }

  app.get('/v1/auth/token/lookup-self', { schema: doc({ operationId: 'token-look-up-self', summary: 'Look up the caller\'s token', responses: { 200: lookup } }) }, async (request) => {
    const data = await tokens.lookup(selfId(request))
    if (data === undefined) throw invalidToken()
    return ok(request, data)
  })

  app.route({
    method: [...WRITE],
    url: '/v1/auth/token/lookup',
    schema: doc({
      operationId: 'token-look-up',
      summary: 'Look up a token (the caller\'s when `token` is absent)',
      body: TokenRequestSchema,
      responses: { 200: lookup, 403: errorBody('Unknown, expired or revoked token', ['bad token']) }
    }),
    handler: async (request: BodyReq) => {
      const data = await tokens.lookup(field(request, 'token') ?? selfId(request))
      if (data === undefined) throw new VaultError(403, ['bad token'])
      return ok(request, data)
    }
  })

  app.route({
    method: [...WRITE],
    url: '/v1/auth/token/lookup-accessor',
    schema: doc({
      operationId: 'token-look-up-accessor',
      summary: 'Look up a token by its accessor (the answer has `id: ""`)',
      body: AccessorRequestSchema,
      responses: { 200: lookup, 400: errorBody('Missing or unknown accessor', ['invalid accessor']) }
    }),
    handler: async (request: BodyReq) => {
      const accessor = required(request, 'accessor')
      const data = await tokens.lookupAccessor(accessor)
      if (data === undefined) throw badRequest('invalid accessor')
      return ok(request, data)
    }
  })

  // Vault API docs, Token auth method, "List accessors": `sudo` is required (root-protected
  // path, checked before routing: `isSudoPath`). Vault's path has only a list (`listOnlyRoute`).
  listOnlyRoute(app, '/v1/auth/token/accessors', {
    operationId: 'token-list-accessors',
    summary: 'List the accessors of all live tokens (needs `sudo`)',
    responses: { 200: vaultData('Accessors of the live tokens', TokenAccessorListSchema), 404: errorBody('There are no live tokens', []) }
  }, tokens.listAccessors)

  app.route({
    method: [...WRITE],
    url: '/v1/auth/token/renew-self',
    schema: doc({ operationId: 'token-renew-self', summary: 'Renew the caller\'s token', body: RenewSelfRequestSchema, responses: { 200: issued } }),
    handler: async (request: BodyReq) => {
      const { auth, warnings } = await tokens.renew(selfId(request), incrementOf(request))
      return ok(request, null, { auth, warnings })
    }
  })

  // Vault's handleRenew / handleUpdateRenewAccessor (token_store.go): `vault token renew <token>`
  // and `-accessor`; the caller needs `update` on the path (no sudo).
  app.route({
    method: [...WRITE],
    url: '/v1/auth/token/renew',
    schema: doc({ operationId: 'token-renew', summary: 'Renew a token', body: TokenRenewRequestSchema, responses: { 200: issued } }),
    handler: async (request: BodyReq) => {
      const token = required(request, 'token')
      const { auth, warnings } = await tokens.renew(token, incrementOf(request), 'token not found')
      return ok(request, null, { auth, warnings })
    }
  })

  app.route({
    method: [...WRITE],
    url: '/v1/auth/token/renew-accessor',
    schema: doc({ operationId: 'token-renew-accessor', summary: 'Renew the token with an accessor (the answer carries no token)', body: AccessorRenewRequestSchema, responses: { 200: issued } }),
    handler: async (request: BodyReq) => {
      const accessor = required(request, 'accessor')
      const { auth, warnings } = await tokens.renewAccessor(accessor, incrementOf(request))
      return ok(request, null, { auth, warnings })
    }
  })

  // Vault's handleRevokeOrphan (token_store.go): the token store's root-protected path is only
  // `revoke-orphan/*` (PathsSpecial.Root), so this body form needs just `update` to get here; the
  // handler then asks for root or `sudo` on the path itself, after the `missing token ID` check.
  app.route({
    method: [...WRITE],
    url: '/v1/auth/token/revoke-orphan',
    schema: doc({ operationId: 'token-revoke-orphan', summary: 'Revoke a token, leaving its children as orphans (needs `sudo`)', body: TokenRequestSchema, responses: { 204: noBody('Revoked') } }),
    handler: async (request: BodyReq, reply: FastifyReply) => {
      const token = required(request, 'token')
      if (request.vaultAcl?.allows('update', 'auth/token/revoke-orphan', true) !== true) throw badRequest('root or sudo privileges required to revoke and orphan')
      await tokens.revokeOrphan(token)
      return noContent(reply)
    }
  })

  app.route({
    method: [...WRITE],
    url: '/v1/auth/token/revoke',
    schema: doc({ operationId: 'token-revoke', summary: 'Revoke a token and its children', body: TokenRequestSchema, responses: { 204: noBody('Revoked') } }),
    handler: async (request: BodyReq, reply: FastifyReply) => {
      const token = required(request, 'token')
      await tokens.revoke(token)
      return noContent(reply)
    }
  })

  app.route({
    method: [...WRITE],
    url: '/v1/auth/token/revoke-self',
    schema: doc({ operationId: 'token-revoke-self', summary: 'Revoke the caller\'s token and its children', responses: { 204: noBody('Revoked') } }),
    handler: async (request, reply) => {
      await tokens.revoke(selfId(request))
      return noContent(reply)
    }
  })

  app.route({
    method: [...WRITE],
    url: '/v1/auth/token/revoke-accessor',
    schema: doc({ operationId: 'token-revoke-accessor', summary: 'Revoke the token with an accessor, and its children', body: AccessorRequestSchema, responses: { 204: noBody('Revoked') } }),
    handler: async (request: BodyReq, reply: FastifyReply) => {
      const accessor = required(request, 'accessor')
      await tokens.revokeAccessor(accessor)
      return noContent(reply)
    }
  })
}
