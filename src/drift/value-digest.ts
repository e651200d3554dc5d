/**
 * The keyed digest of a rendered value that drift detection records at write time (issue 21):
 * HMAC-SHA256 under a key derived from the seal key with HKDF-SHA256 (RFC 5869; info
 * `vault-sync drift value digest v1`), so it is stable across restarts, worthless without the seal
 * key, and never a plain hash. The digest names its key (`hmac-sha256:<key id>:<hex>`): after a
 * seal-key change old digests compare as `unknown` instead of as a false difference. Digests are
 * kept in vault-sync's database only: never in Azure tags, logs, errors or API responses.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'

const INFO = 'vault-sync drift value digest v1'
const PREFIX = 'hmac-sha256:'

/** A derived digest key and its public id (16 hex characters). */
export interface DriftKey {
  readonly key: Buffer
  readonly id: string
}

/** How a remote value compares with a recorded digest. */
export type ValueComparison = 'same' | 'different' | 'unknown'

/**
 * Derives the digest key from the 32-byte seal key.
 * @throws RangeError when the seal key is not 32 bytes.
 */
export function deriveDriftKey (sealKey: Buffer): DriftKey {
  if (sealKey.length !== 32) throw new RangeError(`seal key must be 32 bytes, got ${sealKey.length}`)
  const key = Buffer.from(hkdfSync('sha256', sealKey, Buffer.alloc(0), INFO, 32))
  return { key, id: createHmac('sha256', key).update('key id').digest('hex').slice(0, 16) }
}

/** `hmac-sha256:<key id>:<64 hex>` of `value` (UTF-8). */
export function valueDigest (k: DriftKey, value: string): string {
  return `${PREFIX}${k.id}:${createHmac('sha256', k.key).update(value, 'utf8').digest('hex')}`
}

/**
 * Compares `value` with a recorded digest in constant time: `unknown` when the digest was made
 * under another key or is not a digest at all.
 */
export function compareValue (k: DriftKey, recorded: string, value: string): ValueComparison {
  const m = /^hmac-sha256:([0-9a-f]{16}):([0-9a-f]{64})$/.exec(recorded)
  if (m === null || m[1] !== k.id) return 'unknown'
  const actual = createHmac('sha256', k.key).update(value, 'utf8').digest()
  return timingSafeEqual(actual, Buffer.from(m[2], 'hex')) ? 'same' : 'different'
}
