/**
 * Ownership of sync work by leases (issue 18, PostgreSQL): a `WorkOwnership` that follows this
 * replica's lease keeper (`db/pg/lease-keeper.ts`). Give `keeperOptions` to the keeper: it
 * balances one lease per Key Vault (`vault:<key>`) across live replicas and takes the
 * `maintenance` lease when vacant; `onAcquired`/`onLost` update what the worker claims.
 * - `scope()`: the vault keys held, plus the rows with no vault key yet while holding
 *   maintenance;
 * - `fenceOf(row)`: the fence of the row's vault lease (maintenance for a row with no key);
 *   undefined once lost, and a settle under a lost fence is refused in the database anyway;
 * - `maintains()`: holds `maintenance` (reconciliation, clean-up, drift sweeps).
 */
import type { LeaseKeeperOptions } from '../../db/pg/lease-keeper.js'
import { MAINTENANCE_LEASE, vaultLeaseNames, vaultOfLease } from '../../db/pg/sync-work.js'
import type { Fence } from '../../db/store/fence.js'
import type { OwnershipChange, WorkOwnership } from './ownership.js'

/** The lease keeper options that drive the ownership. */
export type OwnershipKeeperOptions = Required<Pick<LeaseKeeperOptions, 'singletons' | 'balanced' | 'onAcquired' | 'onLost'>>

/**
 * Creates the ownership and the keeper options feeding it. `nudge` (the keeper's `nudge`) runs
 * when the worker records a new vault key, so the vault's lease is taken at once rather than on
 * the keeper's next tick (a new destination's first sync waits for it).
 */
export function createLeaseOwnership (nudge: () => void = () => {}): { ownership: WorkOwnership, keeperOptions: OwnershipKeeperOptions } {
  const vaults = new Map<string, Fence>()
  let maintenance: Fence | undefined
  const listeners: Array<(change: OwnershipChange) => void> = []
  const emit = (change: OwnershipChange): void => { for (const l of listeners) l(change) }

  const ownership: WorkOwnership = {
    scope: () => ({ vaults: [...vaults.keys()], unkeyed: maintenance !== undefined }),
    fenceOf: (row) => row.vault_key == null ? maintenance : vaults.get(row.vault_key),
    maintains: () => maintenance !== undefined,
    onChange: (listener) => { listeners.push(listener) },
    vaultRecorded: (key) => { if (!vaults.has(key)) nudge() }
  }
  const keeperOptions: OwnershipKeeperOptions = {
    singletons: [MAINTENANCE_LEASE],
    balanced: vaultLeaseNames,
    onAcquired: (fence) => {
      const vault = vaultOfLease(fence.name)
      if (fence.name === MAINTENANCE_LEASE) maintenance = fence
      if (vault === undefined) { emit({ gained: [], lost: [] }); return }
      vaults.set(vault, fence)
      emit({ gained: [vault], lost: [] })
    },
    onLost: (fence) => {
      const vault = vaultOfLease(fence.name)
      if (fence.name === MAINTENANCE_LEASE && maintenance?.epoch === fence.epoch) maintenance = undefined
      if (vault === undefined || vaults.get(vault)?.epoch !== fence.epoch) return
      vaults.delete(vault)
      emit({ gained: [], lost: [vault] })
    }
  }
  return { ownership, keeperOptions }
}
