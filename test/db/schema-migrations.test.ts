// SQLite schema versions in `schema_migrations` (db/database.ts, issue 18): a new file records
// every migration, a file versioned by `PRAGMA user_version` alone is upgraded in place, and a
// file newer than this build is refused with a clear message and left as it was.
import t from 'tap'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { openDatabase } from '../../db/database.js'
import { MIGRATIONS } from '../../db/migrations.js'
import { SchemaTooNewError } from '../../db/schema-version.js'
import { tempDir } from '../helper.js'

const ALL = MIGRATIONS.map((_, i) => i + 1)

function recorded (db: Database.Database): Array<{ version: number, name: string }> {
  return db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as Array<{ version: number, name: string }>
}

t.test('a new database records every migration, and user_version follows', async (t) => {
  const db = openDatabase(join(tempDir(t), 'new.db'))
  t.teardown(() => db.close())
  t.same(recorded(db), ALL.map((v) => ({ version: v, name: `sqlite-${v}` })))
  t.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length)
  const at = db.prepare('SELECT applied_at FROM schema_migrations WHERE version = 1').pluck().get() as string
  t.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'applied_at is ISO-8601 UTC')
})

t.test('a database versioned by user_version only is upgraded in place, its rows kept', async (t) => {
  const path = join(tempDir(t), 'legacy.db')
  const old = new Database(path)
  for (let v = 0; v < 3; v++) old.exec(MIGRATIONS[v])
  old.pragma('user_version = 3')
  old.prepare("INSERT INTO meta (key, value) VALUES ('kept', x'01')").run()
  old.close()
  const db = openDatabase(path)
  t.teardown(() => db.close())
  t.same(recorded(db).map((r) => r.version), ALL, 'versions 1-3 recorded, the rest applied')
  t.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length)
  t.same(db.prepare("SELECT value FROM meta WHERE key = 'kept'").pluck().get(), Buffer.from([1]))
  db.close()
  const again = openDatabase(path)
  t.same(recorded(again).map((r) => r.version), ALL, 'reopening applies nothing')
  again.close()
})

t.test('a database newer than this build is refused with a clear message and left unchanged', async (t) => {
  const path = join(tempDir(t), 'future.db')
  openDatabase(path).close()
  const future = new Database(path)
  future.prepare("INSERT INTO schema_migrations (version, name) VALUES (?, 'from-the-future')").run(MIGRATIONS.length + 1)
  future.close()
  const message = `database schema version ${MIGRATIONS.length + 1} is newer than this vault-sync knows (${MIGRATIONS.length}): ` +
    'it was migrated by a newer vault-sync; run that version, or restore the backup taken before the upgrade (vault-sync never downgrades a schema)'
  t.throws(() => openDatabase(path), new SchemaTooNewError(MIGRATIONS.length + 1, MIGRATIONS.length, message.split(': ').slice(1).join(': ')))
  t.throws(() => openDatabase(path), { message })

  const legacyPath = join(tempDir(t), 'future-legacy.db')
  const legacy = new Database(legacyPath)
  legacy.pragma(`user_version = ${MIGRATIONS.length + 2}`)
  legacy.close()
  t.throws(() => openDatabase(legacyPath), { name: 'SchemaTooNewError', found: MIGRATIONS.length + 2 })
  const check = new Database(legacyPath, { readonly: true })
  t.equal(check.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'").pluck().get(), 0, 'nothing written')
  check.close()
})
