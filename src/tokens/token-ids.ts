/**
 * Token ids and accessors in Vault's formats (spec/vault-core-kv-api.md §4.1): service tokens
 * `hvs.` + random base62, accessors 24 random base62 characters. Only a keyed hash of
 * `hashTokenId(id)` is ever stored.
 */
import { createHash, randomInt } from 'node:crypto'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** `n` random base62 characters (crypto-grade, unbiased). */
export function randomBase62 (n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += BASE62[randomInt(62)]
  return s
}

/** A new service token id: `hvs.` + 24 base62 characters. */
export const newTokenId = (): string => `hvs.${randomBase62(24)}`

/** A new accessor: 24 base62 characters. */
export const newAccessor = (): string => randomBase62(24)

/** SHA-256 (hex) of a token id; the store keeps its keyed hash (`crypto/keyed-hash.ts`). */
export function hashTokenId (id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex')
}
