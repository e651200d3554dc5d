/**
 * `vault-sync operator backup`: an online backup of the SQLite database with better-sqlite3's
 * `backup()` (SQLite's online backup API: a consistent snapshot while the server keeps writing;
 * https://www.sqlite.org/backup.html), then checked: `PRAGMA integrity_check` on the copy and
 * the seal key opening it. The seal key is NOT put into the backup: it encrypts the secrets in
 * it, so it is kept apart (`-seal-key-out` copies it, mode 0600, to a place of the operator's
 * choosing). Restore: stop the server, put the backup at the storage path (no `-wal`/`-shm`
 * files beside it) and the seal key at its path, start.
 */
import { chmodSync, constants, copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs'
import Database from 'better-sqlite3'
import { createMetaRepo } from '../../db/meta-repo.js'
import { SEAL_KEY_BYTES, createSealer } from '../crypto/seal.js'
import { sealKeyOpens } from '../services.js'

export interface BackupOptions {
  /** The live database (`storage "sqlite" { path }`). */
  dbPath: string
  /** Its seal key file. */
  sealKeyFile: string
  /** Where the backup goes; must not exist. */
  out: string
  /** Also copy the seal key here (must not exist); keep it apart from the database backups. */
  sealKeyOut?: string
}

export interface BackupResult { pages: number }

/**
 * Takes and checks the backup.
 * @throws Error when the database or key is missing, `out` exists, the copy fails its
 *   integrity check, or the seal key does not open it (the partial copy is removed).
 */
export async function backupDatabase ({ dbPath, sealKeyFile, out, sealKeyOut }: BackupOptions): Promise<BackupResult> {
  if (!existsSync(dbPath)) throw new Error(`no database at ${dbPath}`)
  if (!existsSync(sealKeyFile)) throw new Error(`no seal key at ${sealKeyFile}`)
  const key = Buffer.from(readFileSync(sealKeyFile, 'utf8').trim(), 'base64')
  if (key.length !== SEAL_KEY_BYTES) throw new Error(`${sealKeyFile} does not hold a base64 ${SEAL_KEY_BYTES}-byte key`)
  for (const p of [out, sealKeyOut]) if (p !== undefined && existsSync(p)) throw new Error(`${p} exists; choose a new file`)
  const source = new Database(dbPath, { readonly: true, fileMustExist: true })
  let pages: number
  try {
    source.pragma('busy_timeout = 5000')
    // After the first step, the rest in one step: a step holds a read snapshot (WAL lets writers
    // go on), and a write by the server between steps would restart the copy.
    pages = (await source.backup(out, { progress: ({ remainingPages }) => Math.max(remainingPages, 1) })).totalPages
  } finally {
    source.close()
  }
  const copy = new Database(out, { fileMustExist: true })
  try {
    // One self-contained file (no -wal/-shm beside it); the server turns WAL on again when it opens it.
    copy.pragma('journal_mode = DELETE')
    const integrity = copy.pragma('integrity_check', { simple: true })
    if (integrity !== 'ok') throw new Error(`the backup failed its integrity check: ${String(integrity)}`)
    if (await sealKeyOpens(createMetaRepo(copy), createSealer(key)) !== true) throw new Error(`the seal key ${sealKeyFile} does not open the backup`)
  } catch (err) {
    copy.close()
    rmSync(out, { force: true })
    throw err
  }
  copy.close()
  // A copy of the database: as private as the database itself, whatever the caller's umask.
  chmodSync(out, 0o600)
  if (sealKeyOut !== undefined) copyFileSync(sealKeyFile, sealKeyOut, constants.COPYFILE_EXCL)
  return { pages }
}
