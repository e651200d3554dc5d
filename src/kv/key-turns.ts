/**
 * In-process turns per KV key: mutations of one key in this process run one after another, so on
 * PostgreSQL the key's row lock (`SELECT … FOR UPDATE` in `loadForUpdate`) has at most one waiter
 * per replica. Without it, a burst of writes to one key filled every pooled connection with lock
 * waits that could outlast `lock_timeout` (5 s, case PG-5) and answer 500 under load; Vault itself
 * serialises writes of one key in memory the same way (its `locksutil` lock per key).
 * The database lock still orders writers of different replicas.
 */

/** Runs `fn` once every earlier call with the same `key` has settled; resolves or rejects as `fn`. */
export type KeyTurns = <T>(key: string, fn: () => Promise<T>) => Promise<T>

/** A fresh set of turns (one per KV service). Idle keys hold no memory. */
export function createKeyTurns (): KeyTurns {
  const tails = new Map<string, Promise<unknown>>()
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const before = tails.get(key)
    const mine = before === undefined ? fn() : before.then(fn, fn)
    const settled = mine.then(() => undefined, () => undefined)
    tails.set(key, settled)
    void settled.then(() => { if (tails.get(key) === settled) tails.delete(key) })
    return await mine
  }
}
