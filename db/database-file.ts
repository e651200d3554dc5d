/**
 * The SQLite database file at start-up: made (with its folder) when absent, checked before
 * SQLite opens it, and every way it can be unusable turned into one error naming the file and
 * what to fix. SQLite itself says only `attempt to write a readonly database`, `unable to open
 * database file`, `file is not a database` or `database disk image is malformed`, without a
 * path; worse, it opens a file it may not write read-only without a word (the first write then
 * fails), and in WAL mode it creates `-wal`/`-shm` files beside the database that keep the mode
 * of a read-only file, so a database whose mode is fixed afterwards stays read-only. Hence the
 * checks here run before SQLite touches anything, and `probeWrite` makes one real write once it
 * is open (https://www.sqlite.org/wal.html, "Read-Only Databases"; https://www.sqlite.org/rescode.html).
 */
import type Database from 'better-sqlite3'
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync } from 'node:fs'
import { userInfo } from 'node:os'
import { basename, dirname } from 'node:path'

/**
 * A database file vault-sync cannot use. `message` names the file and says what to fix; the
 * caller names the setting that chose the path (`src/config/storage-errors.ts`).
 */
export class DatabaseFileError extends Error {
  /** @param path the database file; @param message the problem and its fix, naming the file */
  constructor (readonly path: string, message: string) {
    super(message)
    this.name = 'DatabaseFileError'
  }
}

/** `user nobody (uid 65534)`: who this process runs as, for the messages. */
function runningAs (): string {
  const uid = process.getuid?.()
  try {
    return `user ${userInfo().username} (uid ${uid ?? '?'})`
  } catch {
    return `uid ${uid ?? '?'}` // no passwd entry for the uid (a container's arbitrary user)
  }
}

/** The owner and mode fix every write problem shares. */
function writeAdvice (path: string): string {
  const dir = dirname(path)
  const name = basename(path)
  return `vault-sync writes the database file and, for SQLite's WAL, creates ${name}-wal and ${name}-shm beside it in ${dir}: ` +
    `make the file, those two if present, and the folder owned by the user vault-sync runs as (${runningAs()}), ` +
    `the file mode 0600 (chown <user> ${path} ${dir}; chmod 0600 ${path}), and check that the file system is mounted read-write`
}

/** The `EACCES`-like code of an fs error (or its message). */
const codeOf = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message

/**
 * Makes the folder and an empty file (mode 0600: it will hold sealed secrets and token hashes;
 * SQLite gives `-wal`/`-shm` the same mode) when absent, then checks that this process may write
 * the file, its `-wal`/`-shm` files when present, and the folder (where SQLite creates them), all
 * before SQLite opens it, so a refusal leaves no file behind. As root the kernel lets every
 * write through except on a read-only mount (`EROFS`) or an immutable file (`EPERM`).
 * @throws DatabaseFileError naming the file (or folder) that cannot be made or written, and the fix.
 */
export function prepareDatabaseFile (path: string): void {
  const dir = dirname(path)
  try {
    mkdirSync(dir, { recursive: true })
  } catch (err) {
    throw new DatabaseFileError(path, `cannot create the folder ${dir} of the database ${path} (${codeOf(err)}): create it, owned by the user vault-sync runs as (${runningAs()})`)
  }
  if (!existsSync(path)) {
    try {
      closeSync(openSync(path, 'a', 0o600))
    } catch (err) {
      throw new DatabaseFileError(path, `cannot create the database ${path} (${codeOf(err)}): ${writeAdvice(path)}`)
    }
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (file !== path && !existsSync(file)) continue
    try {
      accessSync(file, constants.R_OK | constants.W_OK)
    } catch (err) {
      const what = file === path ? `the database ${path}` : `${file} (beside the database, left by a run as another user or while the database was read-only)`
      throw new DatabaseFileError(path, `${what} cannot be read and written by this process (${codeOf(err)}); nothing was written: ${writeAdvice(path)}`)
    }
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK)
  } catch (err) {
    throw new DatabaseFileError(path, `the folder ${dir} of the database ${path} cannot be written (${codeOf(err)}); nothing was written: ${writeAdvice(path)}`)
  }
}

/**
 * One real write: `user_version` set to its own value in a `BEGIN IMMEDIATE` transaction (a
 * header change SQLite must write; `BEGIN IMMEDIATE` alone succeeds on a read-only file). A
 * database SQLite opened read-only fails here, at start-up, instead of on the first request.
 * @throws the SQLite error (`SQLITE_READONLY...`), for `databaseFileError`.
 */
export function probeWrite (db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number
  db.transaction(() => { db.pragma(`user_version = ${version}`) }).immediate()
}

/**
 * The SQLite error of opening, migrating or probing `path` restated as a `DatabaseFileError`
 * naming the file and the fix: read-only (`SQLITE_READONLY*`, `SQLITE_PERM`), cannot be opened
 * (`SQLITE_CANTOPEN*`), not a database (`SQLITE_NOTADB`), damaged (`SQLITE_CORRUPT*`), or an
 * I/O failure (`SQLITE_IOERR*`, `SQLITE_FULL`). Any other error is returned unchanged.
 */
export function databaseFileError (path: string, err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err
  const said = `${(err as Error).message}, ${code}`
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') {
    return new DatabaseFileError(path, `SQLite cannot write the database ${path} (${said}): ${writeAdvice(path)}`)
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new DatabaseFileError(path, `SQLite cannot open the database ${path} (${said}): ${writeAdvice(path)}`)
  }
  if (code === 'SQLITE_NOTADB') {
    return new DatabaseFileError(path, `${path} is not a SQLite database (${said}): point the setting at vault-sync's database file, or restore the database from a backup`)
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new DatabaseFileError(path, `the database ${path} is damaged (${said}): restore it from a backup (README.md, "Backup and restore"), with the seal key that belongs to it`)
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL') {
    return new DatabaseFileError(path, `cannot read or write the database ${path} (${said}): check the disk, its free space and the file system`)
  }
  return err
}
