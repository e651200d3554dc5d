/**
 * Client-side rate limits per Key Vault (spec/azure-keyvault-api.md §4, decisions D-12): Key
 * Vault allows 300 secret writes and 4,000 other operations per 10 s per vault; vault-sync keeps
 * a 10 % margin (270 / 3,600) and bounds concurrency, so a bulk sync runs at the limit without a
 * 429 storm. Limits are shared by every destination pointing at the same vault origin.
 */
import PQueue from 'p-queue'

export interface VaultLimits {
  /** Writes (PUT secret, restore) per window. */
  writesPerWindow: number
  /** Every other operation per window. */
  othersPerWindow: number
  /** Window length, ms. */
  windowMs: number
  /** Concurrent requests per vault and kind. */
  concurrency: number
}

/** Key Vault's documented limits minus a 10 % margin, 8 concurrent requests. */
export const DEFAULT_VAULT_LIMITS: VaultLimits = { writesPerWindow: 270, othersPerWindow: 3600, windowMs: 10_000, concurrency: 8 }

export type OperationKind = 'write' | 'other'

/** Creates the per-origin limiter. `run(origin, kind, fn)` runs `fn` when the limits allow. */
export function createVaultLimiter (limits: VaultLimits = DEFAULT_VAULT_LIMITS) {
  const queues = new Map<string, Record<OperationKind, PQueue>>()
  const queuesFor = (origin: string): Record<OperationKind, PQueue> => {
    let q = queues.get(origin)
    if (q === undefined) {
      const make = (cap: number): PQueue => new PQueue({ concurrency: limits.concurrency, intervalCap: cap, interval: limits.windowMs, carryoverIntervalCount: true })
      q = { write: make(limits.writesPerWindow), other: make(limits.othersPerWindow) }
      queues.set(origin, q)
    }
    return q
  }
  return {
    /** Runs `fn` under the `kind` limit of `origin`; resolves or rejects with `fn`'s outcome. */
    async run<T> (origin: string, kind: OperationKind, fn: () => Promise<T>): Promise<T> {
      return await queuesFor(origin)[kind].add(fn) as T
    },
    /** Drops idle queues (for shutdown). */
    clear (): void { for (const q of queues.values()) { q.write.clear(); q.other.clear() } queues.clear() }
  }
}

export type VaultLimiter = ReturnType<typeof createVaultLimiter>
