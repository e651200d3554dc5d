/**
 * Keyed hashes for what the database keeps only as a digest (issue 13 finding 7): token ids
 * (`tokens.id_hash`) and synced values (`association_targets.digest`). An unsalted SHA-256 lets
 * anyone holding a stolen database file confirm a guessed token id or secret value offline;
 * an HMAC-SHA256 under a key derived from the seal key (HKDF-SHA256, one key per purpose) does
 * not, while lookups stay one hash and one indexed equality.
 *
 * The keyed form is `HMAC(key, SHA-256-hex(input))`, so rows written before it existed are
 * migrated from their stored SHA-256 alone (`migrateToKeyedHashes`), without the inputs.
 */
import { createHash, createHmac, hkdfSync } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import { createAssociationsRepo } from '../../db/associations-repo.js'

/** What a keyed hash is for; each purpose has its own derived key. */
export type KeyedHashPurpose = 'token-id' | 'target-digest'

/** A keyed hash: hex HMAC-SHA256 of an already SHA-256-hex digest. */
export type KeyedHash = (sha256Hex: string) => string

/** SHA-256 (hex) of a UTF-8 string. */
export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex')

/** The keyed hash of `purpose` under `sealKey` (32 bytes). */
export function createKeyedHash (sealKey: Buffer, purpose: KeyedHashPurpose): KeyedHash {
  const key = Buffer.from(hkdfSync('sha256', sealKey, 'vault-sync keyed hash', purpose, 32))
  return (digest) => createHmac('sha256', key).update(digest, 'utf8').digest('hex')
}

/**
 * `hash(sha256Hex(id))` with the last 1,024 distinct ids remembered, so authenticating a token
 * costs one map lookup rather than two hashes (the same speed as before keyed hashes).
 */
export function cachedIdHash (hash: KeyedHash): (id: string) => string {
  const cache = new Map<string, string>()
  return (id) => {
    let h = cache.get(id)
    if (h === undefined) {
      h = hash(sha256Hex(id))
      if (cache.size >= 1024) cache.clear()
      cache.set(id, h)
    }
    return h
  }
}

const FLAG = 'keyed_hashes_v1'

/**
 * Once per database: rewrites the SHA-256 token id hashes and target digests stored before
 * keyed hashes existed into their keyed form, in one transaction, then records a flag in
 * `meta` so it never runs again. A target digest `<value>.<tags>` is keyed half by half (the
 * planner compares the halves separately).
 */
export function migrateToKeyedHashes (db: Database, hashes: { tokenId: KeyedHash, targetDigest: KeyedHash }): void {
  const done = db.prepare<[string], { value: unknown }>('SELECT value FROM meta WHERE key = ?').get(FLAG)
  if (done !== undefined) return
  db.transaction(() => {
    const tokens = db.prepare<[], { accessor: string, id_hash: string }>('SELECT accessor, id_hash FROM tokens').all()
    const setToken = db.prepare('UPDATE tokens SET id_hash = ? WHERE accessor = ?')
    for (const t of tokens) setToken.run(hashes.tokenId(t.id_hash), t.accessor)
    const targets = createAssociationsRepo(db)
    for (const r of targets.storedDigests()) targets.setDigest(r.rowid, r.digest.split('.').map(hashes.targetDigest).join('.'))
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(FLAG, Buffer.from('1'))
  }).immediate()
}
