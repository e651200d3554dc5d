/**
 * The terms of a new token (`auth/token/create[-orphan]` or `create/<role>`): the checks of Vault's
 * `handleCreateCommon` (token_store.go) in its order up to the TTL, with or without a role
 * (`token-role-create.ts`), as one object, and the row `token-service.ts` `create` stores of it.
 */
import type { TokenRow } from '../../db/tokens-repo.js'
import { badRequest } from '../vault/errors.js'
import { resolvePolicies, resolveTtl, type CreateTokenInput, type TokenTtlLimits } from './token-request.js'
import { rolePolicies, roleTokenInput, roleTokenPath } from './token-role-create.js'
import type { TokenRole } from './token-roles.js'
import { seconds } from './token-views.js'

/**
 * How the caller creates: endpoint path, whether the parent is root/sudo there, and the role of
 * `auth/token/create/<role>` (Vault's `role != nil` in handleCreateCommon: `token-role-create.ts`).
 */
export interface CreateContext { path: 'auth/token/create' | 'auth/token/create-orphan' | `auth/token/create/${string}`, isSudo: boolean, role?: TokenRole }

/** What a create request comes to, with or without a role: the new token's fields but its id, accessor and times. */
export interface CreateTerms {
  policies: string[]
  /** The request as the role amends it (`roleTokenInput`), or as given without a role. */
  input: CreateTokenInput
  ttl: number
  /** The explicit max TTL stored: a role token keeps the request's own (renewal reads the role's). */
  explicitMaxTtl: number
  /** The token's path (with the role's `path_suffix`). */
  path: string
  orphan: boolean
  warnings: string[]
}

/**
 * The terms of a token that `parent` (its policies read by `policiesOf`) creates with `input` as
 * `ctx` says, under the TTL limits `limits` answers (asked after the checks before the TTL).
 * @throws VaultError 400 with Vault's texts (a parent with limited uses, subset, root, sudo-only
 *   fields, a lasting root token from an expiring parent, and those of the role's lists).
 */
export async function createTerms (parent: TokenRow, policiesOf: (row: TokenRow) => string[], input: CreateTokenInput, ctx: CreateContext,
  limits: () => TokenTtlLimits | Promise<TokenTtlLimits>): Promise<CreateTerms> {
  // Vault's token_store.go handleCreateCommon: "A token with a restricted number of uses
  // cannot create a new token otherwise it could escape the restriction count."
  if (parent.num_uses > 0) throw badRequest('restricted use token cannot generate child tokens')
  // The checks in handleCreateCommon's order: id, policies, orphan, period, TTL; the duplicate id in `create`.
  if (input.id !== undefined && !ctx.isSudo) throw badRequest('root or sudo privileges required to specify token id')
  const { role } = ctx
  const policies = role === undefined ? resolvePolicies(policiesOf(parent), input, ctx.isSudo) : rolePolicies(role, policiesOf(parent), input, ctx.isSudo)
  // With a role, its `orphan` decides and the request's `no_parent` is ignored.
  if (role === undefined && input.noParent && !ctx.isSudo) throw badRequest('root or sudo privileges required to create orphan token')
  if (input.period > 0 && !ctx.isSudo) throw badRequest('root or sudo privileges required to create periodic token')
  const asked = role === undefined ? { input, warnings: [] } : roleTokenInput(role, input)
  const { ttl, explicitMaxTtl, warnings } = resolveTtl(asked.input, policies, await limits())
  warnings.unshift(...asked.warnings)
  // handleCreateCommon: TTL 0 (root without ttl, period or explicit_max_ttl) never expires; refused
  // when the parent's own TTL is not 0 (an expiring root token), and never renewable.
  if (ttl === 0 && parent.creation_ttl !== 0) throw badRequest('expiring root tokens cannot create non-expiring root tokens')
  return {
    policies,
    input: asked.input,
    ttl,
    // A role token keeps the request's own explicit max TTL and period (Vault's TokenEntry); renewal reads the role's.
    explicitMaxTtl: role === undefined ? explicitMaxTtl : input.explicitMaxTtl,
    path: role === undefined ? ctx.path : roleTokenPath(ctx.path, role),
    orphan: role?.orphan ?? (ctx.path === 'auth/token/create-orphan' || input.noParent),
    warnings
  }
}

/**
 * The row of the token `parent` creates on `terms` (`input` and `ctx` as `createTerms` had them),
 * with its new accessor, the stored hash of its id and its creation time in ms.
 */
export function createdTokenRow (terms: CreateTerms, parent: TokenRow, input: CreateTokenInput, ctx: CreateContext,
  { accessor, idHash, created }: { accessor: string, idHash: string, created: number }): TokenRow {
  const { ttl, orphan } = terms
  return {
    accessor, id_hash: idHash, policies: JSON.stringify(terms.policies), path: terms.path,
    display_name: input.displayName, meta: input.meta === null ? null : JSON.stringify(input.meta), num_uses: terms.input.numUses,
    creation_time: seconds(created), creation_ttl: ttl, explicit_max_ttl: terms.explicitMaxTtl,
    expire_time_ms: ttl === 0 ? null : created + ttl * 1000, renewable: terms.input.renewable && ttl !== 0 ? 1 : 0, orphan: orphan ? 1 : 0,
    parent_accessor: orphan ? null : parent.accessor, period: input.period, last_renewal_ms: null, role: ctx.role?.name ?? null
  }
}
