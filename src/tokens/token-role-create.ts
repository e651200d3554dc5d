/**
 * Token creation against a role (`auth/token/create/:role_name`): the `role != nil` branches of
 * Vault's `handleCreateCommon` (vault/token_store.go), used by `token-service.ts` `create`.
 * - policies: a role with `allowed_policies`, `disallowed_policies` or their `_glob` forms
 *   decides them itself (`default` added unless the request or the role says not to, or the
 *   role disallows it; the requested policies must be within the allowed ones, none of them
 *   disallowed); a role without such lists leaves them to the usual parent/subset rules;
 * - `renewable` false on the role makes every token non-renewable; `token_num_uses` caps (or
 *   sets) the uses; `token_explicit_max_ttl` and `token_period` apply, the lesser of request and
 *   role winning with Vault's warning;
 * - the token's path is `auth/token/create/<role>` plus `/<path_suffix>`; `orphan` on the role
 *   decides parenthood (the request's `no_parent` is ignored).
 */
import { badRequest } from '../vault/errors.js'
import { finalPolicies, removeDuplicates, resolvePolicies, sanitizePolicies, type CreateTokenInput } from './token-request.js'
import type { TokenRole } from './token-roles.js'

/**
 * ryanuber/go-glob v1.0.0 `Glob` (what `strutil.StrListContainsGlob` matches with): `*` matches
 * any run of characters, anywhere in the pattern; a pattern without `*` must equal the subject.
 */
export function goGlob (pattern: string, subject: string): boolean {
  if (pattern === '') return subject === ''
  if (pattern === '*') return true
  const parts = pattern.split('*')
  if (parts.length === 1) return subject === pattern
  const end = parts.length - 1
  let rest = subject
  // The leading parts in order (the first at the very start unless the pattern opens with `*`).
  for (let i = 0; i < end; i++) {
    const at = rest.indexOf(parts[i])
    if (i === 0 ? !pattern.startsWith('*') && at !== 0 : at < 0) return false
    rest = rest.slice(at + parts[i].length)
  }
  return pattern.endsWith('*') || rest.endsWith(parts[end])
}

/** `strutil.StrListContainsGlob`: one of `globs` matches `value`. */
const matchesGlob = (globs: string[], value: string): boolean => globs.some((g) => goGlob(g, value))

/** Go's `%q` of a `[]string`: `["a" "b"]`. */
const quoted = (list: string[]): string => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`

/**
 * The token's policies when created against `role` by a parent with `parent` policies
 * (`isSudo`: root, or `sudo` on the create path): the first case of `handleCreateCommon`'s
 * policy switch (token_store.go), or its other cases (`resolvePolicies`) for a role without lists.
 * @throws VaultError 400 with Vault's texts: `token policies (...) must be subset of the role's
 *   allowed policies (...) or glob policies (...)`, `token policy "x" is disallowed by this
 *   role`, and those of `resolvePolicies` / `finalPolicies`.
 */
export function rolePolicies (role: TokenRole, parent: string[], input: CreateTokenInput, isSudo: boolean): string[] {
  const { allowed_policies: allowed, disallowed_policies: disallowed, allowed_policies_glob: allowedGlob, disallowed_policies_glob: disallowedGlob } = role
  if (allowed.length + disallowed.length + allowedGlob.length + disallowedGlob.length === 0) return resolvePolicies(parent, input, isSudo)
  // Roles with allowed or disallowed lists add `default` by their own rule, not the parent's.
  const addDefault = !input.noDefaultPolicy && !role.token_no_default_policy && !disallowed.includes('default') && !matchesGlob(disallowedGlob, 'default')
  const sanitize = (names: string[]): string[] => sanitizePolicies(addDefault ? [...names, 'default'] : names)
  let policies = input.policies !== undefined && input.policies.length > 0 ? sanitize(input.policies) : []
  if (allowed.length > 0 || allowedGlob.length > 0) {
    const allowedSet = sanitize(allowed)
    if (policies.length === 0) {
      policies = allowedSet
    } else {
      const globs = sanitizePolicies(allowedGlob)
      if (policies.some((p) => !allowedSet.includes(p) && !matchesGlob(globs, p))) {
        throw badRequest(`token policies (${quoted(policies)}) must be subset of the role's allowed policies (${quoted(allowedSet)}) or glob policies (${quoted(globs)})`)
      }
    }
  } else if (policies.length === 0) {
    policies = sanitize(parent)
  }
  // `default` is disallowed only when listed explicitly (it was not added to these lists).
  const denied = removeDuplicates(disallowed)
  const deniedGlob = removeDuplicates(disallowedGlob)
  const refused = policies.find((p) => denied.includes(p) || matchesGlob(deniedGlob, p))
  if (refused !== undefined) throw badRequest(`token policy ${JSON.stringify(refused)} is disallowed by this role`)
  return finalPolicies(parent, policies, false, input.noDefaultPolicy)
}

/**
 * The request as the role amends it before the TTL is computed (`handleCreateCommon`'s
 * `if role != nil` blocks, token_store.go): `renewable` false when the
 * role's is, `token_num_uses` when the request asks for none or more, and the lesser of the
 * request's and the role's explicit max TTL and period, with Vault's warnings when both are set.
 * The period check (`root or sudo privileges required to create periodic token`) looks at the
 * request's own period, before this.
 */
export function roleTokenInput (role: TokenRole, input: CreateTokenInput): { input: CreateTokenInput, warnings: string[] } {
  const warnings: string[] = []
  const lesser = (asked: number, byRole: number, what: string): number => {
    if (byRole === 0) return asked
    if (asked === 0) return byRole
    const used = Math.min(asked, byRole)
    warnings.push(`${what} specified both during creation call and in role; using the lesser value of ${used} seconds`)
    return used
  }
  const explicitMaxTtl = lesser(input.explicitMaxTtl, role.token_explicit_max_ttl, 'Explicit max TTL')
  const period = lesser(input.period, role.token_period, 'Period')
  const numUses = role.token_num_uses !== 0 && (input.numUses === 0 || role.token_num_uses < input.numUses) ? role.token_num_uses : input.numUses
  return { input: { ...input, renewable: input.renewable && role.renewable, numUses, explicitMaxTtl, period }, warnings }
}

/**
 * The path of a token created against `role` at `path` (`auth/token/create/<role>`): its
 * `path_suffix` appended, as `handleCreateCommon` sets `te.Path` (token_store.go).
 */
export function roleTokenPath (path: string, role: TokenRole): string {
  return role.path_suffix === '' ? path : `${path}/${role.path_suffix}`
}
