/**
 * Token store roles over HTTP (Vault's vault/token_store.go `pathsRole` and `create/<role>`):
 * `LIST auth/token/roles` (`tokenStoreRoleList`), `GET`/`POST`/`PUT`/`DELETE
 * auth/token/roles/:role_name` (`tokenStoreRoleRead`, `tokenStoreRoleCreateUpdate`,
 * `tokenStoreRoleDelete`) and `POST`/`PUT auth/token/create/:role_name`
 * (`handleCreateAgainstRole`). The ACL judges these paths as Vault names them before any handler
 * runs: a role write is `create` or `update` by the role's existence (`tokenRoleExistenceCheck`).
 * A role name outside Vault's `GenericNameRegex` matches no Vault path: 404 `unsupported path`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Services } from '../../src/services.js'
import { decodeCreateRequest } from '../../src/tokens/token-request.js'
import { goGlob } from '../../src/tokens/token-role-create.js'
import { isRoleName, roleReadData, type TokenRole } from '../../src/tokens/token-roles.js'
import { TokenRoleListSchema, TokenRoleSchema, TokenRoleWriteRequestSchema } from '../../src/tokens/token-role-schemas.js'
import { AuthBlockSchema, TokenCreateRequestSchema } from '../../src/tokens/token-schemas.js'
import { documented, errorBody, noBody, vaultData, type OperationDoc } from '../../src/openapi/route-doc.js'
import { noContent, ok } from '../../src/vault/envelope.js'
import { badRequest, notFound, unsupportedPath } from '../../src/vault/errors.js'
import { decodeString, unknownFieldsWarning } from '../../src/vault/field-decode.js'
import { listOnlyRoute } from '../list-only.js'

type RoleReq = FastifyRequest<{ Params: { role_name: string }, Body: Record<string, unknown> | undefined }>

const WRITE = ['POST', 'PUT'] as const
const ROLE_NAME = { role_name: 'Name of the role' }
const doc = (d: OperationDoc) => ({ openapi: documented({ params: ROLE_NAME, ...d }) })

/** The fields of Vault's role path (the rest are ignored, with Vault's warning when the answer has a body). */
const ROLE_FIELDS: ReadonlySet<string> = new Set(['role_name', 'allowed_policies', 'disallowed_policies', 'allowed_policies_glob',
  'disallowed_policies_glob', 'orphan', 'period', 'path_suffix', 'explicit_max_ttl', 'renewable', 'bound_cidrs', 'allowed_entity_aliases',
  'token_bound_cidrs', 'token_explicit_max_ttl', 'token_period', 'token_type', 'token_no_default_policy', 'token_num_uses'])

/** A role write answers nothing (204), unless Vault warns: then `data` null and the warnings (200). */
const WRITTEN = {
  200: vaultData('Written, with warnings: `data` is null', Type.Null(), { warnings: ["Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value"] }),
  204: noBody('Written')
}

/** The role name of the URL. @throws VaultError 404 `unsupported path` when Vault's paths match no such name. */
function roleName (request: RoleReq): string {
  const name = request.params.role_name
  if (!isRoleName(name)) throw unsupportedPath()
  return name
}

/**
 * Vault's `entity_alias` check against the role (handleCreateCommon): an alias the role does not
 * allow is refused with Vault's text; an allowed one is refused too, since vault-sync has no
 * identity store to create or find the entity in.
 * @throws VaultError 400
 */
function refuseEntityAlias (role: TokenRole, body: Record<string, unknown>): void {
  const alias = decodeString(body.entity_alias, 'entity_alias')
  if (alias === undefined || alias === '') return
  const lower = alias.toLowerCase()
  const allowed = role.allowed_entity_aliases ?? []
  if (!allowed.includes(lower) && !allowed.some((a) => goGlob(a, lower))) throw badRequest("invalid 'entity_alias' value")
  throw badRequest('entity_alias is not supported by vault-sync: it has no identity store (leave it empty)')
}

/** Registers the token role routes (Vault's role paths and `create/<role_name>`, token_store.go `paths()`). */
export function tokenRoleRoutes (app: FastifyInstance, { tokens, tokenRoles }: Pick<Services, 'tokens' | 'tokenRoles'>): void {
  // Vault's pattern `roles/?$` has a list operation only.
  listOnlyRoute(app, '/v1/auth/token/roles', {
    operationId: 'token-list-roles',
    summary: 'List the token roles',
    responses: { 200: vaultData('Role names, in byte order', TokenRoleListSchema), 404: errorBody('There are no roles', []) }
  }, tokenRoles.list)

  app.get('/v1/auth/token/roles/:role_name', {
    schema: doc({ operationId: 'token-read-role', summary: 'Read a token role', responses: { 200: vaultData('The role', TokenRoleSchema), 404: errorBody('No such role', []) } })
  }, async (request: RoleReq) => {
    const role = await tokenRoles.read(roleName(request))
    if (role === undefined) throw notFound()
    return ok(request, roleReadData(role))
  })

  app.route({
    method: [...WRITE],
    url: '/v1/auth/token/roles/:role_name',
    schema: doc({
      operationId: 'token-write-role',
      summary: 'Create or update a token role (fields not given keep their value on an update)',
      body: TokenRoleWriteRequestSchema,
      responses: WRITTEN
    }),
    handler: async (request: RoleReq, reply: FastifyReply) => {
      const body = request.body ?? {}
      const warnings = await tokenRoles.write(roleName(request), body)
      if (warnings.length === 0) return noContent(reply)
      // Vault's framework adds this warning to answers that have a body only.
      const ignored = unknownFieldsWarning(body, ROLE_FIELDS)
      return ok(request, null, { warnings: ignored === undefined ? warnings : [...warnings, ignored] })
    }
  })

  app.delete('/v1/auth/token/roles/:role_name', {
    schema: doc({ operationId: 'token-delete-role', summary: 'Delete a token role (its tokens stay)', responses: { 204: noBody('Deleted (or there was none)') } })
  }, async (request: RoleReq, reply) => {
    await tokenRoles.delete(roleName(request))
    return noContent(reply)
  })

  app.route({
    method: [...WRITE],
    url: '/v1/auth/token/create/:role_name',
    schema: doc({
      operationId: 'token-create-against-role',
      summary: 'Create a token against a role (the role\'s settings override the request\'s)',
      body: TokenCreateRequestSchema,
      responses: { 200: vaultData('The new token, in `auth`', Type.Null(), { auth: AuthBlockSchema }), 400: errorBody('Unknown role, or a request the role refuses', ['unknown role ci']) }
    }),
    handler: async (request: RoleReq) => {
      const name = roleName(request)
      const role = await tokenRoles.read(name)
      if (role === undefined) throw badRequest(`unknown role ${name}`)
      const body = request.body ?? {}
      // A role with token_type `service` issues service tokens whatever the request's `type`.
      const input = decodeCreateRequest(role.token_type === 'service' ? { ...body, type: 'service' } : body)
      refuseEntityAlias(role, body)
      const path = `auth/token/create/${name}` as const
      // Root, or `sudo` on this path, lifts the parent's limits (Vault's `isSudo` on req.MountPoint + req.Path).
      const isSudo = request.vaultAcl?.allows('update', path, true) ?? false
      const { auth, warnings } = await tokens.create(request.vaultTokenId ?? '', input, { path, isSudo, role })
      return ok(request, null, { auth, warnings })
    }
  })
}
