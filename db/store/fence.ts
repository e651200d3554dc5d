/**
 * Fencing of sync work (issue 18): the proof a settle carries that its replica still owns the
 * work, and the error refusing a settle whose lease is gone. Engine-neutral (the storage
 * interface names it); PostgreSQL's leases (`db/pg/leases.ts`) issue and check fences, SQLite's
 * one process owns everything under the fence {@link LOCAL_FENCE}.
 */

/** Proof of holding a lease: carried by every settle of work the lease covers. */
export interface Fence {
  readonly name: string
  readonly holder: string
  readonly epoch: number
}

/** A settle was refused: its lease is no longer held with that epoch. */
export class LeaseLostError extends Error {
  constructor (readonly fence: Fence) {
    super(`lease "${fence.name}" epoch ${fence.epoch} is no longer held by ${fence.holder}`)
    this.name = 'LeaseLostError'
  }
}

/** The fence of a process that owns all work alone (SQLite: one process, no lease table): epoch 0. */
export const LOCAL_FENCE: Fence = Object.freeze({ name: 'local', holder: 'local', epoch: 0 })
