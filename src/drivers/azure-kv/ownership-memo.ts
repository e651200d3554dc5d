/**
 * Remembers the outcome of a first write's ownership read (FR-25: is the name free, ours, or a
 * foreign secret to adopt?) until that write succeeds, so a retry of the same write (after a
 * 429, a timeout or a 5xx) does not read again (issue 17 counted 805 reads for 600 secrets).
 * A recovery of a soft-deleted foreign secret remembers its adoption note the same way, for a
 * retry that finds the secret already recovered (`azure-kv-driver.ts`).
 * Entries live `ttlMs` at most (a name's owner can change in Azure meanwhile) and are dropped on
 * success; memory is bounded by the first writes failing within one TTL. Keys are the vault
 * origin and the name, case-insensitively (Key Vault names are).
 */

/** What the read found that lets the write go ahead: nothing, or a secret with this note to report. */
export interface OwnershipOutcome { note?: string }

/** Creates the memo; `clock` in ms. */
export function createOwnershipMemo (ttlMs: number, clock: () => number = Date.now) {
  const entries = new Map<string, { at: number, outcome: OwnershipOutcome }>() // insertion order == time order
  const keyOf = (origin: string, name: string): string => `${origin} ${name.toLowerCase()}`
  const expire = (now: number): void => {
    for (const [k, e] of entries) {
      if (e.at + ttlMs > now) break
      entries.delete(k)
    }
  }
  return {
    /** The remembered outcome, or undefined when the name must be read. */
    get (origin: string, name: string): OwnershipOutcome | undefined {
      expire(clock())
      return entries.get(keyOf(origin, name))?.outcome
    },
    /** Remembers `outcome` for `name` on `origin`. */
    remember (origin: string, name: string, outcome: OwnershipOutcome): void {
      const k = keyOf(origin, name)
      entries.delete(k)
      entries.set(k, { at: clock(), outcome })
      expire(clock())
    },
    /** Forgets `name` (its write succeeded: the recorded state proves ownership from now on). */
    forget (origin: string, name: string): void { entries.delete(keyOf(origin, name)) },
    size: (): number => entries.size
  }
}

export type OwnershipMemo = ReturnType<typeof createOwnershipMemo>
