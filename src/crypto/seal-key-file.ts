/**
 * The seal key file (decisions D-4): 32 random bytes, base64 on one line, mode 0600, created
 * on first start when absent.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
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
