// db/database-file.ts: the start-up write probe and the SQLite errors restated with the file.
// SQLite opens a file it may not write read-only without a word, and `BEGIN IMMEDIATE` alone
// still succeeds there; `probeWrite` makes the write that fails. A connection opened read-only
// stands in for the file (root, who runs CI, may write any file whatever its mode).
import Database from 'better-sqlite3'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { openDatabase } from '../../db/database.js'
import { DatabaseFileError, databaseFileError, probeWrite } from '../../db/database-file.js'
import { tempDir } from '../helper.js'

t.test('probeWrite fails on a database SQLite opened read-only, where BEGIN IMMEDIATE does not', async (t) => {
  const path = join(tempDir(t), 'v.db')
  openDatabase(path).close()
  const db = new Database(path, { readonly: true })
  t.teardown(() => { db.close() })
  db.exec('BEGIN IMMEDIATE; COMMIT')
  t.pass('BEGIN IMMEDIATE and COMMIT of nothing succeed read-only: not a check')
  const err = (() => { try { probeWrite(db); return undefined } catch (e) { return e } })()
  t.match(err, { code: 'SQLITE_READONLY' })
  const restated = databaseFileError(path, err)
  t.ok(restated instanceof DatabaseFileError)
  t.match(restated, { path, message: `SQLite cannot write the database ${path} (attempt to write a readonly database, SQLITE_READONLY): vault-sync writes the database file` })
})

t.test('probeWrite on a writable database changes nothing', async (t) => {
  const path = join(tempDir(t), 'v.db')
  const db = openDatabase(path)
  t.teardown(() => { db.close() })
  const version = db.pragma('user_version', { simple: true })
  probeWrite(db)
  t.equal(db.pragma('user_version', { simple: true }), version)
})

t.test('openDatabase names the file of a SQLite error; other errors pass unchanged', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'not.db')
  writeFileSync(path, 'not a database, long enough to have a header'.repeat(200))
  t.throws(() => openDatabase(path), { name: 'DatabaseFileError', path, message: `${path} is not a SQLite database (file is not a database, SQLITE_NOTADB)` })
  const other = new Error('x')
  t.equal(databaseFileError(path, other), other)
})
