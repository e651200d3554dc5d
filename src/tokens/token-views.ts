/**
 * What the token store answers (spec/vault-core-kv-api.md §4.1-4.2, Vault's `token_store.go`):
 * the `data` of a token lookup and the `auth` block of create and renew, built from a token row.
 */
import type { TokenRow } from '../../db/tokens-repo.js'

/** Whole seconds of a time in ms. */
export const seconds = (ms: number): number => Math.floor(ms / 1000)

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
  /** The token role it was created against (only then). */
  role?: string
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

/** The lookup `data` of `row` (presented as `id`, `""` by accessor) at `nowMs`. */
export function tokenLookupData (row: TokenRow, id: string, policies: string[], nowMs: number): TokenLookup {
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
    policies,
    renewable: row.renewable === 1,
    ttl: row.expire_time_ms === null ? 0 : Math.max(0, Math.round((row.expire_time_ms - nowMs) / 1000)),
    type: 'service'
  }
  if (row.expire_time_ms !== null) data.issue_time = new Date(row.creation_time * 1000).toISOString()
  if (row.period > 0) data.period = row.period
  if (row.role !== null) data.role = row.role
  if (row.last_renewal_ms !== null) {
    data.last_renewal = new Date(row.last_renewal_ms).toISOString()
    data.last_renewal_time = seconds(row.last_renewal_ms)
  }
  return data
}

/** The `auth` block answering a create or renew of `row` (id `id`) with lease `ttl` seconds. */
export function tokenAuthBlock (id: string, row: TokenRow, policies: string[], ttl: number): AuthBlock {
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
