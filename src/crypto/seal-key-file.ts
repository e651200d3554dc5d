/**
 * The seal key file (decisions D-4): 32 random bytes, base64 on one line, mode 0600, created
 * on first start when absent.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { SEAL_KEY_BYTES, generateSealKey } from './seal.js'

/**
 * Reads the key at `path`, or creates it when the file does not exist.
 * @throws Error naming `VAULT_SYNC_SEAL_KEY_FILE` when the file holds no valid 32-byte key.
 */
export function loadOrCreateSealKey (path: string): Buffer {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    const key = generateSealKey()
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' })
    return key
  }
  const key = Buffer.from(text.trim(), 'base64')
  if (key.length !== SEAL_KEY_BYTES) {
    throw new Error(`VAULT_SYNC_SEAL_KEY_FILE: ${path} does not hold a base64 ${SEAL_KEY_BYTES}-byte key`)
  }
  return key
}
