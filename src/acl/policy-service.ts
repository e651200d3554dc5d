/**
 * The policy store (spec/vault-core-kv-api.md §4.3, Vault's `policy_store.go`): ACL policies by
 * lower-case name, the built-in `root` (not stored, cannot be written or deleted) and `default`
 * (stored on a new database, editable, not deletable), Vault's other immutable names
 * (`response-wrapping`, `control-group`: refused like `root`), and compiled ACLs per policy set.
 * On the async `Store` (issue 18): every operation resolves; `peekAcl` answers a compiled ACL
 * from the cache synchronously (the request pipeline's hot path), forgotten on every policy
 * write and on other connections' or replicas' commits (`ChangeCheck`).
 */
import type { PolicyRow } from '../../db/policies-repo.js'
import { MISS, type ChangeCheck, type Miss } from '../../db/read-cache.js'
import type { Store } from '../../db/store/repositories.js'
import { badRequest } from '../vault/errors.js'
import { Acl } from './acl.js'
import { DEFAULT_POLICY_RULES, DEFAULT_POLICY_TEXT } from './default-policy.js'
import { FIXED_POLICY_TEXTS, IMMUTABLE_POLICIES } from './fixed-policies.js'
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

/** The ACL of a token carrying `names`, from the policy rows `rowOf` finds (`root` is never stored). */
export function compileAcl (names: readonly string[], rowOf: (name: string) => PolicyRow | undefined): Acl {
  const rules: PathRule[] = []
  for (const n of names) {
    const row = n === 'root' ? undefined : rowOf(n)
    if (row !== undefined) rules.push(...JSON.parse(row.rules) as PathRule[])
  }
  return new Acl(rules, names.includes('root'))
}

/**
 * A stored row with the rules this version derives from its text. Rows stored before wrapping
 * TTLs were parsed as Vault's policy.go does (only a non-zero-looking `min_wrapping_ttl` was
 * kept) are re-derived when their text mentions a wrapping TTL, so a `max_wrapping_ttl` stored
 * earlier denies unwrapped requests too; a text that no longer parses grants nothing (Vault
 * cannot load such a policy at all: `GetPolicy` fails with `failed to parse policy`).
 */
async function withCurrentRules (row: PolicyRow | undefined): Promise<PolicyRow | undefined> {
  if (row === undefined || !row.raw.includes('wrapping_ttl')) return row
  try {
    return { ...row, rules: JSON.stringify(await parsePolicyText(row.raw)) }
  } catch {
    return { ...row, rules: '[]' }
  }
}

/**
 * Compiled ACLs per policy set, forgotten on every policy write of this process and when the
 * change check (`db/read-cache.ts`) sees another connection's or replica's commit.
 */
function aclCache (changes: ChangeCheck) {
  /** Compiled ACLs keyed by the sorted policy list. */
  const cache = new Map<string, Acl>()
  /** The same, by the policy list object (a token's shared entry hands the same list to every request). */
  let byList = new WeakMap<readonly string[], Acl>()
  let version = -1
  const forget = (): void => { cache.clear(); byList = new WeakMap() }
  const keyOf = (names: readonly string[]): string => [...names].sort().join('\n')
  return {
    forget,
    keyOf,
    /** The compiled ACL of `names`, or `MISS`. */
    peek (names: readonly string[]): Acl | Miss {
      const v = changes.version()
      if (v !== version) { version = v; forget() }
      const known = byList.get(names)
      if (known !== undefined) return known
      const acl = cache.get(keyOf(names))
      if (acl === undefined) return MISS
      byList.set(names, acl)
      return acl
    },
    store (names: readonly string[], key: string, acl: Acl): void {
      if (!changes.mayStore()) return
      cache.set(key, acl)
      byList.set(names, acl)
    }
  }
}

/**
 * Creates the policy service over `store`'s `policies` repository; compiled ACLs are cached
 * (`peekAcl` answers synchronously on a hit: the request pipeline's hot path) and forgotten on
 * every write and on other connections' commits (`changes`).
 */
export function createPolicyService ({ store, changes }: { store: Store, changes: ChangeCheck }) {
  const policies = store.repos.policies
  const acls = aclCache(changes)
  const forget = acls.forget

  return {
    /** Stores the `default` policy on a new database (idempotent). */
    async ensureBuiltins (): Promise<void> {
      if (await policies.get('default') !== undefined) return
      await policies.upsert({ name: 'default', raw: DEFAULT_POLICY_TEXT, rules: JSON.stringify(DEFAULT_POLICY_RULES) })
      forget()
    },

    /** Every policy name, sorted, `root` included. */
    async list (): Promise<string[]> {
      return [...new Set([...await policies.names(), 'root'])].sort()
    },

    /** True when `name` names an existing policy (`root` always exists). */
    exists: async (name: string): Promise<boolean> => name === 'root' || await policies.get(name) !== undefined,

    /**
     * The policy `name` (normalised), `root` with empty text, Vault's fixed texts of
     * `response-wrapping` and `control-group`, or `undefined`.
     */
    async read (name: string): Promise<PolicyView | undefined> {
      const n = normalizePolicyName(name)
      if (n === 'root') return { name: 'root', raw: '' }
      const fixed = Object.hasOwn(FIXED_POLICY_TEXTS, n) ? FIXED_POLICY_TEXTS[n] : undefined
      if (fixed !== undefined) return { name: n, raw: fixed }
      const row = await policies.get(n)
      return row === undefined ? undefined : { name: row.name, raw: row.raw }
    },

    /**
     * Parses and stores `text` as policy `name`: parsed first, then the name checked against
     * the immutable ones, as Vault's `handlePoliciesSet` (`ParseACLPolicy`) then `SetPolicy` do.
     * @throws VaultError 400 `failed to parse policy: ...`, or `cannot update "<name>" policy`
     *   for `root`, `response-wrapping` and `control-group`.
     */
    async write (name: string, text: string): Promise<void> {
      const n = normalizePolicyName(name)
      if (n === '') throw badRequest('policy name must be provided')
      checkPolicyName(n)
      const rules = await parsePolicyText(text)
      if (IMMUTABLE_POLICIES.includes(n)) throw badRequest(`cannot update ${JSON.stringify(n)} policy`)
      forget()
      await policies.upsert({ name: n, raw: text, rules: JSON.stringify(rules) })
      forget()
    },

    /**
     * Deletes policy `name`; a missing one is not an error (Vault's `DeletePolicy`).
     * @throws VaultError 400 `cannot delete "<name>" policy` for `root`, `response-wrapping`
     *   and `control-group`, `cannot delete default policy`.
     */
    async delete (name: string): Promise<void> {
      const n = normalizePolicyName(name)
      if (IMMUTABLE_POLICIES.includes(n)) throw badRequest(`cannot delete ${JSON.stringify(n)} policy`)
      if (n === 'default') throw badRequest('cannot delete default policy')
      forget()
      await policies.delete(n)
      forget()
    },

    /** `aclFor` answered synchronously from the compiled cache, or `MISS` (then await `aclFor`). */
    peekAcl: (names: readonly string[]): Acl | Miss => acls.peek(names),

    /**
     * The ACL of a token carrying `names`: `root` bypasses every check; unknown names grant
     * nothing. Compiled once per policy set until a policy changes.
     */
    async aclFor (names: readonly string[]): Promise<Acl> {
      const known = acls.peek(names)
      if (known !== MISS) return known
      const key = acls.keyOf(names)
      const rows = new Map<string, PolicyRow | undefined>()
      for (const n of names) if (n !== 'root') rows.set(n, await withCurrentRules(await policies.get(n)))
      const acl = compileAcl(names, (n) => rows.get(n))
      // Kept only when no policy changed while the rows loaded.
      if (acls.peek(names) === MISS) acls.store(names, key, acl)
      return acl
    }
  }
}

export type PolicyService = ReturnType<typeof createPolicyService>
