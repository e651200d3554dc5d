/**
 * Which code runs inside a unit of work (`Store.transaction`), for both engines: a unit's
 * callback runs in an async-local scope, and the store refuses what would deadlock or escape the
 * transaction from inside it: starting another unit (on SQLite it would wait for the unit that
 * waits for it; on PostgreSQL it would wait on the unit's own row locks) and calling the store's
 * outside repositories (`store.repos`) instead of the unit's.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

const scope = new AsyncLocalStorage<true>()

/** A unit of work started another unit, or used `store.repos`, from inside its callback. */
export class NestedUnitOfWorkError extends Error {
  constructor (what: 'transaction' | 'repos') {
    super(what === 'transaction'
      ? 'a storage transaction was started inside another one: use the repositories the outer transaction received'
      : 'store.repos was used inside a storage transaction: use the repositories the transaction received')
    this.name = 'NestedUnitOfWorkError'
  }
}

/** True while the calling code runs inside a unit of work's callback. */
export function insideUnit (): boolean {
  return scope.getStore() === true
}

/** Runs a unit's callback `fn` inside the scope. */
export async function inUnitScope<T> (fn: () => Promise<T>): Promise<T> {
  return await scope.run(true, fn)
}

/** Rejects with NestedUnitOfWorkError('transaction') when called inside a unit. */
export function refuseNested (): Promise<never> | undefined {
  return insideUnit() ? Promise.reject(new NestedUnitOfWorkError('transaction')) : undefined
}
