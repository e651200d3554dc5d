/**
 * The token store (spec/vault-core-kv-api.md §4.1-4.2, Vault's `token_store.go`): the root
 * token, authentication of presented tokens (expiry, revoked or expired ancestors, use counts),
 * create, lookup, renew and revoke. Ids are stored hashed (`token-ids.ts`); revoking a token
 * deletes its row and, by the `parent_accessor` cascade, all its descendants.
 */
import type { TokenRow, TokensRepo } from '../../db/tokens-repo.js'
import { cacheRepoReads, type ChangeCheck } from '../../db/read-cache.js'
import type { RequestToken } from '../vault/http-plugin.js'
import { badRequest } from '../vault/errors.js'
import { hashTokenId, newAccessor, newTokenId } from './token-ids.js'
import { SYSTEM_TTL_LIMITS, resolvePolicies, resolveTtl, ttlCapWarning, type CreateTokenInput, type TokenTtlLimits } from './token-request.js'

/** The `data` of a token lookup (Vault's field set for a service token). */
export interface TokenLookup {
  accessor: string
  creation_time: number
  creation_ttl: number
  display_name: string
  entity_id: string
  expire_time: string | null
  explicit_max_ttl: number
  id: string
  issue_time?: string
  last_renewal?: string
  last_renewal_time?: number
  meta: Record<string, string> | null
  num_uses: number
  orphan: boolean
  path: string
  period?: number
  policies: string[]
  renewable: boolean
  ttl: number
  type: 'service'
}

/** The `auth` block of create and renew responses (§4.2). */
export interface AuthBlock {
  client_token: string
  accessor: string
  policies: string[]
  token_policies: string[]
  metadata: Record<string, string> | null
  lease_duration: number
  renewable: boolean
  entity_id: string
  token_type: 'service'
  orphan: boolean
  mfa_requirement: null
  num_uses: number
}

/** How the caller creates: endpoint path, whether the parent is root/sudo there. */
export interface CreateContext { path: 'auth/token/create' | 'auth/token/create-orphan', isSudo: boolean }

export interface TokenServiceDeps {
  tokens: TokensRepo
  /** True when a policy of that name exists (for the `Policy "x" does not exist` warning). */
  policyExists?: (name: string) => boolean
  /** Current time in ms (injectable clock). */
  now?: () => number
  /** The TTL limits in force (`sys/auth/token/tune`); Vault's 768h/768h when absent. */
  limits?: () => TokenTtlLimits
  /**
   * The stored form of a token id: the keyed hash of its SHA-256 (`crypto/keyed-hash.ts`);
   * the plain SHA-256 when not given (unit tests of the service alone).
   */
  idHash?: (id: string) => string
  /**
   * With it, token rows are read through a cache by hash and accessor (`db/read-cache.ts`),
   * forgotten on this service's writes (use counts are written only for limited tokens) and
   * when another connection commits.
   */
  changes?: ChangeCheck
}

const seconds = (ms: number): number => Math.floor(ms / 1000)

/** Creates the token service over the `tokens` repo. */
export function createTokenService ({ tokens: repo, policyExists = () => true, now = Date.now, limits = () => SYSTEM_TTL_LIMITS, idHash = hashTokenId, changes }: TokenServiceDeps) {
  const tokens = changes === undefined ? repo : cacheRepoReads(repo, changes, ['byHash', 'byAccessor'], ['count'])
  const expired = (row: TokenRow): boolean => row.expire_time_ms !== null && row.expire_time_ms <= now()
  // Rows may come from the cache: their parsed policies are kept with them (a fresh copy each call).
  const parsedPolicies = new WeakMap<TokenRow, string[]>()
  const policiesOf = (row: TokenRow): string[] => {
    let p = parsedPolicies.get(row)
    if (p === undefined) { p = JSON.parse(row.policies) as string[]; parsedPolicies.set(row, p) }
    return [...p]
  }

  /**
   * `row` when it and all its ancestors are live, else `undefined`. An expired token, or one
   * with an expired ancestor, is revoked on the spot with its descendants (Vault's expiration
   * manager revokes a token's tree).
   */
  function live (row: TokenRow | undefined): TokenRow | undefined {
    for (let r = row; r !== undefined; r = r.parent_accessor === null ? undefined : tokens.byAccessor(r.parent_accessor)) {
      if (expired(r)) {
        tokens.deleteByAccessor(r.accessor)
        return undefined
      }
    }
    return row
  }
  const find = (id: string): TokenRow | undefined => live(tokens.byHash(idHash(id)))
  /** The request entry of each token row `authenticate` answered for (rows from the cache are shared). */
  const entries = new WeakMap<TokenRow, RequestToken>()

  function remainingTtl (row: TokenRow): number {
    return row.expire_time_ms === null ? 0 : Math.max(0, Math.round((row.expire_time_ms - now()) / 1000))
  }

  function lookupData (row: TokenRow, id: string): TokenLookup {
    const data: TokenLookup = {
      accessor: row.accessor,
      creation_time: row.creation_time,
      creation_ttl: row.creation_ttl,
      display_name: row.display_name,
      entity_id: '',
      expire_time: row.expire_time_ms === null ? null : new Date(row.expire_time_ms).toISOString(),
      explicit_max_ttl: row.explicit_max_ttl,
      id,
      meta: row.meta === null ? null : JSON.parse(row.meta) as Record<string, string>,
      num_uses: row.num_uses,
      orphan: row.orphan === 1,
      path: row.path,
      policies: policiesOf(row),
      renewable: row.renewable === 1,
      ttl: remainingTtl(row),
      type: 'service'
    }
    if (row.expire_time_ms !== null) data.issue_time = new Date(row.creation_time * 1000).toISOString()
    if (row.period > 0) data.period = row.period
    if (row.last_renewal_ms !== null) {
      data.last_renewal = new Date(row.last_renewal_ms).toISOString()
      data.last_renewal_time = seconds(row.last_renewal_ms)
    }
    return data
  }

  function authBlock (id: string, row: TokenRow, ttl: number): AuthBlock {
    const policies = policiesOf(row)
    return {
      client_token: id,
      accessor: row.accessor,
      policies,
      token_policies: policies,
      metadata: row.meta === null ? null : JSON.parse(row.meta) as Record<string, string>,
      lease_duration: ttl,
      renewable: row.renewable === 1 && ttl > 0,
      entity_id: '',
      token_type: 'service',
      orphan: row.orphan === 1,
      mfa_requirement: null,
      num_uses: row.num_uses
    }
  }

  return {
    /** True when the store holds at least one token (a database past its first start). */
    hasTokens: (): boolean => tokens.count() > 0,

    /**
     * Creates a root token (policies `["root"]`, no TTL, orphan) with `id` or a new `hvs.` id,
     * unless a token with that id already exists. Returns the id.
     */
    ensureRootToken (id?: string): string {
      const tokenId = id ?? newTokenId()
      if (tokens.byHash(idHash(tokenId)) !== undefined) return tokenId
      tokens.insert({
        accessor: newAccessor(), id_hash: idHash(tokenId), policies: JSON.stringify(['root']), path: 'auth/token/root',
        display_name: 'root', meta: null, num_uses: 0, creation_time: seconds(now()), creation_ttl: 0, explicit_max_ttl: 0,
        expire_time_ms: null, renewable: 0, orphan: 1, parent_accessor: null, period: 0, last_renewal_ms: null
      })
      return tokenId
    },

    /** The hook's view of a live token, or `undefined` when unknown, expired or revoked. */
    authenticate (id: string): RequestToken | undefined {
      const row = find(id)
      if (row === undefined) return undefined
      // One entry per (cached) row, shared by its requests: callers must not change it.
      let entry = entries.get(row)
      if (entry === undefined) {
        entry = { accessor: row.accessor, policies: policiesOf(row), displayName: row.display_name }
        entries.set(row, entry)
      }
      return entry
    },

    /** Counts one use of a token with `num_uses`; the last use revokes it (after this request). */
    recordUse (accessor: string): void {
      const row = tokens.byAccessor(accessor)
      if (row === undefined || row.num_uses === 0) return
      if (row.num_uses === 1) tokens.deleteByAccessor(accessor)
      else tokens.setNumUses(accessor, row.num_uses - 1)
    },

    /**
     * `auth/token/create[-orphan]` by the token `parentId`: resolves policies and TTL, stores
     * the new token (its id only hashed) and answers the `auth` block and warnings.
     * @throws VaultError 400 with Vault's texts (subset, root, sudo-only fields, duplicate id).
     */
    create (parentId: string, input: CreateTokenInput, ctx: CreateContext): { auth: AuthBlock, warnings: string[] } {
      const parent = find(parentId)
      if (parent === undefined) throw badRequest('parent token lookup failed: no parent found')
      const parentPolicies = policiesOf(parent)
      if (input.id !== undefined && !ctx.isSudo) throw badRequest('root or sudo privileges required to specify token id')
      if (input.noParent && !ctx.isSudo) throw badRequest('root or sudo privileges required to create orphan token')
      if (input.period > 0 && !ctx.isSudo) throw badRequest('root or sudo privileges required to create periodic token')
      const id = input.id ?? newTokenId()
      if (tokens.byHash(idHash(id)) !== undefined) throw badRequest('cannot create a token with a duplicate ID')
      const policies = resolvePolicies(parentPolicies, input, ctx.isSudo)
      const { ttl, explicitMaxTtl, warnings } = resolveTtl(input, policies, limits())
      const orphan = ctx.path === 'auth/token/create-orphan' || input.noParent
      const created = now()
      const row: TokenRow = {
        accessor: newAccessor(), id_hash: idHash(id), policies: JSON.stringify(policies), path: ctx.path,
        display_name: input.displayName, meta: input.meta === null ? null : JSON.stringify(input.meta), num_uses: input.numUses,
        creation_time: seconds(created), creation_ttl: ttl, explicit_max_ttl: explicitMaxTtl,
        expire_time_ms: ttl === 0 ? null : created + ttl * 1000, renewable: input.renewable ? 1 : 0, orphan: orphan ? 1 : 0,
        parent_accessor: orphan ? null : parent.accessor, period: input.period, last_renewal_ms: null
      }
      tokens.insert(row)
      for (const p of policies) if (p !== 'default' && p !== 'root' && !policyExists(p)) warnings.push(`Policy ${JSON.stringify(p)} does not exist`)
      return { auth: authBlock(id, row, ttl), warnings }
    },

    /** Lookup data for the token `id`, or `undefined`. */
    lookup (id: string): TokenLookup | undefined {
      const row = find(id)
      return row === undefined ? undefined : lookupData(row, id)
    },

    /** Lookup data by accessor (`id` is `""`), or `undefined`. */
    lookupAccessor (accessor: string): TokenLookup | undefined {
      const row = live(tokens.byAccessor(accessor))
      return row === undefined ? undefined : lookupData(row, '')
    },

    /**
     * Renews the token `id` by `increment` seconds (0 = its creation TTL; periodic tokens by
     * their period), capped at creation + min(max TTL, explicit_max_ttl) for non-periodic tokens.
     * @throws VaultError 400 `lease is not renewable` (non-renewable or never-expiring tokens).
     */
    renew (id: string, increment: number): { auth: AuthBlock, warnings: string[] } {
      const row = find(id)
      if (row === undefined) throw badRequest('invalid token')
      if (row.renewable !== 1 || row.expire_time_ms === null) throw badRequest('lease is not renewable')
      const t = now()
      const warnings: string[] = []
      let ttl = row.period > 0 ? row.period : increment > 0 ? increment : row.creation_ttl
      const { maxTtl } = limits()
      const maxTotal = row.period > 0 ? row.explicit_max_ttl : Math.min(maxTtl, row.explicit_max_ttl > 0 ? row.explicit_max_ttl : maxTtl)
      if (maxTotal > 0) {
        const left = Math.max(0, row.creation_time + maxTotal - seconds(t))
        if (ttl > left) {
          warnings.push(ttlCapWarning(ttl, left))
          ttl = left
        }
      }
      tokens.updateRenewal(row.accessor, t + ttl * 1000, t)
      return { auth: authBlock(id, { ...row, expire_time_ms: t + ttl * 1000 }, ttl), warnings }
    },

    /** Revokes the token `id` and its descendants; an unknown id is not an error. */
    revoke (id: string): void {
      const row = tokens.byHash(idHash(id))
      if (row !== undefined) tokens.deleteByAccessor(row.accessor)
    },

    /**
     * Revokes the token with `accessor` and its descendants.
     * @throws VaultError 400 `invalid accessor` when unknown.
     */
    revokeAccessor (accessor: string): void {
      if (live(tokens.byAccessor(accessor)) === undefined) throw badRequest('invalid accessor')
      tokens.deleteByAccessor(accessor)
    }
  }
}

export type TokenService = ReturnType<typeof createTokenService>
