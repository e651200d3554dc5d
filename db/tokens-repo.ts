/** Token rows (`tokens` table). Only the SHA-256 of a token id is stored, never the id. */
import type { Db } from './database.js'

export interface TokenRow {
  accessor: string
  id_hash: string
  /** JSON array of policy names. */
  policies: string
  path: string
  display_name: string
  /** JSON string map, or null. */
  meta: string | null
  num_uses: number
  /** Unix seconds. */
  creation_time: number
  /** Seconds; 0 = no TTL. */
  creation_ttl: number
  explicit_max_ttl: number
  /** Unix ms, or null when the token never expires. */
  expire_time_ms: number | null
  renewable: number
  orphan: number
  parent_accessor: string | null
  /** Seconds; 0 = not periodic. */
  period: number
  /** Unix ms of the last renewal, or null. */
  last_renewal_ms: number | null
  /** The token role it was created against (`auth/token/create/:role_name`), or null. */
  role: string | null
}

export interface TokensRepo {
  insert: (row: TokenRow) => void
  byHash: (idHash: string) => TokenRow | undefined
  byAccessor: (accessor: string) => TokenRow | undefined
  count: () => number
  /** Deletes a token; its descendants go with it (`parent_accessor` cascades). */
  deleteByAccessor: (accessor: string) => void
  updateRenewal: (accessor: string, expireTimeMs: number | null, lastRenewalMs: number) => void
  setNumUses: (accessor: string, numUses: number) => void
  /** Makes the children of `accessor` orphans (no parent, `orphan` 1), so its revocation spares them. */
  orphanChildren: (accessor: string) => void
  /** The accessors of the tokens live at `nowMs` (`liveAccessorsSql`), in no particular order. */
  liveAccessors: (nowMs: number) => string[]
}

/**
 * The accessors of live tokens: neither expired at the time `now` (ms) nor under an expired
 * ancestor (a token's ancestors always exist: deleting one deletes its descendants). One text
 * for both engines; `now` is the time's placeholder (`@now` on SQLite, `$1` on PostgreSQL).
 */
export const liveAccessorsSql = (now: string): string => `WITH RECURSIVE live(accessor) AS (
  SELECT accessor FROM tokens WHERE parent_accessor IS NULL AND (expire_time_ms IS NULL OR expire_time_ms > ${now})
  UNION ALL SELECT t.accessor FROM tokens t JOIN live ON t.parent_accessor = live.accessor
  WHERE t.expire_time_ms IS NULL OR t.expire_time_ms > ${now}) SELECT accessor FROM live`

/** Prepared statements over `tokens`. */
export function createTokensRepo (db: Db): TokensRepo {
  const insert = db.prepare(`INSERT INTO tokens (accessor, id_hash, policies, path, display_name, meta, num_uses,
    creation_time, creation_ttl, explicit_max_ttl, expire_time_ms, renewable, orphan, parent_accessor, period, last_renewal_ms, role)
    VALUES (@accessor, @id_hash, @policies, @path, @display_name, @meta, @num_uses, @creation_time, @creation_ttl,
    @explicit_max_ttl, @expire_time_ms, @renewable, @orphan, @parent_accessor, @period, @last_renewal_ms, @role)`)
  const byHash = db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE id_hash = ?')
  const byAccessor = db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE accessor = ?')
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM tokens')
  const del = db.prepare('DELETE FROM tokens WHERE accessor = ?')
  const renewal = db.prepare('UPDATE tokens SET expire_time_ms = ?, last_renewal_ms = ? WHERE accessor = ?')
  const uses = db.prepare('UPDATE tokens SET num_uses = ? WHERE accessor = ?')
  const orphan = db.prepare('UPDATE tokens SET parent_accessor = NULL, orphan = 1 WHERE parent_accessor = ?')
  const live = db.prepare<[{ now: number }], string>(liveAccessorsSql('@now')).pluck()
  return {
    insert: (row) => { insert.run(row) },
    byHash: (h) => byHash.get(h),
    byAccessor: (a) => byAccessor.get(a),
    count: () => count.get()?.n ?? 0,
    deleteByAccessor: (a) => { del.run(a) },
    updateRenewal: (a, expire, last) => { renewal.run(expire, last, a) },
    setNumUses: (a, n) => { uses.run(n, a) },
    orphanChildren: (a) => { orphan.run(a) },
    liveAccessors: (now) => live.all({ now })
  }
}
