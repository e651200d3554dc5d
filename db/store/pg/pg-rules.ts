/**
 * Association rules, their origins and exclusions on PostgreSQL (`RulesRepository`; the SQLite
 * twin is `db/rules-repo.ts`). Names and paths sort by bytes (`COLLATE "C"`), as on SQLite;
 * SQLite's `INSERT OR IGNORE` is `ON CONFLICT DO NOTHING`.
 */
import type { RuleRow } from '../../rules-repo.js'
import type { RulesRepository } from '../repositories.js'
import { insertInto, statement, valuesOf, type Sql } from './pg-sql.js'

const RULE_COLUMNS = ['id', 'destination_id', 'name', 'accessor', 'path_prefix', 'recursive', 'include_globs', 'exclude_globs',
  'custom_metadata', 'owner_policies', 'created_at'] as const

const S = {
  insert: statement('rules_insert', insertInto('association_rules', RULE_COLUMNS)),
  find: statement('rules_find', 'SELECT * FROM association_rules WHERE destination_id = $1 AND name = $2'),
  names: statement('rules_names', 'SELECT name FROM association_rules WHERE destination_id = $1 ORDER BY name COLLATE "C"'),
  ofMount: statement('rules_of_mount', 'SELECT * FROM association_rules WHERE accessor = $1 ORDER BY created_at, id COLLATE "C"'),
  delete: statement('rules_delete', 'DELETE FROM association_rules WHERE id = $1'),
  addOrigin: statement('rules_add_origin', 'INSERT INTO association_origins (association_id, rule_id) VALUES ($1, $2) ON CONFLICT DO NOTHING'),
  removeOrigin: statement('rules_remove_origin', 'DELETE FROM association_origins WHERE association_id = $1 AND rule_id = $2'),
  clearOrigins: statement('rules_clear_origins', 'DELETE FROM association_origins WHERE association_id = $1'),
  originsOf: statement('rules_origins_of', 'SELECT rule_id FROM association_origins WHERE association_id = $1'),
  madeBy: statement('rules_made_by', 'SELECT association_id FROM association_origins WHERE rule_id = $1'),
  originNames: statement('rules_origin_names', `SELECT o.association_id, r.name FROM association_origins o
    JOIN association_rules r ON r.id = o.rule_id JOIN destinations d ON d.id = r.destination_id WHERE d.deleted_at IS NULL ORDER BY r.name COLLATE "C"`),
  countMadeBy: statement('rules_count_made_by', 'SELECT count(*) AS n FROM association_origins WHERE rule_id = $1'),
  addExclusion: statement('rules_add_exclusion', `INSERT INTO rule_exclusions (rule_id, secret_path, created_at) VALUES ($1, $2, $3)
    ON CONFLICT DO NOTHING`),
  isExcluded: statement('rules_is_excluded', 'SELECT 1 AS one FROM rule_exclusions WHERE rule_id = $1 AND secret_path = $2'),
  exclusions: statement('rules_exclusions', 'SELECT secret_path FROM rule_exclusions WHERE rule_id = $1 ORDER BY secret_path COLLATE "C"'),
  clearExclusions: statement('rules_clear_exclusions', `DELETE FROM rule_exclusions WHERE secret_path = $1 AND rule_id IN
    (SELECT id FROM association_rules WHERE destination_id = $2 AND accessor = $3)`)
}

/** The rules repository over `sql`. */
export function pgRulesRepository (sql: Sql): RulesRepository {
  return {
    insert: async (row) => { await sql.run(S.insert, valuesOf(row, RULE_COLUMNS)) },
    find: async (d, n) => await sql.one<RuleRow>(S.find, [d, n]),
    names: async (d) => (await sql.all<{ name: string }>(S.names, [d])).map((r) => r.name),
    ofMount: async (a) => await sql.all<RuleRow>(S.ofMount, [a]),
    delete: async (id) => { await sql.run(S.delete, [id]) },
    addOrigin: async (a, r) => { await sql.run(S.addOrigin, [a, r]) },
    removeOrigin: async (a, r) => { await sql.run(S.removeOrigin, [a, r]) },
    clearOrigins: async (a) => { await sql.run(S.clearOrigins, [a]) },
    originsOf: async (a) => (await sql.all<{ rule_id: string }>(S.originsOf, [a])).map((r) => r.rule_id),
    madeBy: async (r) => (await sql.all<{ association_id: string }>(S.madeBy, [r])).map((x) => x.association_id),
    originNames: async () => await sql.all<{ association_id: string, name: string }>(S.originNames),
    countMadeBy: async (r) => (await sql.one<{ n: number }>(S.countMadeBy, [r]))?.n ?? 0,
    addExclusion: async (r, s, at) => { await sql.run(S.addExclusion, [r, s, at]) },
    isExcluded: async (r, s) => (await sql.one(S.isExcluded, [r, s])) !== undefined,
    exclusions: async (r) => (await sql.all<{ secret_path: string }>(S.exclusions, [r])).map((x) => x.secret_path),
    clearExclusions: async (d, a, s) => { await sql.run(S.clearExclusions, [s, d, a]) }
  }
}
