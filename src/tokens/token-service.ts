/**
 * The token store (spec/vault-core-kv-api.md §4.1-4.2, Vault's `token_store.go`): the root
 * token, authentication of presented tokens (expiry, revoked or expired ancestors, use counts),
 * create, lookup, renew, revoke and the list of live accessors. Ids are stored hashed (`token-ids.ts`); revoking a token
 * deletes its row and, by the `parent_accessor` cascade, all its descendants.
 *
 * On the async `Store` (issue 18): every operation resolves; token rows are read through a cache
 * and `peekAuthenticate` answers a cached live token synchronously (the request pipeline's hot
 * path). Limited-use tokens are counted with `tokens.useOnce` (one statement), the last use
 * revoking the token in the same unit of work.
 */
import type { TokenRow } from '../../db/tokens-repo.js'
import { cacheAsyncRepoReads } from '../../db/cached-repo.js'
import { MISS, type ChangeCheck, type Miss } from '../../db/read-cache.js'
import type { Store } from '../../db/store/repositories.js'
import type { RequestToken } from '../vault/http-plugin.js'
import { badRequest } from '../vault/errors.js'
import { hashTokenId, newAccessor, newTokenId } from './token-ids.js'
import { seconds, tokenAuthBlock, tokenLookupData, type AuthBlock, type TokenLookup } from './token-views.js'
import { createdTokenRow, createTerms, type CreateContext } from './token-create-terms.js'
import { renewalTtl } from './token-renewal-ttl.js'
import { SYSTEM_TTL_LIMITS, type CreateTokenInput, type TokenTtlLimits } from './token-request.js'
import { roleRenewal } from './token-roles.js'

export interface TokenServiceDeps {
  store: Store
  /** True when a policy of that name exists (for the `Policy "x" does not exist` warning). */
  policyExists?: (name: string) => boolean | Promise<boolean>
  /** Current time in ms (injectable clock). */
  now?: () => number
  /** The TTL limits in force (`sys/auth/token/tune`); Vault's 768h/768h when absent. */
  limits?: () => TokenTtlLimits | Promise<TokenTtlLimits>
  /**
   * The stored form of a token id: the keyed hash of its SHA-256 (`crypto/keyed-hash.ts`);
   * the plain SHA-256 when not given (unit tests of the service alone).
   */
  idHash?: (id: string) => string
  /**
   * Token rows are read through a cache by hash and accessor (`db/read-cache.ts`) over it,
   * forgotten on this service's writes (use counts are written only for limited tokens) and
   * when another connection or replica commits.
   */
  changes: ChangeCheck
}

/** Creates the token service over `store`'s `tokens` repository. */
export function createTokenService ({ store, policyExists = () => true, now = Date.now, limits = () => SYSTEM_TTL_LIMITS, idHash = hashTokenId, changes }: TokenServiceDeps) {
  // `count` and `liveAccessors` read through to storage: never cached, and they forget nothing.
  const tokens = cacheAsyncRepoReads(store.repos.tokens, changes, ['byHash', 'byAccessor'], ['count', 'liveAccessors'])
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
  async function live (row: TokenRow | undefined, pending = false): Promise<TokenRow | undefined> {
    // num_uses -1: on its final use, pending revocation (Vault's tokenRevocationPending): no other
    // request authenticates with it; only the lookup of that request sees it (`pending`).
    if (row !== undefined && row.num_uses < 0 && !pending) return undefined
    for (let r = row; r !== undefined; r = r.parent_accessor === null ? undefined : await tokens.byAccessor(r.parent_accessor)) {
      if (expired(r)) {
        await tokens.deleteByAccessor(r.accessor)
        return undefined
      }
    }
    return row
  }
  /**
   * `live` answered from the cache alone: the row when it and its ancestors are cached and live,
   * undefined when the token is cached as unknown, `MISS` otherwise (a row to load, or an expired
   * token to revoke: then await `live`).
   */
  function peekLive (row: TokenRow | undefined | Miss): TokenRow | undefined | Miss {
    if (row !== MISS && row !== undefined && row.num_uses < 0) return undefined
    for (let r = row; r !== undefined; r = r.parent_accessor === null ? undefined : tokens.peek('byAccessor', r.parent_accessor)) {
      if (r === MISS || expired(r)) return MISS
    }
    return row
  }
  const find = async (id: string, pending = false): Promise<TokenRow | undefined> => await live(await tokens.byHash(idHash(id)), pending)
  /**
   * Accessors of authenticated tokens with unlimited uses: a token's `num_uses` is set at
   * creation and only counts down, so 0 stays 0 (and accessors are never reused).
   */
  const unlimited = new Set<string>()
  /** The request entry of each token row `authenticate` answered for (rows from the cache are shared). */
  const entries = new WeakMap<TokenRow, RequestToken>()
  /** The request entry of a live row; one per (cached) row, shared by its requests: callers must not change it. */
  function entryOf (row: TokenRow | undefined): RequestToken | undefined {
    if (row === undefined) return undefined
    let entry = entries.get(row)
    if (entry === undefined) {
      if (row.num_uses === 0) {
        if (unlimited.size >= 10_000) unlimited.clear()
        unlimited.add(row.accessor)
      }
      entry = { accessor: row.accessor, policies: policiesOf(row), displayName: row.display_name }
      entries.set(row, entry)
    }
    return entry
  }

  /**
   * Renews a live `row` (see `renew`); `id` is the answer's `client_token`.
   * @throws VaultError 400 `lease is not renewable` (non-renewable or never-expiring tokens).
   */
  async function renewRow (row: TokenRow, id: string, increment: number): Promise<{ auth: AuthBlock, warnings: string[] }> {
    if (row.renewable !== 1 || row.expire_time_ms === null) throw badRequest('lease is not renewable')
    // A token created against a role renews by the role's current period and explicit max TTL (Vault's authRenew).
    const lasting = row.role === null ? { period: row.period, explicitMaxTtl: row.explicit_max_ttl } : await roleRenewal(store, row.role)
    const t = now()
    const { maxTtl } = await limits()
    const { ttl, warnings } = renewalTtl(row, lasting, increment, maxTtl, seconds(t))
    await tokens.updateRenewal(row.accessor, t + ttl * 1000, t)
    return { auth: authBlock(id, { ...row, expire_time_ms: t + ttl * 1000 }, ttl), warnings }
  }

  const lookupData = (row: TokenRow, id: string): TokenLookup => tokenLookupData(row, id, policiesOf(row), now())
  const authBlock = (id: string, row: TokenRow, ttl: number): AuthBlock => tokenAuthBlock(id, row, policiesOf(row), ttl)

  return {
    /** True when the store holds at least one token (a database past its first start). */
    hasTokens: async (): Promise<boolean> => await tokens.count() > 0,

    /**
     * Creates a root token (policies `["root"]`, no TTL, orphan) with `id` or a new `hvs.` id,
     * unless a token with that id already exists. Returns the id.
     */
    async ensureRootToken (id?: string): Promise<string> {
      const tokenId = id ?? newTokenId()
      if (await tokens.byHash(idHash(tokenId)) !== undefined) return tokenId
      await tokens.insert({
        accessor: newAccessor(), id_hash: idHash(tokenId), policies: JSON.stringify(['root']), path: 'auth/token/root',
        display_name: 'root', meta: null, num_uses: 0, creation_time: seconds(now()), creation_ttl: 0, explicit_max_ttl: 0,
        expire_time_ms: null, renewable: 0, orphan: 1, parent_accessor: null, period: 0, last_renewal_ms: null, role: null
      })
      return tokenId
    },

    /** The hook's view of a live token, or `undefined` when unknown, expired or revoked. */
    authenticate: async (id: string): Promise<RequestToken | undefined> => entryOf(await find(id)),

    /**
     * `authenticate` answered synchronously from the token cache (no promise, no storage call),
     * or `MISS` when a row is not cached or the token expired (then await `authenticate`).
     */
    peekAuthenticate (id: string): RequestToken | undefined | Miss {
      const row = peekLive(tokens.peek('byHash', idHash(id)))
      return row === MISS ? MISS : entryOf(row)
    },

    /**
     * Counts one use of a limited-use token before its request is handled (Vault's
     * `CheckToken` -> `UseToken`, request_handling.go), in one statement (`tokens.useOnce`), so a
     * token with N uses is honoured exactly N times, also by concurrent requests and replicas.
     * Resolves `ok`; `last` when this request is the final use (the token is now pending
     * revocation, num_uses -1: no other request authenticates with it; `revokeSpent` deletes it
     * once the response is out); `spent` when no use was left (the request must be refused).
     * Undefined (nothing to await) for a token known to have unlimited uses (the KV read path).
     */
    useToken (accessor: string): Promise<'ok' | 'last' | 'spent'> | undefined {
      if (unlimited.has(accessor)) return undefined
      const row = tokens.peek('byAccessor', accessor)
      if (row !== MISS && row !== undefined && row.num_uses === 0) return undefined
      return store.transaction(async () => {
        const known = row !== MISS ? row : await tokens.byAccessor(accessor)
        if (known === undefined) return 'spent'
        if (known.num_uses === 0) return 'ok'
        // A write through the cache: the cached row (its use count) is forgotten.
        const left = await tokens.useOnce(accessor)
        if (left === undefined) return 'spent'
        if (left > 0) return 'ok'
        await tokens.setNumUses(accessor, -1)
        return 'last'
      })
    },

    /** Revokes a token whose final use (`useToken` -> `last`) has been answered, with its descendants. */
    async revokeSpent (accessor: string): Promise<void> {
      await store.transaction(async () => { await tokens.deleteByAccessor(accessor) })
    },

    /**
     * `auth/token/create[-orphan]` (or `create/<role>`, `ctx.role`) by the token `parentId`:
     * resolves policies and TTL, stores the new token (its id only hashed) and answers the
     * `auth` block and warnings.
     * @throws VaultError 400 with Vault's texts (a parent with limited uses, subset, root,
     *   sudo-only fields, a lasting root token from an expiring parent, duplicate id).
     */
    async create (parentId: string, input: CreateTokenInput, ctx: CreateContext): Promise<{ auth: AuthBlock, warnings: string[] }> {
      const parent = await find(parentId)
      // On its final use a limited token is pending revocation: `find` does not see it (Vault's Lookup).
      if (parent === undefined) throw badRequest('parent token lookup failed: no parent found')
      const terms = await createTerms(parent, policiesOf, input, ctx, limits)
      const id = input.id ?? newTokenId()
      if (await tokens.byHash(idHash(id)) !== undefined) throw badRequest('cannot create a token with a duplicate ID')
      const created = now()
      const row = createdTokenRow(terms, parent, input, ctx, { accessor: newAccessor(), idHash: idHash(id), created })
      await tokens.insert(row)
      const { warnings } = terms
      for (const p of terms.policies) if (p !== 'default' && p !== 'root' && !await policyExists(p)) warnings.push(`Policy ${JSON.stringify(p)} does not exist`)
      return { auth: authBlock(id, row, terms.ttl), warnings }
    },

    /**
     * Lookup data for the token `id`, or `undefined`. A token on its final use (num_uses -1,
     * pending revocation) is still found, as Vault's handleLookup looks up tainted tokens.
     */
    async lookup (id: string): Promise<TokenLookup | undefined> {
      const row = await find(id, true)
      return row === undefined ? undefined : lookupData(row, id)
    },

    /** Lookup data by accessor (`id` is `""`), or `undefined`. */
    async lookupAccessor (accessor: string): Promise<TokenLookup | undefined> {
      const row = await live(await tokens.byAccessor(accessor))
      return row === undefined ? undefined : lookupData(row, '')
    },

    /**
     * The accessors of every live token (not expired, no expired ancestor), sorted: Vault's
     * `LIST auth/token/accessors` (Vault API docs, Token auth method, "List accessors";
     * spec/vault-core-kv-api.md §4.2). Read from storage on every call, never from the row
     * cache, so tokens that other processes or replicas created or revoked are seen at once.
     */
    async listAccessors (): Promise<string[]> {
      return (await tokens.liveAccessors(now())).sort()
    },

    /**
     * Renews the token `id` by `increment` seconds (0 = its creation TTL; periodic tokens by
     * their period), capped at creation + min(max TTL, explicit_max_ttl) for non-periodic tokens.
     * @throws VaultError 400 `lease is not renewable` (non-renewable or never-expiring tokens).
     */
    async renew (id: string, increment: number, notFound = 'invalid token'): Promise<{ auth: AuthBlock, warnings: string[] }> {
      const row = await find(id)
      if (row === undefined) throw badRequest(notFound)
      return await renewRow(row, id, increment)
    },

    /**
     * `auth/token/renew-accessor` (Vault's handleUpdateRenewAccessor): renews the token with
     * `accessor` as `renew` does; the answer's `client_token` is `""`, as Vault strips it.
     * @throws VaultError 400 `invalid accessor` when unknown; as `renew` otherwise.
     */
    async renewAccessor (accessor: string, increment: number): Promise<{ auth: AuthBlock, warnings: string[] }> {
      const row = await live(await tokens.byAccessor(accessor))
      if (row === undefined) throw badRequest('invalid accessor')
      return await renewRow(row, '', increment)
    },

    /** Revokes the token `id` and its descendants; an unknown id is not an error. */
    async revoke (id: string): Promise<void> {
      const row = await tokens.byHash(idHash(id))
      if (row !== undefined) await tokens.deleteByAccessor(row.accessor)
    },

    /**
     * `auth/token/revoke-orphan` (sudo; Vault's handleRevokeOrphan): revokes the token `id` only;
     * its children become orphans (no parent) and stay valid.
     * @throws VaultError 400 `token to revoke not found` for an unknown or expired id.
     */
    async revokeOrphan (id: string): Promise<void> {
      // Vault's handleRevokeOrphan looks the token up first (unlike revoke, which answers 204).
      const row = await live(await tokens.byHash(idHash(id)))
      if (row === undefined) throw badRequest('token to revoke not found')
      await store.transaction(async () => {
        await tokens.orphanChildren(row.accessor)
        await tokens.deleteByAccessor(row.accessor)
      })
    },

    /**
     * Revokes the token with `accessor` and its descendants.
     * @throws VaultError 400 `invalid accessor` when unknown.
     */
    async revokeAccessor (accessor: string): Promise<void> {
      if (await live(await tokens.byAccessor(accessor)) === undefined) throw badRequest('invalid accessor')
      await tokens.deleteByAccessor(accessor)
    }
  }
}

export type { AuthBlock, TokenLookup }
export type TokenService = ReturnType<typeof createTokenService>
