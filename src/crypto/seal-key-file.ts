/**
 * The seal key file (decisions D-4): 32 random bytes, base64 on one line, mode 0600, created
 * on first start when absent.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { SEAL_KEY_BYTES, generateSealKey } from './seal.js'

/**
 * Reads the key at `path`, or creates it when the file does not exist and `sealedDataExists`
 * says the database has nothing sealed yet (a database copied without its key must not get a
 * new one: nothing could open its data).
 * @throws Error naming `VAULT_SYNC_SEAL_KEY_FILE` when the file holds no valid 32-byte key, is
 *   missing for a database that has data (then nothing is written), or cannot be created.
 */
export function loadOrCreateSealKey (path: string, sealedDataExists: () => boolean = () => false): Buffer {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOENT') throw new Error(`VAULT_SYNC_SEAL_KEY_FILE: cannot read ${path} (${code ?? (err as Error).message})`)
    if (sealedDataExists()) {
      throw new Error(`VAULT_SYNC_SEAL_KEY_FILE: ${path} does not exist, but the database already holds data sealed with a key: restore the key file that belongs to this database, or move the database away to start afresh (nothing was written)`)
    }
    const key = generateSealKey()
    try {
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      throw new Error(`VAULT_SYNC_SEAL_KEY_FILE: ${path} does not exist and cannot be created (${code ?? (err as Error).message}): create it once (32 random bytes, base64; "Running in production" in README.md shows how) or let the service write to its folder`)
    }
    return key
  }
  const key = Buffer.from(text.trim(), 'base64')
  if (key.length !== SEAL_KEY_BYTES) {
    throw new Error(`VAULT_SYNC_SEAL_KEY_FILE: ${path} does not hold a base64 ${SEAL_KEY_BYTES}-byte key`)
  }
  return key
}

/**
 * A warning when the seal key file at `path` can be read by its group or by others (mode bits
 * 0o077: `chmod 0644` after a copy, a restore with the wrong umask), else `undefined` (also when it
 * cannot be stat'ed: reading it has succeeded or failed already). Anyone who can read the key and
 * the database reads every secret; vault-sync creates it 0600.
 */
export function sealKeyModeWarning (path: string): string | undefined {
  let mode: number
  try { mode = statSync(path).mode & 0o777 } catch { return undefined }
  if ((mode & 0o077) === 0) return undefined
  return `VAULT_SYNC_SEAL_KEY_FILE: ${path} is readable by ${(mode & 0o007) !== 0 ? 'every user' : 'its group'} (mode 0${mode.toString(8)}): anyone who reads it and the database reads every secret; chmod 0600 it, owned by the user vault-sync runs as`
}
