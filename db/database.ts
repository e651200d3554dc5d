/**
 * Opens the SQLite store (better-sqlite3 12): WAL, foreign keys, a busy timeout and
 * `synchronous=NORMAL` (safe against process crashes in WAL mode; decisions D-17.6), then
 * applies the migrations of `migrations.ts` by `PRAGMA user_version`.
 */
import Database from 'better-sqlite3'
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
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
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true })
    // Created 0600 (it holds sealed secrets and token hashes); SQLite gives -wal/-shm the same mode.
    if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600))
  }
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

/**
 * True when a database file exists at `path` with content (every database a server has opened
 * holds at least its schema and seal check). Reads only the file's size: opening it, even
 * read-only, would create `-wal`/`-shm` files, and a start-up that must refuse (a missing seal
 * key) leaves everything as it was.
 */
export function databaseHasData (path: string): boolean {
  return path !== ':memory:' && existsSync(path) && statSync(path).size > 0
}
