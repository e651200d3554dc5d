/**
 * The TTL a token renewal grants (`token-service.ts` `renew` and `renewAccessor`): the period of a
 * periodic token, else the increment asked (0: the token's creation TTL), capped for what is left
 * of creation + min(max TTL, explicit max TTL), or of the explicit max TTL for a periodic token.
 */
import type { TokenRow } from '../../db/tokens-repo.js'
import { cappedPeriod, ttlCapWarning } from './token-request.js'

/**
 * The TTL, in seconds, a renewal of `row` by `increment` grants at `nowSeconds`, with `period` and
 * `explicitMaxTtl` as the token (or its role) has them now and the max TTL `maxTtl` in force
 * (a period above the effective max TTL is capped first, as at creation); a cap comes with
 * `framework.CalculateTTL`'s warning.
 */
export function renewalTtl (row: TokenRow, { period, explicitMaxTtl }: { period: number, explicitMaxTtl: number }, increment: number,
  maxTtl: number, nowSeconds: number): { ttl: number, warnings: string[] } {
  const warnings: string[] = []
  let ttl = period > 0 ? cappedPeriod(period, maxTtl, explicitMaxTtl, warnings) : increment > 0 ? increment : row.creation_ttl
  const maxTotal = period > 0 ? explicitMaxTtl : Math.min(maxTtl, explicitMaxTtl > 0 ? explicitMaxTtl : maxTtl)
  if (maxTotal > 0) {
    const left = Math.max(0, row.creation_time + maxTotal - nowSeconds)
    if (ttl > left) {
      warnings.push(ttlCapWarning(ttl, left))
      ttl = left
    }
  }
  return { ttl, warnings }
}
