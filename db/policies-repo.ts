/** ACL policy rows (`acl_policies`): the raw text as written and its parsed rules as JSON. */
import type { Db } from './database.js'

export interface PolicyRow {
  /** Lower-case policy name. */
  name: string
  /** The policy text exactly as written (after base64 decoding). */
  raw: string
  /** JSON array of `PathRule` (src/acl/policy-rules.ts). */
  rules: string
}

/** Statements over `acl_policies`; names are already normalised by the caller. */
export interface PoliciesRepo {
  get: (name: string) => PolicyRow | undefined
  names: () => string[]
  upsert: (row: PolicyRow) => void
  delete: (name: string) => void
}

/** Prepared statements over `acl_policies`. */
export function createPoliciesRepo (db: Db): PoliciesRepo {
  const get = db.prepare<[string], PolicyRow>('SELECT name, raw, rules FROM acl_policies WHERE name = ?')
  const names = db.prepare<[], { name: string }>('SELECT name FROM acl_policies ORDER BY name')
  const upsert = db.prepare('INSERT INTO acl_policies (name, raw, rules) VALUES (@name, @raw, @rules) ON CONFLICT(name) DO UPDATE SET raw = excluded.raw, rules = excluded.rules')
  const del = db.prepare('DELETE FROM acl_policies WHERE name = ?')
  return {
    get: (name) => get.get(name),
    names: () => names.all().map((r) => r.name),
    upsert: (row) => { upsert.run(row) },
    delete: (name) => { del.run(name) }
  }
}
