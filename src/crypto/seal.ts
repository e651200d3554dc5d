/**
 * At-rest encryption: AES-256-GCM with the seal key (32 bytes). Every stored secret value,
 * custom metadata and destination credential goes through a `Sealer`.
 *
 * Blob layout (bytes): version (1, = 1) | nonce (12) | ciphertext | tag (16). The optional
 * `aad` binds a blob to its row (e.g. `kv:<accessor>:<path>:<version>`), so a blob copied to
 * another row fails to decrypt.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, randomFillSync } from 'node:crypto'

const VERSION = 1
const NONCE_BYTES = 12
const TAG_BYTES = 16
/** Seal key length in bytes (AES-256). */
export const SEAL_KEY_BYTES = 32

export interface Sealer {
  /** Encrypts `plaintext` (UTF-8 string or bytes) into a blob. */
  encrypt: (plaintext: string | Buffer, aad?: string) => Buffer
  /** Decrypts a blob to bytes. @throws Error when the key, aad or blob is wrong. */
  decrypt: (blob: Buffer, aad?: string) => Buffer
  /** Decrypts a blob to a UTF-8 string. @throws Error as `decrypt`. */
  decryptString: (blob: Buffer, aad?: string) => string
}

/** Nonces drawn from a pool refilled from the CSPRNG (one call per 341 nonces, as `randomUUID` pools its entropy). */
const NONCE_POOL = Buffer.alloc(NONCE_BYTES * 341)
let noncePoolAt = NONCE_POOL.length

/** 12 fresh random bytes: a view of the pool, valid until the next call (copy it to keep it). */
function freshNonce (): Buffer {
  if (noncePoolAt + NONCE_BYTES > NONCE_POOL.length) { randomFillSync(NONCE_POOL); noncePoolAt = 0 }
  const nonce = NONCE_POOL.subarray(noncePoolAt, noncePoolAt + NONCE_BYTES)
  noncePoolAt += NONCE_BYTES
  return nonce
}

/**
 * Creates a sealer for `key`.
 * @throws RangeError when the key is not 32 bytes.
 */
export function createSealer (key: Buffer): Sealer {
  if (key.length !== SEAL_KEY_BYTES) throw new RangeError(`seal key must be ${SEAL_KEY_BYTES} bytes, got ${key.length}`)
  // A KeyObject: each cipher uses its bytes as they are, instead of copying a buffer's.
  const secret = createSecretKey(key)
  // Written straight into the blob (issue 16: a KV write seals on every request): the string is
  // encrypted without a Buffer of its own, and the blob is one allocation, not three concats.
  const encrypt = (plaintext: string | Buffer, aad?: string): Buffer => {
    const nonce = freshNonce()
    const cipher = createCipheriv('aes-256-gcm', secret, nonce)
    if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'))
    const body = typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext)
    const rest = cipher.final() // empty for GCM (a stream mode), kept should that ever change
    const blob = Buffer.allocUnsafe(1 + NONCE_BYTES + body.length + rest.length + TAG_BYTES)
    blob[0] = VERSION
    nonce.copy(blob, 1)
    body.copy(blob, 1 + NONCE_BYTES)
    rest.copy(blob, 1 + NONCE_BYTES + body.length)
    cipher.getAuthTag().copy(blob, 1 + NONCE_BYTES + body.length + rest.length)
    return blob
  }
  const decrypt = (blob: Buffer, aad?: string): Buffer => {
    if (blob.length < 1 + NONCE_BYTES + TAG_BYTES || blob[0] !== VERSION) throw new Error('sealed blob is malformed')
    const nonce = blob.subarray(1, 1 + NONCE_BYTES)
    const tag = blob.subarray(blob.length - TAG_BYTES)
    const decipher = createDecipheriv('aes-256-gcm', secret, nonce)
    if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'))
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(blob.subarray(1 + NONCE_BYTES, blob.length - TAG_BYTES)), decipher.final()])
  }
  return { encrypt, decrypt, decryptString: (blob, aad) => decrypt(blob, aad).toString('utf8') }
}

/** 32 fresh random bytes for a new seal key. */
export function generateSealKey (): Buffer {
  return randomBytes(SEAL_KEY_BYTES)
}
