// One home for the outbox per engine (issues 15 and 18): every statement on `sync_outbox` is in
// db/outbox-repo.ts (SQLite) and its PostgreSQL twin db/store/pg/pg-outbox.ts, every statement on
// `association_targets` in db/associations-repo.ts and db/store/pg/pg-associations.ts (besides
// the schemas in db/migrations.ts and db/pg/schema.ts), and nothing under src/ or routes/ writes
// SQL for them.
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')

function files (dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
}

const all = ['src', 'routes', 'db'].flatMap(files)
const mentioning = (table: string): string[] => all.filter((f) => new RegExp(`\\b${table}\\b`).test(
  // Comments may name the table; statements may not.
  readFileSync(join(ROOT, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))).sort()

t.same(mentioning('sync_outbox'), ['db/migrations.ts', 'db/outbox-repo.ts', 'db/pg/schema.ts', 'db/store/pg/pg-outbox.ts'],
  'sync_outbox statements live in db/outbox-repo.ts and its PostgreSQL twin')
t.same(mentioning('association_targets'), ['db/associations-repo.ts', 'db/migrations.ts', 'db/pg/schema.ts', 'db/store/pg/pg-associations.ts'],
  'association_targets statements live in db/associations-repo.ts and its PostgreSQL twin')
