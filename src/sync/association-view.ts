/**
 * Pure read models of associations (spec/vault-sync-api.md §3.9, §3.12, §3.13; decisions
 * D-15.12, D-32.1): the `associated_secrets` entries of a destination, the status one
 * association shows per destination, and the global list keyed by mount path.
 */
import type { AssociationRow, TargetRow } from '../../db/associations-repo.js'
import { vaultTime } from '../vault/time.js'
import type { AssociationEntry, SyncStatus } from './sync-types.js'

/**
 * Compares two strings in Unicode code point order, which is the byte order of their UTF-8
 * (SQLite's BINARY collation); plain `<` differs where a surrogate meets U+E000..U+FFFF.
 */
export function compareCodePoints (a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000
    }
    return x - y
  }
  return a.length - b.length
}

/** Mount path without trailing `/`. */
const bare = (mountPath: string): string => mountPath.replace(/\/+$/, '')

/**
 * The `associated_secrets` entries of one association: one per target under `secret-key`
 * (keyed `<accessor>/<secret>/<sub_key>`), one `<accessor>/<secret>` otherwise, or when a
 * `secret-key` association has no target yet.
 */
export function associationEntries (a: AssociationRow, targets: readonly TargetRow[], mountPath: string): Array<[string, AssociationEntry]> {
  const base = { accessor: a.accessor, mount: bare(mountPath), secret_name: a.secret_path }
  const entry = (status: string, message: string | null, at: number, subKey?: string): AssociationEntry => {
    const e: AssociationEntry = { ...base, sync_status: status as SyncStatus, updated_at: vaultTime(at) }
    if (subKey !== undefined) e.sub_key = subKey
    if (message !== null && message !== '') e.message = message
    return e
  }
  const key = `${a.accessor}/${a.secret_path}`
  const own = a.granularity === 'secret-key' ? targets.filter((t) => t.sub_key !== '') : targets.filter((t) => t.sub_key === '')
  if (a.granularity === 'secret-key' && own.length > 0) {
    return own.map((t) => [`${key}/${t.sub_key}`, entry(t.status, t.message, t.updated_at, t.sub_key)])
  }
  const t = own[0]
  return [[key, t === undefined ? entry(a.status, a.message, a.updated_at) : entry(t.status, t.message, t.updated_at)]]
}

/** Statuses in the order one of them wins when an association's targets disagree. */
const PRECEDENCE: readonly SyncStatus[] = [
  'CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR', 'UNSYNCING', 'SYNCING', 'PENDING',
  'UNKNOWN', 'SYNCED', 'UNSYNCED'
]

/**
 * One status for an association (the `associated_destinations` entry): an error wins, then work
 * in progress, then `SYNCED`; `UNSYNCED` only when every target is. `updated_at` is the latest
 * change; `message` comes from the winning target.
 */
export function associationSummary (a: AssociationRow, targets: readonly TargetRow[]): { sync_status: SyncStatus, updated_at: string, message?: string } {
  const own = a.granularity === 'secret-key' ? targets.filter((t) => t.sub_key !== '') : targets.filter((t) => t.sub_key === '')
  if (own.length === 0) {
    return { sync_status: a.status as SyncStatus, updated_at: vaultTime(a.updated_at), ...(a.message !== null ? { message: a.message } : {}) }
  }
  const rank = (s: string): number => { const i = PRECEDENCE.indexOf(s as SyncStatus); return i < 0 ? PRECEDENCE.length : i }
  const winner = own.reduce((best, t) => (rank(t.status) < rank(best.status) ? t : best))
  const updated = Math.max(...own.map((t) => t.updated_at))
  const out: { sync_status: SyncStatus, updated_at: string, message?: string } = { sync_status: winner.status as SyncStatus, updated_at: vaultTime(updated) }
  // Errors and notes alike (`adopted pre-existing secret`, the older-version note), as the list view shows them.
  if (winner.message !== null && winner.message !== '') out.message = winner.message
  return out
}

/** One row of the global list: a live association and the mount path to key it by. */
export interface ListedAssociation { accessor: string, mountPath: string, secretPath: string }

/**
 * `LIST sys/sync/associations` data (D-32.1): keys `<mount>/<secret>` sorted by byte order, one
 * `key_info` element per secret (`mount` with a trailing `/`), `total_associations` counting
 * (secret, destination) links and `total_secrets` distinct secrets.
 */
export function globalAssociationList (rows: readonly ListedAssociation[]): { keys: string[], key_info: Record<string, Array<{ mount: string, secret_path: string }>>, total_associations: number, total_secrets: number } {
  const info = new Map<string, { mount: string, secret_path: string }>()
  for (const r of rows) {
    const key = `${bare(r.mountPath)}/${r.secretPath}`
    if (!info.has(key)) info.set(key, { mount: `${bare(r.mountPath)}/`, secret_path: r.secretPath })
  }
  // Byte order of the UTF-8 keys (code point order).
  const keys = [...info.keys()].sort(compareCodePoints)
  const keyInfo: Record<string, Array<{ mount: string, secret_path: string }>> = {}
  for (const k of keys) keyInfo[k] = [info.get(k)!]
  return { keys, key_info: keyInfo, total_associations: rows.length, total_secrets: keys.length }
}
