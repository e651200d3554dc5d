/**
 * The token store (spec/vault-core-kv-api.md §4.1-4.2): the root token, authentication of
 * presented tokens, and `lookup-self` data. Ids are stored hashed (`token-ids.ts`).
 */
import type { TokenRow, TokensRepo } from '../../db/tokens-repo.js'
import type { RequestToken } from '../vault/http-plugin.js'
import { hashTokenId, newAccessor, newTokenId } from './token-ids.js'

/** The `data` of `auth/token/lookup-self` (Vault's field set for a service token). */
export interface TokenLookup {
  accessor: string
  creation_time: number
  creation_ttl: number
  display_name: string
  entity_id: string
  expire_time: string | null
  explicit_max_ttl: number
  id: string
  meta: Record<string, string> | null
  num_uses: number
  orphan: boolean
  path: string
  policies: string[]
  renewable: boolean
  ttl: number
  type: 'service'
}

export interface TokenServiceDeps {
  tokens: TokensRepo
  /** Current time in ms (injectable clock). */
  now?: () => number
}

/** Creates the token service over the `tokens` repo. */
export function createTokenService ({ tokens, now = Date.now }: TokenServiceDeps) {
  const isLive = (row: TokenRow): boolean => row.expire_time_ms === null || row.expire_time_ms > now()

  /** Finds the live entry for a presented token id, or `undefined`. */
  function find (id: string): TokenRow | undefined {
    const row = tokens.byHash(hashTokenId(id))
    return row !== undefined && isLive(row) ? row : undefined
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
      if (tokens.byHash(hashTokenId(tokenId)) !== undefined) return tokenId
      tokens.insert({
        accessor: newAccessor(),
        id_hash: hashTokenId(tokenId),
        policies: JSON.stringify(['root']),
        path: 'auth/token/root',
        display_name: 'root',
        meta: null,
        num_uses: 0,
        creation_time: Math.floor(now() / 1000),
        creation_ttl: 0,
        explicit_max_ttl: 0,
        expire_time_ms: null,
        renewable: 0,
        orphan: 1,
        parent_accessor: null
      })
      return tokenId
    },

    /** The hook's view of a token: accessor and policies, or `undefined` when unknown or expired. */
    authenticate (id: string): RequestToken | undefined {
      const row = find(id)
      return row === undefined ? undefined : { accessor: row.accessor, policies: JSON.parse(row.policies) as string[] }
    },

    /** Lookup data for the token `id` (Vault's `lookup-self`), or `undefined`. */
    lookup (id: string): TokenLookup | undefined {
      const row = find(id)
      if (row === undefined) return undefined
      const ttl = row.expire_time_ms === null ? 0 : Math.max(0, Math.round((row.expire_time_ms - now()) / 1000))
      return {
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
        policies: JSON.parse(row.policies) as string[],
        renewable: row.renewable === 1,
        ttl,
        type: 'service'
      }
    }
  }
}

export type TokenService = ReturnType<typeof createTokenService>
