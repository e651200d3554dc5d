/**
 * Backup blobs. The service returns an opaque, protected envelope that only restores inside the
 * same geography (spec/azure-keyvault-api.md §1.3); the emulator's blob is likewise opaque: a
 * marker followed by the secret (all versions) sealed with AES-256-GCM under the emulator's backup
 * key, so a blob restores into any vault of the same emulator (and of a later run that keeps its
 * state directory), never into another one. The wire form is base64url.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { AzureErrors } from './errors.js'
import type { StoredSecret } from './secret-model.js'

const MARKER = Buffer.from('AzureKeyVaultSecretBackupV1.vault-sync-emulator.', 'utf8')

/** Seals a secret into a backup blob (bytes) with the 32-byte `key`. */
export function sealBackup (secret: StoredSecret, key: Buffer): Buffer {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const body = Buffer.concat([cipher.update(JSON.stringify(secret), 'utf8'), cipher.final()])
  return Buffer.concat([MARKER, iv, cipher.getAuthTag(), body])
}

function isSecretShape (x: unknown): x is StoredSecret {
  if (x === null || typeof x !== 'object') return false
  const s = x as Record<string, unknown>
  return typeof s.name === 'string' && /^[0-9a-zA-Z-]{1,127}$/.test(s.name) && Array.isArray(s.versions) &&
    s.versions.length > 0 && s.versions.every((v: unknown) => v !== null && typeof v === 'object' &&
      typeof (v as Record<string, unknown>).version === 'string' && typeof (v as Record<string, unknown>).value === 'string')
}

/** Opens a blob made by {@link sealBackup}; anything else is 400 `BadParameter`. */
export function openBackup (blob: Buffer, key: Buffer): StoredSecret {
  const invalid = AzureErrors.badParameter('Backup blob contains invalid or corrupt version.')
  if (blob.length < MARKER.length + 28 || !blob.subarray(0, MARKER.length).equals(MARKER)) throw invalid
  const iv = blob.subarray(MARKER.length, MARKER.length + 12)
  const tag = blob.subarray(MARKER.length + 12, MARKER.length + 28)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
    decipher.setAuthTag(tag)
    const plain = Buffer.concat([decipher.update(blob.subarray(MARKER.length + 28)), decipher.final()])
    const parsed: unknown = JSON.parse(plain.toString('utf8'))
    if (!isSecretShape(parsed)) throw invalid
    return parsed
  } catch {
    throw invalid
  }
}
