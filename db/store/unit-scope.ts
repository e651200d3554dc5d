/**
 * Which unit of work (`Store.transaction`) the calling code runs in, for both engines: a unit's
 * callback runs in an async-local scope holding the unit, so code deep inside it joins the unit
 * instead of escaping or deadlocking on it (ambient units, as better-sqlite3's nested
 * `db.transaction` behaved for the synchronous services):
 * - a call on the store's outside repositories (`store.repos`, even a reference captured before)
 *   runs on the unit's repositories: on its transaction, seeing its uncommitted rows;
 * - a nested `store.transaction` runs as a SAVEPOINT of the unit: its rejection rolls back its
 *   own writes only (and is passed on), its success keeps them in the unit, committed with it.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Repositories } from './repositories.js'

/** An open unit of work, as code inside it sees it. */
export interface Unit {
  /** The unit's repositories (its transaction). */
  readonly repos: Repositories
  /** Runs `work` as a savepoint of the unit (engine-specific). */
  readonly nested: <T>(work: (repos: Repositories) => Promise<T>) => Promise<T>
}

const scope = new AsyncLocalStorage<Unit>()

/** The unit of work the calling code runs in, or undefined outside any. */
export function currentUnit (): Unit | undefined {
  return scope.getStore()
}

/**
 * Runs `fn` outside any unit of work, whatever scope the caller is in. For callbacks scheduled
 * from inside a unit (a timer or `setImmediate` set there inherits the unit's scope, and would
 * run its storage calls on that unit even after it ended): background work starts through it.
 */
export function outsideUnits<T> (fn: () => T): T {
  return scope.exit(fn)
}

/** How many units' callbacks are running (in `inUnitScope`). */
let running = 0

/**
 * Runs a unit's callback `fn` inside the unit's scope. The scope is switched off (`disable`)
 * whenever no unit's callback is running: an enabled `AsyncLocalStorage` makes Node run an async
 * hook on every promise, tick and socket write of the process (about a tenth of a cached KV
 * read's CPU), and with no unit open there is no store to carry. Code outside units sees
 * `currentUnit()` undefined either way; the next unit switches the scope back on.
 */
export async function inUnitScope<T> (unit: Unit, fn: () => Promise<T>): Promise<T> {
  running++
  try {
    return await scope.run(unit, fn)
  } finally {
    if (--running === 0) scope.disable()
  }
}

/**
 * Runs `work` between `SAVEPOINT name` and `RELEASE name`, rolling back to the savepoint (and
 * releasing it) when `work` rejects; `exec` runs one SQL statement on the unit's connection.
 */
export async function withSavepoint<T> (exec: (sql: string) => unknown, name: string, repos: Repositories, work: (repos: Repositories) => Promise<T>): Promise<T> {
  await exec(`SAVEPOINT ${name}`)
  let result: T
  try {
    result = await work(repos)
  } catch (err) {
    await exec(`ROLLBACK TO SAVEPOINT ${name}`)
    await exec(`RELEASE SAVEPOINT ${name}`)
    throw err
  }
  await exec(`RELEASE SAVEPOINT ${name}`)
  return result
}
