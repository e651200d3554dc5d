/**
 * Opens the SQLite store (better-sqlite3 12): WAL, foreign keys, a busy timeout and
 * `synchronous=NORMAL` (safe against process crashes in WAL mode; decisions D-17.6), WAL
 * checkpoints off the request path (`scheduleCheckpoints`, issue 16), then
 * applies the migrations of `migrations.ts`, recorded in `schema_migrations` (the table
 * PostgreSQL's migrations use, same columns: `schema-version.ts`).
 */
import Database from 'better-sqlite3'
import { existsSync, statSync } from 'node:fs'
import { createCheckpointThread } from './checkpoint-thread.js'
import { databaseFileError, prepareDatabaseFile, probeWrite } from './database-file.js'
import { MIGRATIONS } from './migrations.js'
import { SchemaTooNewError, type MigrationResult } from './schema-version.js'

/** A better-sqlite3 connection. */
export type Db = Database.Database

/**
 * Runs `fn` in one SQLite transaction and returns its result (rolled back when it throws). What
 * services receive instead of the database handle: synchronous, so nothing can await inside.
 */
export type Transact = <T>(fn: () => T) => T

/** The `Transact` of a connection (BEGIN IMMEDIATE: it never fails on a snapshot another connection moved on). */
export function transactor (db: Db): Transact {
  return (fn) => db.transaction(fn).immediate()
}

/** Busy timeout for a locked database, in ms. */
const BUSY_TIMEOUT_MS = 5000

/**
 * Opens (creating the file and its folder when absent) the database at `path`, or an in-memory
 * one for `":memory:"`, migrates it to the latest schema and makes one real write, so a file
 * this process may not write fails here rather than on the first request (`database-file.ts`).
 * @throws DatabaseFileError naming the file and the fix when it cannot be made, written or read
 *   (read-only, not a database, damaged); SchemaTooNewError when the file's schema is newer than
 *   this build knows (nothing is changed then); a failing migration's error.
 */
export function openDatabase (path: string): Db {
  return openAndMigrate(path).db
}

/** `openDatabase`, also telling what the migration run did (`vault-sync migrate`). */
export function openAndMigrate (path: string): { db: Db, migration: MigrationResult } {
  if (path !== ':memory:') prepareDatabaseFile(path)
  let db: Db
  try {
    db = new Database(path)
  } catch (err) {
    throw databaseFileError(path, err)
  }
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    db.pragma('synchronous = NORMAL')
    const migration = migrate(db)
    if (path !== ':memory:') {
      probeWrite(db)
      scheduleCheckpoints(db, path)
    }
    return { db, migration }
  } catch (err) {
    db.close()
    throw databaseFileError(path, err)
  }
}

/** How often the WAL is copied back into the database file, in ms. */
const CHECKPOINT_INTERVAL_MS = 1000
/**
 * WAL pages (4 KiB) after which a commit checkpoints on its own: SQLite's default, kept as the
 * bound when writes outpace the timer (10,000 measured 10-20 % more server CPU per KV write in
 * bench 4: a larger WAL index is searched for every page read).
 */
const AUTOCHECKPOINT_PAGES = 1000
/** WAL file size, in bytes, a checkpoint truncates it back to once it has been reset. */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024

/**
 * Moves WAL checkpoints off the request path where the write rate allows (issue 16): at up to
 * about 1,000 WAL pages a second (some 300 KV writes) a commit only appends to the WAL and an
 * unref'd timer runs a PASSIVE checkpoint every second (it never waits for readers or
 * writers), SQLite's `wal_autocheckpoint` stays the bound beyond that, and SQLite checkpoints
 * when the last connection closes. A second in which this connection changed no row (SQLite's
 * `total_changes()`) asks for nothing: an idle server does no I/O, and a WAL the thread started
 * over stays ready for the next commit to append to (`checkpoint-thread.ts`). The timer's checkpoint runs on a thread (`checkpoint-thread.ts`,
 * issue 17: its fsync blocked the event loop for milliseconds). Durability is unchanged: with `synchronous=NORMAL` in WAL
 * mode a commit survives a process crash once it is in the WAL, checkpointed or not.
 */
function scheduleCheckpoints (db: Db, path: string): void {
  db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`)
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`)
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')
  // The checkpoint's copy and fsync run on a thread of their own (checkpoint-thread.ts), here only when it failed.
  const thread = createCheckpointThread(path, WAL_SIZE_LIMIT)
  // Rows this connection changed (committed or not) as of the last checkpoint request: none since, nothing to copy.
  const changes = db.prepare('SELECT total_changes()').pluck()
  let requestedAt = changes.get()
  const timer = setInterval(() => {
    if (!db.open) { clearInterval(timer); thread.stop(); return }
    const now = changes.get()
    if (now === requestedAt) return
    requestedAt = now
    if (thread.checkpoint()) return
    // Busy (another connection checkpointing) or closing: the next tick or the close does it.
    try { checkpoint.get() } catch {}
  }, CHECKPOINT_INTERVAL_MS)
  timer.unref()
  // The thread's connection closes first, so this one is the last and checkpoints on close as before.
  const close = db.close.bind(db)
  db.close = () => { clearInterval(timer); thread.stop(); return close() }
}

const ADVICE = 'it was migrated by a newer vault-sync; run that version, or restore the backup taken before the upgrade (vault-sync never downgrades a schema)'

/** `schema_migrations` as on PostgreSQL (`pg/migrate.ts`): ISO-8601 UTC text for the time. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)`

/** The name recorded for SQLite migration `version`. */
function migrationName (version: number): string {
  return `sqlite-${version}`
}

/**
 * The schema version recorded in `schema_migrations`, creating the table first. A database
 * from before the table (versioned by `PRAGMA user_version` only) has its versions recorded
 * in it, in place.
 * @throws SchemaTooNewError (before writing anything) when the database is newer than `known`.
 */
function recordedVersion (db: Db, known: number): number {
  const legacy = db.pragma('user_version', { simple: true }) as number
  if (legacy > known) throw new SchemaTooNewError(legacy, known, ADVICE)
  return db.transaction(() => {
    db.exec(CREATE_MIGRATIONS_TABLE)
    const v = db.prepare<[], number>('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck().get() ?? 0
    if (v > known) throw new SchemaTooNewError(v, known, ADVICE)
    if (v >= legacy) return v
    const record = db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)')
    for (let n = v + 1; n <= legacy; n++) record.run(n, migrationName(n))
    return legacy
  }).immediate()
}

/**
 * Applies every migration newer than the database's recorded version, each in its own
 * transaction with its `schema_migrations` row. `PRAGMA user_version` is kept equal to the
 * version, so a vault-sync from before `schema_migrations` still refuses a newer file.
 * @throws SchemaTooNewError when the database is newer than this build; a failing migration's
 *   error (that migration is rolled back, earlier ones stay).
 */
export function migrate (db: Db): MigrationResult {
  const from = recordedVersion(db, MIGRATIONS.length)
  const applied: number[] = []
  const record = db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)')
  for (let v = from; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v])
      record.run(v + 1, migrationName(v + 1))
      db.pragma(`user_version = ${v + 1}`)
    }).immediate()
    applied.push(v + 1)
  }
  return { from, to: MIGRATIONS.length, applied }
}

/**
 * True when the database file at `path` holds data sealed with a key: its `meta` table has the
 * seal check that the first `server` start writes. A file `vault-sync migrate` made (schema
 * only) or an empty one is not. Opened read-write without writing and closed at once: SQLite
 * removes the `-wal`/`-shm` files it made when the last connection closes and the main file's
 * bytes and times stay as they were, so a start-up that must refuse leaves everything as it was.
 * @throws DatabaseFileError naming the file: not writable by this process, not a database, damaged.
 */
export function databaseHasData (path: string): boolean {
  if (path === ':memory:' || !existsSync(path) || statSync(path).size === 0) return false
  // A file this process may not write is refused before SQLite makes -wal/-shm files beside it.
  prepareDatabaseFile(path)
  try {
    const db = new Database(path, { fileMustExist: true })
    try {
      const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined
      return hasMeta && db.prepare("SELECT 1 FROM meta WHERE key = 'seal_check'").get() !== undefined
    } finally {
      db.close()
    }
  } catch (err) {
    throw databaseFileError(path, err)
  }
}
