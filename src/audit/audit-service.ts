/**
 * The file audit device (decisions D-26; Vault's `audit/file` device): an append-only JSON-lines
 * file at `VAULT_SYNC_AUDIT_FILE` (mode 0600), and the HMAC-SHA256 that replaces every secret
 * string in it. The 32-byte HMAC key is created at first start and stored sealed in `meta`, so
 * digests stay comparable across restarts. The only device path is `file`.
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { createHmac, randomBytes } from 'node:crypto'
import type { MetaRepository } from '../../db/store/repositories.js'
import type { Sealer } from '../crypto/seal.js'
import { badRequest } from '../vault/errors.js'

const KEY_NAME = 'audit_hmac_key'

/** The device path `sys/audit-hash/:path` accepts (D-26). */
export const AUDIT_DEVICE = 'file'

/** One row of `GET sys/audit` (Vault's audit table entry). */
export interface AuditDevice {
  path: string
  type: string
  description: string
  options: Record<string, string>
  local: boolean
}

/** Settings store and sealer (for the HMAC key), and the audit file path. */
export interface AuditServiceDeps {
  meta: MetaRepository
  sealer: Sealer
  /** Audit file path; `undefined` = no audit device. */
  file: string | undefined
}

/**
 * Creates the audit service (the Store's `meta`, read once at start); opens the file for
 * appending when configured. @throws Error when the file cannot be opened.
 */
export async function createAuditService ({ meta, sealer, file }: AuditServiceDeps) {
  let sealed = await meta.get(KEY_NAME)
  if (sealed === undefined) {
    sealed = sealer.encrypt(randomBytes(32), KEY_NAME)
    await meta.set(KEY_NAME, sealed)
  }
  const key = sealer.decrypt(sealed, KEY_NAME)
  let fd: number | undefined = file === undefined ? undefined : openSync(file, 'a', 0o600)

  /** `hmac-sha256:<hex>` of `value` under the audit key. */
  const hmac = (value: string): string => `hmac-sha256:${createHmac('sha256', key).update(value, 'utf8').digest('hex')}`

  return {
    /** True when an audit file is configured. */
    enabled: (): boolean => fd !== undefined,

    /**
     * `GET sys/audit`: the enabled devices by path, as Vault's `handleAuditTable` lists them
     * (`path`, `type`, `description`, `options`, `local`); the one `file/` device with its
     * `file_path` option, or none without `VAULT_SYNC_AUDIT_FILE`.
     */
    devices (): Record<string, AuditDevice> {
      if (fd === undefined || file === undefined) return {}
      const path = `${AUDIT_DEVICE}/`
      return { [path]: { path, type: 'file', description: '', options: { file_path: file }, local: false } }
    },

    hmac,

    /**
     * `sys/audit-hash/:device`: the digest `input` has in the log of `device`.
     * @throws VaultError 400 `unknown audit backend <device>` when no such device is enabled.
     */
    hash (device: string, input: string): string {
      if (device.replace(/\/+$/, '') !== AUDIT_DEVICE || fd === undefined) throw badRequest(`unknown audit backend ${device}`)
      return hmac(input)
    },

    /**
     * Appends one entry as a JSON line (synchronously, so entries keep request order and a
     * failing device fails the request, as Vault's audit broker does). No-op without a file.
     * @throws Error when the write fails.
     */
    write (entry: object): void {
      if (fd !== undefined) writeSync(fd, `${JSON.stringify(entry)}\n`)
    },

    /** Closes the file (server shutdown). */
    close (): void {
      if (fd !== undefined) closeSync(fd)
      fd = undefined
    }
  }
}

export type AuditService = Awaited<ReturnType<typeof createAuditService>>
