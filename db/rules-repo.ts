/**
 * Association rules (issue 22, `src/rules/`): `association_rules` (one per destination and
 * name), `association_origins` (which rule made which association; a row goes with its
 * association or its rule by cascade) and `rule_exclusions` (secrets of a rule whose rule-made
 * association was removed explicitly, so the rule does not bring it back). Lists are JSON
 * text; times are epoch ms. Associations themselves are only touched through
 * `associations-repo.ts` (via the association service).
 */
import type { Db } from './database.js'

export interface RuleRow {
  id: string
  destination_id: string
  name: string
  /** The KV v2 mount's accessor. */
  accessor: string
  /** `""` or a folder ending in `/`. */
  path_prefix: string
  recursive: number
  /** JSON array of picomatch globs, relative to the prefix. */
  include_globs: string
  exclude_globs: string
  /** JSON object: every pair must equal the secret's custom metadata. */
  custom_metadata: string
  /** JSON array of the creating token's policies. */
  owner_policies: string
  created_at: number
}

export interface RulesRepo {
  insert: (row: RuleRow) => void
  find: (destinationId: string, name: string) => RuleRow | undefined
  /** Names of a destination's rules, sorted. */
  names: (destinationId: string) => string[]
  /** Every rule over the mount `accessor` (the KV hook's read). */
  ofMount: (accessor: string) => RuleRow[]
  /** Deletes the rule (its origins and exclusions cascade). */
  delete: (id: string) => void
  addOrigin: (associationId: string, ruleId: string) => void
  removeOrigin: (associationId: string, ruleId: string) => void
  /** Drops every origin of an association (it is now the user's own). */
  clearOrigins: (associationId: string) => void
  /** Ids of the rules that made the association. */
  originsOf: (associationId: string) => string[]
  /** Ids of the associations the rule made. */
  madeBy: (ruleId: string) => string[]
  /** Number of associations the rule made. */
  countMadeBy: (ruleId: string) => number
  /** Every rule origin of the live destinations' associations, with the rule's name, by name (byte order). */
  originNames: () => Array<{ association_id: string, name: string }>
  addExclusion: (ruleId: string, secretPath: string, at: number) => void
  isExcluded: (ruleId: string, secretPath: string) => boolean
  /** Excluded secret paths of a rule, sorted. */
  exclusions: (ruleId: string) => string[]
  /** Lifts the exclusions of `secretPath` on the rules of `destinationId` over `accessor`. */
  clearExclusions: (destinationId: string, accessor: string, secretPath: string) => void
}

/** Prepared statements over the rule tables. */
export function createRulesRepo (db: Db): RulesRepo {
  const insert = db.prepare(`INSERT INTO association_rules (id, destination_id, name, accessor, path_prefix, recursive,
    include_globs, exclude_globs, custom_metadata, owner_policies, created_at) VALUES (@id, @destination_id, @name,
    @accessor, @path_prefix, @recursive, @include_globs, @exclude_globs, @custom_metadata, @owner_policies, @created_at)`)
  const find = db.prepare<[string, string], RuleRow>('SELECT * FROM association_rules WHERE destination_id = ? AND name = ?')
  const names = db.prepare<[string], { name: string }>('SELECT name FROM association_rules WHERE destination_id = ? ORDER BY name')
  const ofMount = db.prepare<[string], RuleRow>('SELECT * FROM association_rules WHERE accessor = ? ORDER BY created_at, id')
  const del = db.prepare('DELETE FROM association_rules WHERE id = ?')
  const addOrigin = db.prepare('INSERT OR IGNORE INTO association_origins (association_id, rule_id) VALUES (?, ?)')
  const removeOrigin = db.prepare('DELETE FROM association_origins WHERE association_id = ? AND rule_id = ?')
  const clearOrigins = db.prepare('DELETE FROM association_origins WHERE association_id = ?')
  const originsOf = db.prepare<[string], { rule_id: string }>('SELECT rule_id FROM association_origins WHERE association_id = ?')
  const madeBy = db.prepare<[string], { association_id: string }>('SELECT association_id FROM association_origins WHERE rule_id = ?')
  const originNames = db.prepare<[], { association_id: string, name: string }>(`SELECT o.association_id, r.name FROM association_origins o
    JOIN association_rules r ON r.id = o.rule_id JOIN destinations d ON d.id = r.destination_id WHERE d.deleted_at IS NULL ORDER BY r.name COLLATE BINARY`)
  const countMadeBy = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM association_origins WHERE rule_id = ?')
  const addExclusion = db.prepare('INSERT OR IGNORE INTO rule_exclusions (rule_id, secret_path, created_at) VALUES (?, ?, ?)')
  const isExcluded = db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM rule_exclusions WHERE rule_id = ? AND secret_path = ?')
  const exclusions = db.prepare<[string], { secret_path: string }>('SELECT secret_path FROM rule_exclusions WHERE rule_id = ? ORDER BY secret_path')
  const clearExclusions = db.prepare(`DELETE FROM rule_exclusions WHERE secret_path = ? AND rule_id IN
    (SELECT id FROM association_rules WHERE destination_id = ? AND accessor = ?)`)
  return {
    insert: (row) => { insert.run(row) },
    find: (d, n) => find.get(d, n),
    names: (d) => names.all(d).map((r) => r.name),
    ofMount: (a) => ofMount.all(a),
    delete: (id) => { del.run(id) },
    addOrigin: (a, r) => { addOrigin.run(a, r) },
    removeOrigin: (a, r) => { removeOrigin.run(a, r) },
    clearOrigins: (a) => { clearOrigins.run(a) },
    originsOf: (a) => originsOf.all(a).map((r) => r.rule_id),
    madeBy: (r) => madeBy.all(r).map((x) => x.association_id),
    originNames: () => originNames.all(),
    countMadeBy: (r) => countMadeBy.get(r)?.n ?? 0,
    addExclusion: (r, s, at) => { addExclusion.run(r, s, at) },
    isExcluded: (r, s) => isExcluded.get(r, s) !== undefined,
    exclusions: (r) => exclusions.all(r).map((x) => x.secret_path),
    clearExclusions: (d, a, s) => { clearExclusions.run(s, d, a) }
  }
}

/** Writes of `RulesRepo` that change origins or exclusions, never a rule row. */
const BOOKKEEPING_WRITES = new Set(['addOrigin', 'removeOrigin', 'clearOrigins', 'addExclusion', 'clearExclusions'])

/** Reads of `RulesRepo` that a cache passes through (only `ofMount`, read on every KV write, is cached). */
export const RULES_UNCACHED_READS: ReadonlyArray<keyof RulesRepo> = ['find', 'names', 'originsOf', 'madeBy', 'countMadeBy', 'originNames', 'isExcluded', 'exclusions']

/**
 * The cache scope of a `RulesRepo` call (`cached-repo.ts` `ScopeOf`): origin and exclusion writes
 * touch no cached rule row, so they forget only their own (empty) scope; a rule insert or delete
 * (`undefined`) forgets every cached `ofMount` list.
 */
export function rulesRepoScope (method: string): string | undefined {
  return BOOKKEEPING_WRITES.has(method) ? 'bookkeeping' : undefined
}
