/**
 * ACL enforcement in the request pipeline (spec/vault-core-kv-api.md §4.5, decisions D-6, D-7),
 * as Vault's `request_handling.go` does it before the backend runs:
 * - `aclAuthorizer`, called by the pipeline's one `onRequest` step right after the token is
 *   authenticated (before the body is read or the handler runs): the
 *   operation from the method (GET read / list, POST|PUT update or create by existence, PATCH
 *   patch, DELETE delete), the path after `/v1/`, the capability it needs, `sudo` on
 *   root-protected paths. Denied → 403 `permission denied` whatever the path (no route leak).
 * - `preHandler` (body parsed): parameter constraints of the deciding rule, and the
 *   `associations/set` check that the caller can read the secret (spec/vault-sync-api.md §3.10).
 * - `onResponse`: an allowed request counts one use of a `num_uses` token (`tokens.useOnce`).
 * Routes with `config: { aclInHandler: true }` (the CLI preflight, §2.7) check the ACL
 * themselves through `request.vaultAcl`.
 */
import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify'
import { VaultError, invalidToken, permissionDenied } from '../vault/errors.js'
import { isListRequest, vaultPath } from '../vault/request-target.js'
import { MISS } from '../../db/read-cache.js'
import type { Acl, Operation, Permissions } from './acl.js'
import { parametersAllowed } from './parameters.js'
import type { PolicyService } from './policy-service.js'
import { associationSetTarget } from '../sync/association-target.js'

/**
 * Whether `path` exists, for paths with an existence check; `undefined` = no check (update).
 * Answers at once when it can (caches), else as a promise.
 */
export type ExistenceCheck = (path: string) => boolean | undefined | Promise<boolean | undefined>

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's compiled ACL (authenticated routes). */
    vaultAcl?: Acl
    /** The operation and path the ACL decided on, for the audit log. */
    vaultOperation?: { operation: Operation, path: string, perms?: Permissions }
    /** Set when this request was its limited-use token's final use: the token is revoked after the response. */
    vaultTokenSpent?: boolean
  }
  interface FastifyContextConfig {
    /** The handler checks the ACL itself (`request.vaultAcl`); the hook only authenticates. */
    aclInHandler?: boolean
  }
}

/** Root-protected paths of `sys/` and the token store (§4.5 item 5): `sudo` is needed too. */
const SUDO = [/^sys\/auth\//, /^sys\/remount$/, /^sys\/audit$/, /^sys\/audit\//, /^sys\/raw(\/|$)/, /^sys\/rotate/,
  /^sys\/config\/cors$/, /^sys\/config\/auditing\//, /^sys\/plugins\/catalog\//, /^sys\/revoke-prefix\//,
  /^sys\/revoke-force\//, /^sys\/leases\/revoke-prefix\//, /^sys\/leases\/revoke-force\//, /^sys\/leases\/lookup\//,
  /^auth\/token\/revoke-orphan\//, /^auth\/token\/accessors/]

/** True when `path` is root-protected. */
export const isSudoPath = (path: string): boolean => SUDO.some((re) => re.test(path))

/**
 * The logical operation of a request (§1.2); writes consult the existence checks (at once when
 * every check answered at once, else as a promise).
 */
export function requestOperation (request: FastifyRequest, path: string, existence: ExistenceCheck[]): Operation | Promise<Operation> {
  switch (request.method) {
    case 'GET': case 'HEAD': return isListRequest(request) ? 'list' : 'read'
    case 'PATCH': return 'patch'
    case 'DELETE': return 'delete'
    default: return writeOperation(path, existence, 0)
  }
}

/** `create` or `update` by the first existence check (from `from` on) that knows `path`. */
function writeOperation (path: string, existence: ExistenceCheck[], from: number): Operation | Promise<Operation> {
  for (let i = from; i < existence.length; i++) {
    const exists = existence[i](path)
    if (exists instanceof Promise) return exists.then((e) => e === undefined ? writeOperation(path, existence, i + 1) : e ? 'update' : 'create')
    if (exists !== undefined) return exists ? 'update' : 'create'
  }
  return 'update'
}

const SET_PATH = /^sys\/sync\/destinations\/[^/]+\/[^/]+\/associations\/set$/

/**
 * The secrets-sync rule: setting an association needs `read` on `<mount>/data/<secret_name>`,
 * with the mount and name decoded and normalised by the very function the service uses
 * (`associationSetTarget`), so no spelling is judged differently from what is synced.
 * @throws VaultError 403 `permission denied to read the content of the secret <n> in mount <m>`;
 *   400 for a missing or wrong-typed field (before anything is read).
 */
function checkAssociationRead (acl: Acl, body: Record<string, unknown> | undefined): void {
  const { mount, secretPath } = associationSetTarget(body ?? {})
  if (mount === '' || secretPath === '') return
  if (!acl.allows('read', `${mount}/data/${secretPath}`)) {
    throw new VaultError(403, [`permission denied to read the content of the secret ${secretPath} in mount ${mount}`])
  }
}

/** What the ACL hooks need: compiled ACLs, the use counter, the existence checks. */
export interface EnforceDeps {
  policies: Pick<PolicyService, 'aclFor' | 'peekAcl'>
  /**
   * Counts a use of the token (num_uses) once the request is allowed, before its handler
   * (`ok`, `last` = its final use, `spent` = none left: refused); undefined for unlimited tokens.
   */
  useToken: (accessor: string) => Promise<'ok' | 'last' | 'spent'> | undefined
  /** Revokes a token whose final use was answered. */
  revokeSpent: (accessor: string) => Promise<void>
  existence: ExistenceCheck[]
}

/**
 * The ACL decision of one request, made inside the request pipeline's single `onRequest` step
 * (`installVaultHttp`'s `authorize`, given the route's config), right after the token was authenticated: attaches the
 * compiled ACL and the operation, and throws 403 when denied. Requests without a token
 * (unauthenticated routes, 404s) are left alone. Decided at once when the compiled ACL is cached
 * and no existence check has to load a row; otherwise returns a promise (rejecting with the 403).
 * @throws VaultError 403 `permission denied`
 */
export function aclAuthorizer ({ policies, existence }: Pick<EnforceDeps, 'policies' | 'existence'>): (request: FastifyRequest, config: FastifyContextConfig) => void | Promise<void> {
  /** The decision once the ACL and the operation are known. */
  const decide = (request: FastifyRequest, config: FastifyContextConfig, acl: Acl, path: string, operation: Operation): void => {
    request.vaultOperation = { operation, path }
    if (config.aclInHandler === true || acl.root) return
    if (!acl.allows(operation, path, isSudoPath(path))) throw permissionDenied()
    const perms = acl.permissionsFor(path, operation)
    // vault-sync never wraps responses, so a rule that requires wrapping cannot be satisfied.
    if (perms?.requiresWrapping === true) throw permissionDenied()
    request.vaultOperation.perms = perms
  }
  const withAcl = (request: FastifyRequest, config: FastifyContextConfig, acl: Acl): void | Promise<void> => {
    request.vaultAcl = acl
    const path = vaultPath(request)
    const operation = requestOperation(request, path, existence)
    if (operation instanceof Promise) return operation.then((op) => { decide(request, config, acl, path, op) })
    decide(request, config, acl, path, operation)
  }
  // Synchronous when the compiled ACL is cached and no existence check awaits storage.
  return (request, config) => {
    const token = request.vaultToken
    if (token === undefined) return
    const acl = policies.peekAcl(token.policies)
    if (acl === MISS) return policies.aclFor(token.policies).then((a) => withAcl(request, config, a))
    return withAcl(request, config, acl)
  }
}

/**
 * Installs the ACL's later hooks (synchronous: no promise per request, except the use count of
 * a limited-use token): parameter constraints and the `associations/set` read check once the
 * body is parsed, then the token use, counted before the handler as Vault does
 * (request_handling.go: `UseToken` before the request is routed; a token with no use left is
 * refused, its final use revokes it once the response is out). The decision itself is
 * `aclAuthorizer`, run by the pipeline's `onRequest`.
 * @throws VaultError 403 (the invalid-token answer) when the token has no use left
 */
export function installAcl (app: FastifyInstance, { useToken, revokeSpent }: Pick<EnforceDeps, 'useToken' | 'revokeSpent'>): void {
  app.addHook('preHandler', (request, _reply, done) => {
    const token = request.vaultToken
    const acl = request.vaultAcl
    if (token === undefined || acl === undefined) { done(); return }
    const op = request.vaultOperation
    if (op?.perms !== undefined) {
      const data = (op.operation === 'read' ? request.query : request.body) as Record<string, unknown> | undefined
      if (!parametersAllowed(op.perms, op.operation, data)) throw permissionDenied()
    }
    if (op !== undefined && op.operation !== 'read' && SET_PATH.test(op.path)) {
      checkAssociationRead(acl, request.body as Record<string, unknown> | undefined)
    }
    const counting = useToken(token.accessor)
    if (counting === undefined) { done(); return }
    counting.then((use) => {
      if (use === 'spent') { done(invalidToken()); return }
      if (use === 'last') request.vaultTokenSpent = true
      done()
    }, done)
  })

  // A final use is answered first, then its token revoked (Vault's deferred LazyRevoke).
  app.addHook('onResponse', (request, _reply, done) => {
    if (request.vaultTokenSpent !== true || request.vaultToken === undefined) { done(); return }
    revokeSpent(request.vaultToken.accessor).then(() => { done() }, done)
  })
}
