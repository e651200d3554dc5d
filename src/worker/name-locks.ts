/**
 * Per-name locks of one worker process (decisions D-20; round2.md R2-6): driver calls on the
 * same destination name never overlap, whichever association's attempt makes them. Azure Key
 * Vault compares secret names case-insensitively, so a lock key is the endpoint plus the
 * driver's collision key of the name (`collisionKey`), and `DB_PASS`/`db-pass` share one.
 *
 * Why: a delete reads the latest version's owner tag, then deletes; a write of the same name by
 * another attempt landing between the two was deleted with it (the writer's entry then showed
 * SYNCED over an empty name). Serialised, the delete either runs first (the write then recovers
 * and writes) or sees the writer's tag and leaves the secret in place. With several replicas
 * each Key Vault's work is owned by one process (R2-6), so a process-wide lock covers it.
 *
 * Keys are taken in sorted order and all released together, and an attempt holds one set at a
 * time, so two attempts cannot wait on each other. Uncontended, taking a lock costs a map entry.
 */

/** Serialises work per name key. */
export interface NameLocks {
  /**
   * Runs `work` while holding every key of `keys` (duplicates allowed), then releases them.
   * Rejects with `signal`'s reason, without running `work`, when it aborts while waiting (the
   * worker stopping), releasing what it took.
   */
  hold: <T>(keys: Iterable<string>, work: () => Promise<T>, signal?: AbortSignal) => Promise<T>
  /** Keys currently held or waited for (tests). */
  size: () => number
}

/** Creates an empty lock table. */
export function createNameLocks (): NameLocks {
  // Per key, the promise the next taker waits for: it settles when every earlier holder released.
  const tails = new Map<string, Promise<void>>()

  async function take (key: string, signal: AbortSignal | undefined): Promise<() => void> {
    const before = tails.get(key)
    let release!: () => void
    const mine = new Promise<void>((resolve) => { release = resolve })
    const tail = before === undefined ? mine : before.then(async () => { await mine })
    tails.set(key, tail)
    const done = (): void => {
      release()
      if (tails.get(key) === tail) tails.delete(key)
    }
    // Given up while waiting: released at once, so later takers wait only for the earlier holders.
    if (before !== undefined) {
      try { await untilAborted(before, signal) } catch (err) { done(); throw err }
    }
    return done
  }

  return {
    hold: async (keys, work, signal) => {
      const releases: Array<() => void> = []
      try {
        for (const key of [...new Set(keys)].sort()) releases.push(await take(key, signal))
        return await work()
      } finally {
        for (const release of releases) release()
      }
    },
    size: () => tails.size
  }
}

/** `wait`, or a rejection with `signal`'s reason as soon as it aborts. */
async function untilAborted (wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) { await wait; return }
  signal.throwIfAborted()
  let onAbort!: () => void
  const aborted = new Promise<never>((_resolve, reject) => { onAbort = () => reject(signal.reason); signal.addEventListener('abort', onAbort, { once: true }) })
  try { await Promise.race([wait, aborted]) } finally { signal.removeEventListener('abort', onAbort) }
}
