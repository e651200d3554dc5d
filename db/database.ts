/**
 * Opens the SQLite store (better-sqlite3 12): WAL, foreign keys, a busy timeout and
 * `synchronous=NORMAL` (safe against process crashes in WAL mode; decisions D-17.6), then
 * applies the migrations of `migrations.ts` by `PRAGMA user_version`.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { MIGRATIONS } from './migrations.js'

/** A better-sqlite3 connection. */
export type Db = Database.Database

/**
 * Runs `fn` in one SQLite transaction and returns its result (rolled back when it throws). What
 * services receive instead of the database handle: synchronous, so nothing can await inside.
 */
export type Transact = <T>(fn: () => T) => T

/** The `Transact` of a connection. */
export function transactor (db: Db): Transact {
  return (fn) => db.transaction(fn)()
}

/** Busy timeout for a locked database, in ms. */
const BUSY_TIMEOUT_MS = 5000

/**
 * Opens (creating the file and its folder when absent) the database at `path`, or an in-memory
 * one for `":memory:"`, and migrates it to the latest schema.
 * @throws Error when the file cannot be opened or a migration fails, or when the file's schema
 *   is newer than this build knows.
 */
export function openDatabase (path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  db.pragma('synchronous = NORMAL')
  migrate(db)
  return db
}

/** Applies every migration newer than the database's `user_version`, each in its own transaction. */
export function migrate (db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this vault-sync (${MIGRATIONS.length})`)
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v])
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}
