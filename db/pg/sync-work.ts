/**
 * How replicas share the sync work on PostgreSQL (issue 18): the lease names and the outbox
 * wake-up channel.
 * - One lease per Key Vault, `vault:<vault key>` (`destinations.vault_key`, the driver's
 *   endpoint key), balanced across live replicas by the lease keeper (`lease-keeper.ts`); a
 *   replica claims only the outbox rows of the vaults it holds, and settles under their fence.
 * - `maintenance`: one replica runs reconciliation, clean-up and drift sweeps, and works the
 *   rows of destinations whose vault key is not known yet.
 * - `OUTBOX_CHANNEL`: a trigger on `sync_outbox` (schema.ts, migration `vault-keys`) notifies it
 *   when a row is queued or re-queued, on commit of the enqueueing transaction.
 */
import type { PgTx } from './connection.js'

/** The lease of the maintenance work. */
export const MAINTENANCE_LEASE = 'maintenance'

/** The channel the outbox trigger notifies (payload empty). */
export const OUTBOX_CHANNEL = 'vault_sync_outbox'

const VAULT_PREFIX = 'vault:'

/** The lease name of vault key `key`. */
export function vaultLeaseName (key: string): string { return `${VAULT_PREFIX}${key}` }

/** The vault key a lease name covers, or undefined for other leases. */
export function vaultOfLease (name: string): string | undefined {
  return name.startsWith(VAULT_PREFIX) ? name.slice(VAULT_PREFIX.length) : undefined
}

/** The balanced leases: one per vault key recorded on a destination (the lease keeper's `balanced`). */
export async function vaultLeaseNames (q: PgTx): Promise<string[]> {
  const rows = await q.query<{ k: string }>('SELECT DISTINCT vault_key AS k FROM destinations WHERE vault_key IS NOT NULL ORDER BY 1')
  return rows.map((r) => vaultLeaseName(r.k))
}
