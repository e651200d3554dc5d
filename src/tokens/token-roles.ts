/**
 * Token store roles (`auth/token/roles/:role_name`), as Vault's vault/token_store.go keeps them:
 * `tsRoleEntry` with the `token_*` fields of sdk/helper/tokenutil (`TokenParams`) its role path
 * allows (`token_bound_cidrs`, `token_explicit_max_ttl`, `token_period`, `token_type`,
 * `token_no_default_policy`, `token_num_uses`), and the legacy aliases `period`,
 * `explicit_max_ttl` and `bound_cidrs`, read back as they were last written. Writes follow
 * `tokenStoreRoleCreateUpdate` (a create takes the defaults, an update keeps what it does not
 * name), reads `tokenStoreRole` / `tokenStoreRoleRead`, and the list `tokenStoreRoleList`.
 *
 * Limits of vault-sync: only service tokens exist, so a role's `token_type` is `service` or
 * `default-service` (`batch` and `default-batch` are refused, as batch tokens are on create);
 * tokens are never bound to client addresses, so a non-empty `token_bound_cidrs` / `bound_cidrs`
 * is refused with a 400 rather than stored and not enforced (an empty list is accepted: Terraform
 * always sends one). Roles are read from storage on every use (never cached), so a role written on
 * one replica is in force on all of them at once.
 */
import type { Store } from '../../db/store/repositories.js'
import type { ExistenceCheck } from '../acl/enforce.js'
import { VaultError, badRequest, multierror } from '../vault/errors.js'
import { decodeBool, decodeDuration, decodeInt, decodeString, decodeStringList } from '../vault/field-decode.js'
import { removeDuplicates, sanitizePolicies } from './token-request.js'

/** A role as stored and read back (Vault's `tsRoleEntry`); durations in seconds. */
export interface TokenRole {
  name: string
  allowed_policies: string[]
  disallowed_policies: string[]
  allowed_policies_glob: string[]
  disallowed_policies_glob: string[]
  /** `null` until set, as Vault reads back a role that never had it. */
  allowed_entity_aliases: string[] | null
  orphan: boolean
  renewable: boolean
  path_suffix: string
  /** Legacy `period`: the value last written under that name (0 once `token_period` is written). */
  period: number
  /** Legacy `explicit_max_ttl`, likewise. */
  explicit_max_ttl: number
  /** Legacy `bound_cidrs` (always empty here). */
  bound_cidrs: string[]
  token_period: number
  token_explicit_max_ttl: number
  /** Always empty here (see the module comment). */
  token_bound_cidrs: string[]
  token_type: 'default-service' | 'service'
  token_no_default_policy: boolean
  token_num_uses: number
}

/** Vault's `framework.GenericNameRegex`: the names `roles/` and `create/` accept. */
const ROLE_NAME = /^\w(?:[\w\-.@]*\w)?$/

/** True when `name` is a role name Vault's paths match (other names are Vault's 404 `unsupported path`). */
export const isRoleName = (name: string): boolean => ROLE_NAME.test(name)

/** Vault's `pathSuffixSanitize` (matched anywhere in the suffix, as Go's `MatchString` does), and its text. */
const PATH_SUFFIX = /\w[\w\-.]+\w/
const PATH_SUFFIX_TEXT = '\\w[\\w-.]+\\w'

/**
 * Vault's `tokenStoreRole`: the stored role, upgraded on read as Vault does (a legacy `period`,
 * `explicit_max_ttl` or `bound_cidrs` fills the `token_*` field it predates when that is unset).
 */
export function storedRole (entry: string): TokenRole {
  const role = JSON.parse(entry) as TokenRole
  if (role.period > 0 && role.token_period === 0) role.token_period = role.period
  if (role.explicit_max_ttl > 0 && role.token_explicit_max_ttl === 0) role.token_explicit_max_ttl = role.explicit_max_ttl
  if (role.bound_cidrs.length > 0 && role.token_bound_cidrs.length === 0) role.token_bound_cidrs = role.bound_cidrs
  return role
}

/** A new role's fields: the defaults of the role path's field schemas (`renewable` true, lists empty). */
function newRole (name: string): TokenRole {
  return {
    name, allowed_policies: [], disallowed_policies: [], allowed_policies_glob: [], disallowed_policies_glob: [], allowed_entity_aliases: null,
    orphan: false, renewable: true, path_suffix: '', period: 0, explicit_max_ttl: 0, bound_cidrs: [], token_period: 0,
    token_explicit_max_ttl: 0, token_bound_cidrs: [], token_type: 'default-service', token_no_default_policy: false, token_num_uses: 0
  }
}

/** Refuses a non-empty CIDR list (vault-sync binds no token to client addresses). */
function noCidrs (list: string[] | undefined, field: string): string[] | undefined {
  if (list !== undefined && list.some((c) => c !== '')) {
    throw badRequest(`${field} is not supported by vault-sync: tokens cannot be bound to client addresses (leave it empty)`)
  }
  return list === undefined ? undefined : []
}

/**
 * The role after a write of `body` (Vault's `tokenStoreRoleCreateUpdate`): `existing` is the
 * stored role (an update: unnamed fields are kept) or undefined (a create: defaults). Resolves
 * the role and Vault's warnings (both a `token_*` field and its legacy alias given; an explicit
 * max TTL above `maxTtl`, the token store's max lease TTL).
 * @throws VaultError 400: a field of the wrong type (Vault's `Field validation failed`), Vault's
 *   texts for a bad path suffix, a negative `token_num_uses` or an unknown `token_type`; batch
 *   token types and non-empty bound CIDRs (not supported here).
 */
export function writeRole (existing: TokenRole | undefined, name: string, body: Record<string, unknown>, maxTtl: number): { role: TokenRole, warnings: string[] } {
  // The framework converts every field before the handler runs (fd.Validate): type errors first.
  const list = (field: string): string[] | undefined => body[field] === undefined ? undefined : decodeStringList(body[field], field)
  const duration = (field: string): number | undefined => decodeDuration(body[field], field)
  const given = {
    orphan: decodeBool(body.orphan, 'orphan'),
    renewable: decodeBool(body.renewable, 'renewable'),
    pathSuffix: decodeString(body.path_suffix, 'path_suffix'),
    allowed: list('allowed_policies'),
    disallowed: list('disallowed_policies'),
    allowedGlob: list('allowed_policies_glob'),
    disallowedGlob: list('disallowed_policies_glob'),
    aliases: list('allowed_entity_aliases'),
    period: duration('period'),
    explicitMaxTtl: duration('explicit_max_ttl'),
    boundCidrs: noCidrs(list('bound_cidrs'), 'bound_cidrs'),
    tokenPeriod: duration('token_period'),
    tokenExplicitMaxTtl: duration('token_explicit_max_ttl'),
    tokenBoundCidrs: noCidrs(list('token_bound_cidrs'), 'token_bound_cidrs'),
    tokenType: decodeString(body.token_type, 'token_type'),
    noDefault: decodeBool(body.token_no_default_policy, 'token_no_default_policy'),
    numUses: decodeInt(body.token_num_uses, 'token_num_uses')
  }
  const role = existing === undefined ? newRole(name) : { ...existing }
  role.orphan = given.orphan ?? role.orphan
  role.renewable = given.renewable ?? role.renewable
  if (given.pathSuffix !== undefined) {
    if (given.pathSuffix !== '' && !PATH_SUFFIX.test(given.pathSuffix)) throw badRequest(`given role path suffix contains invalid characters; must match ${PATH_SUFFIX_TEXT}`)
    role.path_suffix = given.pathSuffix
  }
  if (role.path_suffix.includes('..')) throw badRequest('error registering path suffix: path cannot contain parent references')
  if (given.allowed !== undefined) role.allowed_policies = sanitizePolicies(given.allowed)
  if (given.disallowed !== undefined) role.disallowed_policies = removeDuplicates(given.disallowed)
  if (given.allowedGlob !== undefined) role.allowed_policies_glob = sanitizePolicies(given.allowedGlob)
  if (given.disallowedGlob !== undefined) role.disallowed_policies_glob = removeDuplicates(given.disallowedGlob)
  // tokenutil.ParseTokenFields, then the role's own handling of token_type.
  if (given.tokenBoundCidrs !== undefined) role.token_bound_cidrs = given.tokenBoundCidrs
  if (given.tokenExplicitMaxTtl !== undefined) role.token_explicit_max_ttl = given.tokenExplicitMaxTtl
  if (given.noDefault !== undefined) role.token_no_default_policy = given.noDefault
  if (given.tokenPeriod !== undefined) role.token_period = given.tokenPeriod
  if (given.numUses !== undefined) {
    if (given.numUses < 0) throw badRequest("error parsing role fields: 'token_num_uses' cannot be negative")
    role.token_num_uses = given.numUses
  }
  if (given.tokenType !== undefined) {
    if (given.tokenType === 'batch' || given.tokenType === 'default-batch') throw badRequest('batch tokens are not supported by vault-sync; use service tokens')
    if (given.tokenType !== 'service' && given.tokenType !== 'default-service') throw badRequest(`invalid 'token_type' value ${JSON.stringify(given.tokenType)}`)
    role.token_type = given.tokenType
  }
  // Backwards compatibility: a token_* field wins over its legacy alias, which is then cleared.
  const warnings: string[] = []
  const both = (field: string): void => { warnings.push(`Both 'token_${field}' and deprecated '${field}' value supplied, ignoring the deprecated value`) }
  if (given.tokenPeriod === undefined) {
    if (given.period !== undefined) role.period = role.token_period = given.period
  } else {
    if (given.period !== undefined) both('period')
    role.period = 0
  }
  if (given.tokenBoundCidrs === undefined) {
    if (given.boundCidrs !== undefined) role.bound_cidrs = role.token_bound_cidrs = given.boundCidrs
  } else {
    if (given.boundCidrs !== undefined) both('bound_cidrs')
    role.bound_cidrs = []
  }
  let finalExplicitMaxTtl = role.token_explicit_max_ttl
  if (given.tokenExplicitMaxTtl === undefined) {
    if (given.explicitMaxTtl !== undefined) role.explicit_max_ttl = role.token_explicit_max_ttl = given.explicitMaxTtl
    finalExplicitMaxTtl = role.explicit_max_ttl
  } else {
    if (given.explicitMaxTtl !== undefined) both('explicit_max_ttl')
    role.explicit_max_ttl = 0
  }
  if (finalExplicitMaxTtl !== 0 && maxTtl !== 0 && finalExplicitMaxTtl > maxTtl) {
    warnings.push(`Given explicit max TTL of ${finalExplicitMaxTtl} is greater than system/mount allowed value of ${maxTtl} seconds; until this is fixed attempting to create tokens against this role will result in an error`)
  }
  if (given.aliases !== undefined) role.allowed_entity_aliases = removeDuplicates(given.aliases)
  return { role, warnings }
}

/**
 * The `data` of a role read (Vault's `tokenStoreRoleRead`), keys in Go's JSON order:
 * `bound_cidrs` and `token_bound_cidrs` only when set, `token_num_uses` only above 0.
 */
export function roleReadData (role: TokenRole): Record<string, unknown> {
  const data: Record<string, unknown> = {
    allowed_entity_aliases: role.allowed_entity_aliases,
    allowed_policies: role.allowed_policies,
    allowed_policies_glob: role.allowed_policies_glob,
    disallowed_policies: role.disallowed_policies,
    disallowed_policies_glob: role.disallowed_policies_glob,
    explicit_max_ttl: role.explicit_max_ttl,
    name: role.name,
    orphan: role.orphan,
    path_suffix: role.path_suffix,
    period: role.period,
    renewable: role.renewable,
    token_explicit_max_ttl: role.token_explicit_max_ttl,
    token_no_default_policy: role.token_no_default_policy,
    token_period: role.token_period,
    token_type: role.token_type
  }
  if (role.bound_cidrs.length > 0) data.bound_cidrs = role.bound_cidrs
  if (role.token_bound_cidrs.length > 0) data.token_bound_cidrs = role.token_bound_cidrs
  if (role.token_num_uses > 0) data.token_num_uses = role.token_num_uses
  return Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1)))
}

/**
 * The period and explicit max TTL a renewal of a token created against role `name` uses: the
 * role's current `token_period` and `token_explicit_max_ttl` (Vault's `authRenew`).
 * @throws VaultError 500 when the role is gone (Vault's `original token role "x" could not be
 *   found, not renewing`, wrapped by expiration.go's `failed to renew entry`).
 */
export async function roleRenewal (store: Store, name: string): Promise<{ period: number, explicitMaxTtl: number }> {
  const entry = await store.repos.tokenRoles.role(name)
  if (entry === undefined) throw new VaultError(500, [multierror([`failed to renew entry: original token role ${JSON.stringify(name)} could not be found, not renewing`])])
  const role = storedRole(entry)
  return { period: role.token_period, explicitMaxTtl: role.token_explicit_max_ttl }
}

/**
 * Creates the role service over `store` (Vault's `tokenStoreRole*` handlers, token_store.go);
 * `maxTtl` resolves the token store's max lease TTL in seconds (the `sysView.MaxLeaseTTL()` of
 * `tokenStoreRoleCreateUpdate`'s warning).
 */
export function createTokenRoleService ({ store, maxTtl }: { store: Store, maxTtl: () => Promise<number> }) {
  const read = async (name: string): Promise<TokenRole | undefined> => {
    const entry = await store.repos.tokenRoles.role(name)
    return entry === undefined ? undefined : storedRole(entry)
  }
  return {
    /** The role `name`, or undefined (Vault's `tokenStoreRole`). */
    read,
    /** True when the role exists (Vault's `tokenStoreRoleExistenceCheck`: a write is then an ACL `update`, else `create`). */
    exists: async (name: string): Promise<boolean> => await store.repos.tokenRoles.role(name) !== undefined,
    /** Every role name, in byte order (Vault's `tokenStoreRoleList`). */
    list: async (): Promise<string[]> => await store.repos.tokenRoles.roleNames(),
    /**
     * Creates or updates the role `name` from the request `body` (`writeRole`), in one unit of
     * work; resolves Vault's warnings.
     * @throws VaultError 400 as `writeRole`.
     */
    async write (name: string, body: Record<string, unknown>): Promise<string[]> {
      const max = await maxTtl()
      return await store.transaction(async (repos) => {
        const entry = await repos.tokenRoles.role(name)
        const { role, warnings } = writeRole(entry === undefined ? undefined : storedRole(entry), name, body, max)
        await repos.tokenRoles.putRole(name, JSON.stringify(role))
        return warnings
      })
    },
    /** Deletes the role `name`; tokens created against it stay (Vault's `tokenStoreRoleDelete`). */
    delete: async (name: string): Promise<void> => { await store.repos.tokenRoles.deleteRole(name) }
  }
}

/** The role service. */
export type TokenRoleService = ReturnType<typeof createTokenRoleService>

/**
 * The ACL existence check of `auth/token/roles/<name>` (Vault's role path has an
 * `ExistenceCheck`): a write to an existing role is `update`, to a new one `create`.
 */
export function tokenRoleExistenceCheck (exists: (name: string) => Promise<boolean>): ExistenceCheck {
  return (path) => {
    const m = /^auth\/token\/roles\/([^/]+)$/.exec(path)
    return m === null || !isRoleName(m[1]) ? undefined : exists(m[1])
  }
}
