/**
 * ACL policy path templating (`path "secret/{{identity.entity.id}}/*"`), after Vault's
 * `sdk/helper/identitytpl` (`PopulateString` in `ACLTemplating` mode) as `vault/policy.go`
 * `parsePaths` uses it:
 * - on policy write, `ValidityCheckOnly`: only the balance of `{{` / `}}` is checked, so
 *   `{{bogus.thing}}` is accepted (as in Vault); `a/{{x` or `a}}` is refused with
 *   `failed to validate policy templating: unbalanced templating characters`;
 * - when a token's ACL is built, each templated path is populated and a path whose population
 *   fails is dropped (`parsePaths`: `PopulateString` error → `continue`).
 *
 * vault-sync has no identity store: its tokens carry no entity and no groups. So, exactly as
 * Vault builds the ACL of an entity-less token, every path using `identity.entity.*` or
 * `identity.groups.*` (or an unknown directive) is dropped and matches nothing: the default
 * policy's `identity/entity/id/{{identity.entity.id}}` grants nothing, and a request for the
 * literal text `{{identity.entity.id}}` is not matched by it. `time.now[.plus|.minus.<dur>]`
 * needs no entity: Vault substitutes the Unix time (at each request, the ACL being rebuilt per
 * request), and so does `Acl` here.
 */
import { parseDurationNs } from '../vault/duration.js'

/** Vault's `identitytpl.ErrUnbalancedTemplatingCharacter`. */
const UNBALANCED = 'unbalanced templating characters'

/** Go's `strings.SplitN(s, sep, n)`. */
function splitN (s: string, sep: string, n: number): string[] {
  const parts = s.split(sep)
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)]
}

/**
 * `PopulateString` with `ValidityCheckOnly` (identitytpl): the error text for unbalanced
 * templating characters, or `undefined` when the path is valid (templated or not).
 */
export function templatingError (path: string): string | undefined {
  const parts = path.split('{{')
  if (parts[0].includes('}}')) return UNBALANCED
  return parts.slice(1).some((p) => p.split('}}').length !== 2) ? UNBALANCED : undefined
}

/** True when `path` uses templating (has a `{{` directive). */
export const isTemplated = (path: string): boolean => path.includes('{{')

/** identitytpl `performTimeTemplating`: `now`, `now.plus.<dur>`, `now.minus.<dur>` → Unix seconds. */
function timeDirective (selector: string, nowNs: bigint): string | undefined {
  const ops = splitN(selector, '.', 3)
  if (ops[0] !== 'now' || ops.length === 2) return undefined
  let result = nowNs
  if (ops.length === 3) {
    let duration: bigint
    try {
      duration = parseDurationNs(ops[2])
    } catch {
      return undefined
    }
    if (ops[1] === 'plus') result += duration
    else if (ops[1] === 'minus') result -= duration
    else return undefined
  }
  // Go's Time.Unix(): seconds rounded toward negative infinity.
  const seconds = result / 1_000_000_000n - (result % 1_000_000_000n < 0n ? 1n : 0n)
  return seconds.toString()
}

/** One directive for a token without entity or groups (identitytpl `performTemplating`). */
function directive (input: string, nowNs: bigint): string | undefined {
  if (input.startsWith('time.')) return timeDirective(input.slice('time.'.length), nowNs)
  // identity.entity.* (no entity), identity.groups.* (no groups), anything else: an error.
  return undefined
}

/**
 * `PopulateString` in ACL mode for one of vault-sync's tokens (no entity, no groups) at
 * `nowNs` (Unix nanoseconds): the populated path, or `undefined` when Vault's population
 * fails and the path is dropped from the ACL (identity directives, unknown directives,
 * unbalanced braces, a wildcard in a template's output).
 */
export function populatePolicyPath (path: string, nowNs: bigint): string | undefined {
  const parts = path.split('{{')
  if (parts[0].includes('}}')) return undefined
  let out = parts[0]
  for (const str of parts.slice(1)) {
    const piece = str.split('}}')
    if (piece.length !== 2) return undefined
    const value = directive(piece[0].trim(), nowNs)
    if (value === undefined || /[*+]/.test(value)) return undefined
    out += value + piece[1]
  }
  return out
}

/** The current Unix time in nanoseconds (millisecond precision). */
export const unixNowNs = (): bigint => BigInt(Date.now()) * 1_000_000n
