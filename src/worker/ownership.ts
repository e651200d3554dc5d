/**
 * Who works on which outbox rows (issue 18: work is owned per Key Vault, Azure's limits being
 * per vault). A process claims only the rows of the vaults it owns (`scope`), settles each under
 * the fence of its vault's lease (`fenceOf`: checked by `repos.fencing.settle` in the settling
 * unit, so a replica that lost the lease settles nothing), and runs the maintenance work
 * (reconciliation, clean-up, drift sweeps) only while it holds the `maintenance` lease.
 * SQLite's one process owns everything ({@link OWNS_EVERYTHING}: epoch 0, no lease table);
 * on PostgreSQL `lease-ownership.ts` follows the lease keeper.
 */
import type { ClaimedRow, ClaimScope } from '../../db/outbox-repo.js'
import { LOCAL_FENCE, type Fence } from '../../db/store/fence.js'

/** What changed in this process's ownership. */
export interface OwnershipChange {
  /** Vault keys newly owned (their rows may be claimed now; leases of a previous owner are freed). */
  gained: string[]
  /** Vault keys no longer owned (in-flight attempts of theirs are aborted and will not settle). */
  lost: string[]
}

export interface WorkOwnership {
  /** The rows this process may claim; undefined = every row. */
  scope: () => ClaimScope | undefined
  /** The fence a claimed row settles under, or undefined when its vault is no longer owned. */
  fenceOf: (row: Pick<ClaimedRow, 'vault_key'>) => Fence | undefined
  /** True while this process runs the maintenance work. */
  maintains: () => boolean
  /** Calls `listener` after each change of ownership. */
  onChange: (listener: (change: OwnershipChange) => void) => void
  /** A destination's vault key was just recorded (first seen or changed): its vault may want an owner now. */
  vaultRecorded?: (key: string) => void
}

/** One process owning every vault and the maintenance work, settling under epoch 0 (SQLite). */
export const OWNS_EVERYTHING: WorkOwnership = Object.freeze({
  scope: () => undefined,
  fenceOf: () => LOCAL_FENCE,
  maintains: () => true,
  onChange: () => {}
})
