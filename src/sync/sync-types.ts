/**
 * The secrets-sync vocabulary (spec/vault-sync-api.md §6.3, §5.1): Vault's sync statuses and
 * granularities as `as const` lists, so TypeScript unions and TypeBox schemas
 * (`sync-schemas.ts`) come from one source, plus the shapes the sync API answers.
 */

/** Every `sync_status` Vault reports, in the order of spec §6.3. */
export const SYNC_STATUSES = [
  'UNKNOWN', 'PENDING', 'SYNCING', 'SYNCED', 'UNSYNCING', 'UNSYNCED',
  'INTERNAL_VAULT_ERROR', 'CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR'
] as const
export type SyncStatus = typeof SYNC_STATUSES[number]

/** The statuses that carry an error `message` (D-15.12). */
export const ERROR_STATUSES: ReadonlySet<SyncStatus> = new Set(['INTERNAL_VAULT_ERROR', 'CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR'])

/** How a KV secret maps to external secrets (§5.1). */
export const GRANULARITIES = ['secret-path', 'secret-key'] as const
export type Granularity = typeof GRANULARITIES[number]

/** One entry of `associated_secrets` (§3.9), keyed `<accessor>/<secret_name>[/<sub_key>]`. */
export interface AssociationEntry {
  accessor: string
  /** Mount path without trailing `/`. */
  mount: string
  secret_name: string
  /** Only under `secret-key`. */
  sub_key?: string
  sync_status: SyncStatus
  /** RFC 3339 UTC, time of the last status change. */
  updated_at: string
  /** Short note or error text, never a secret value or credential (D-15.12). */
  message?: string
}

/** `data` of `GET …/:type/:name/associations` and of set/remove (§3.9-3.11). */
export interface DestinationAssociations {
  associated_secrets: Record<string, AssociationEntry>
  store_name: string
  store_type: string
}

/** One entry of `associated_destinations` (§3.13), keyed `<type>/<name>`. */
export interface DestinationOfSecret {
  type: string
  name: string
  sync_status: SyncStatus
  updated_at: string
  message?: string
}

/** `sys/sync/config` (§3.2). */
export interface SyncConfig {
  disabled: boolean
  /** Maximum number of outbox rows (D-15.14). */
  queue_capacity: number
}

/** Factory defaults of `sys/sync/config` (§3.2). */
export const DEFAULT_SYNC_CONFIG: Readonly<SyncConfig> = Object.freeze({ disabled: false, queue_capacity: 1_000_000 })
