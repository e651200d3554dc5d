/**
 * The policy store (spec/vault-core-kv-api.md §4.3, Vault's `policy_store.go`): ACL policies by
 * lower-case name, the built-in `root` (not stored, cannot be written or deleted) and `default`
 * (stored on a new database, editable, not deletable), and compiled ACLs per policy set.
 */
import type { PoliciesRepo } from '../../db/policies-repo.js'
import { badRequest } from '../vault/errors.js'
import { Acl } from './acl.js'
import { DEFAULT_POLICY_RULES, DEFAULT_POLICY_TEXT } from './default-policy.js'
import type { PathRule } from './policy-rules.js'
import { parsePolicyText } from './policy-text.js'

/** A policy as the read endpoints show it. */
export interface PolicyView { name: string, raw: string }

/** Longest policy name accepted (bytes); Vault stores names as storage keys. */
export const POLICY_NAME_MAX = 256

/**
 * A policy name must be usable as one path segment of `sys/policies/acl/<name>`, the form the
 * canonical request path (`vault/request-target.ts`) lets through: no `/`, no `.` or `..`, no
 * control characters, at most 256 bytes.
 * @throws VaultError 400 `policy name is invalid: …` (the name is not quoted).
 */
export function checkPolicyName (name: string): void {
  if (name.includes('/') || name === '.' || name === '..') throw badRequest('policy name is invalid: it must not contain "/" or be "." or ".."')
  if (/\p{Cc}/u.test(name)) throw badRequest('policy name is invalid: it must not contain control characters')
  if (Buffer.byteLength(name) > POLICY_NAME_MAX) throw badRequest(`policy name is invalid: it is longer than ${POLICY_NAME_MAX} bytes`)
}

/** Vault's normalisation of policy names: trimmed and lower-cased. */
export const normalizePolicyName = (name: string): string => name.trim().toLowerCase()

/** Creates the policy service over the `acl_policies` repo. */
export function createPolicyService ({ policies }: { policies: PoliciesRepo }) {
  /** Compiled ACLs keyed by the sorted policy list; cleared by every write. */
  const cache = new Map<string, Acl>()
  /** The same, by the policy list object (a token's shared entry hands the same list to every request). */
  let byList = new WeakMap<readonly string[], Acl>()
  const forget = (): void => { cache.clear(); byList = new WeakMap() }

  return {
    /** Stores the `default` policy on a new database (idempotent). */
    ensureBuiltins (): void {
      if (policies.get('default') !== undefined) return
      policies.upsert({ name: 'default', raw: DEFAULT_POLICY_TEXT, rules: JSON.stringify(DEFAULT_POLICY_RULES) })
      forget()
    },

    /** Every policy name, sorted, `root` included. */
    list (): string[] {
      return [...new Set([...policies.names(), 'root'])].sort()
    },

    /** True when `name` names an existing policy (`root` always exists). */
    exists: (name: string): boolean => name === 'root' || policies.get(name) !== undefined,

    /** The policy `name` (normalised), `root` with empty text, or `undefined`. */
    read (name: string): PolicyView | undefined {
      const n = normalizePolicyName(name)
      if (n === 'root') return { name: 'root', raw: '' }
      const row = policies.get(n)
      return row === undefined ? undefined : { name: row.name, raw: row.raw }
    },

    /**
     * Parses and stores `text` as policy `name`.
     * @throws VaultError 400 `cannot update "root" policy`, or `failed to parse policy: ...`.
     */
    async write (name: string, text: string): Promise<void> {
      const n = normalizePolicyName(name)
      if (n === '') throw badRequest('policy name must be provided')
      if (n === 'root') throw badRequest('cannot update "root" policy')
      checkPolicyName(n)
      const rules = await parsePolicyText(text)
      policies.upsert({ name: n, raw: text, rules: JSON.stringify(rules) })
      forget()
    },

    /**
     * Deletes policy `name`; a missing one is not an error.
     * @throws VaultError 400 for `root` and `default`.
     */
    delete (name: string): void {
      const n = normalizePolicyName(name)
      if (n === 'root') throw badRequest('cannot delete "root" policy')
      if (n === 'default') throw badRequest('cannot delete default policy')
      policies.delete(n)
      forget()
    },

    /**
     * The ACL of a token carrying `names`: `root` bypasses every check; unknown names grant
     * nothing. Compiled once per policy set until a policy changes.
     */
    aclFor (names: readonly string[]): Acl {
      const known = byList.get(names)
      if (known !== undefined) return known
      const key = [...names].sort().join('\n')
      let acl = cache.get(key)
      if (acl === undefined) {
        const rules: PathRule[] = []
        for (const n of names) {
          const row = n === 'root' ? undefined : policies.get(n)
          if (row !== undefined) rules.push(...JSON.parse(row.rules) as PathRule[])
        }
        acl = new Acl(rules, names.includes('root'))
        cache.set(key, acl)
      }
      byList.set(names, acl)
      return acl
    }
  }
}

export type PolicyService = ReturnType<typeof createPolicyService>
