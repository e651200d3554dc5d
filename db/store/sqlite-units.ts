/**
 * Units of work of the SQLite store (`sqlite-store.ts`) on its one better-sqlite3 connection:
 * one at a time, in arrival order, with group commit (issue 16: BEGIN IMMEDIATE and COMMIT
 * were a third of a KV write's CPU).
 *
 * - A unit waiting when another ends joins that one's transaction instead of opening its own:
 *   the transaction stays open, the waiting unit runs between `SAVEPOINT` and `RELEASE`, and
 *   one COMMIT ends the group (at most `MAX_GROUP` units; never across an event-loop turn).
 *   Each unit is still atomic and isolated: one that rejects rolls back to its savepoint (the
 *   first of a group rolls back the transaction and ends the group), and no caller hears of
 *   success before the COMMIT that made its writes durable; when the COMMIT fails, or SQLite
 *   rolled the whole transaction back, every unit of the group rejects.
 * - A statement called outside any unit while a transaction is open waits in the same queue,
 *   so it sees only committed rows; a group ends before it.
 * - The first event-loop turn while a unit is open means it awaited something other than its
 *   repositories (R2-3): that unit is rolled back (the units before it in the group commit) and
 *   rejects with `TransactionAwaitedError`; its later repository calls reject too.
 * - `runSync` (`Store.runSync`) runs a synchronous unit at once, BEGIN IMMEDIATE to COMMIT
 *   without a promise, but only when no unit is open or queued and the caller is in none, so
 *   arrival order and isolation hold as for the queued units; else it declines. Given a
 *   `committed` callback, its COMMIT may be shared (synchronous group commit, issue 16, seventh
 *   session): the transaction stays open until the check phase of this event-loop turn (at most
 *   `MAX_GROUP` works), later synchronous works join it as savepoints, and each hears of its
 *   COMMIT through `committed`; anything else that needs the connection first (a unit, an outside
 *   call, a plain `runSync`, `idle`) commits the group before it runs, so no one else reads its
 *   uncommitted rows and no transaction outlives the turn. A work declared `oneStatement` (it
 *   writes with one statement, as its last step, so a throw or a decline leaves nothing of it
 *   written) joins without a savepoint: a failed statement is undone by SQLite itself (issue 16,
 *   ninth session: SAVEPOINT and RELEASE were two of a KV write's five statements).
 * - Inside a unit, the unit's repositories are one object for every unit of the store: a call
 *   runs when it comes from the open unit's async scope (`unit-scope.ts`) and rejects otherwise
 *   (a unit that already ended), so no repositories are built per unit.
 */
import type { Db } from '../database.js'
import { TransactionAwaitedError, type Repositories, type SyncRepositories } from './repositories.js'
import { currentUnit, inUnitScope, withSavepoint, type Unit } from './unit-scope.js'

/** Most units committed together. */
const MAX_GROUP = 64

/** How a repository call runs: `fn(...args)` at once or later, resolving its result or rejecting with what it threw. */
export type Runner = <T>(fn: (...args: unknown[]) => T, args: unknown[]) => Promise<T>

/** Runs `fn(...args)` now, as a promise. */
export function settle<T> (fn: (...args: unknown[]) => T, args: unknown[]): Promise<T> {
  try {
    return Promise.resolve(fn(...args))
  } catch (err) {
    return Promise.reject(err)
  }
}

interface UnitTask { work: (repos: Repositories) => Promise<unknown>, resolve: (value: unknown) => void, reject: (err: unknown) => void }
interface CallTask { fn: (...args: unknown[]) => unknown, args: unknown[], resolve: (value: unknown) => void, reject: (err: unknown) => void }

/** A unit of this store, as the async scope holds it. */
interface SqliteUnit extends Unit { owner: object, aborted: boolean }

/** The units of work and outside calls of one connection. */
export interface SqliteUnits {
  /** Runs `work` as a unit of work (a savepoint of the caller's unit when called inside one). */
  transaction: <T>(work: (repos: Repositories) => Promise<T>) => Promise<T>
  /** The runner of the outside repositories: on the caller's unit, else now, else after the open transaction. */
  outside: Runner
  /** `Store.runSync`: `work` in one synchronous transaction when nothing is open or queued (its COMMIT shared when `committed` is given). */
  runSync: <T>(work: (repos: SyncRepositories) => T | undefined, committed?: (err?: unknown) => void, oneStatement?: boolean) => T | undefined
  /** Resolves once nothing is queued or running. */
  idle: () => Promise<void>
}

/**
 * Creates the unit runner of `db`; `makeRepos(run)` builds repositories whose calls go through
 * `run`; `syncRepos` are the synchronous ones `runSync` hands its work.
 */
export function createSqliteUnits (db: Db, makeRepos: (run: Runner) => Repositories, syncRepos: SyncRepositories): SqliteUnits {
  const owner = {}
  const sql = {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT vault_sync_unit'),
    release: db.prepare('RELEASE vault_sync_unit'),
    rollbackTo: db.prepare('ROLLBACK TO vault_sync_unit')
  }
  const queue: Array<{ unit: UnitTask } | { call: CallTask }> = []
  let pumping = false
  let idleWaiters: Array<() => void> = []
  /** The unit running now, and how to abort it. */
  let active: SqliteUnit | undefined
  let abortActive: ((err: Error) => void) | undefined
  let savepoints = 0
  /** The open synchronous group: what to tell each of its works once the COMMIT is done or failed. */
  let group: { committed: Array<(err?: unknown) => void>, turn: NodeJS.Immediate } | undefined

  /** COMMITs the open transaction; when that fails, rolls it back and returns the COMMIT's error. */
  function commitOrRollback (): { err: unknown } | undefined {
    try {
      sql.commit.run()
      return undefined
    } catch (err) {
      if (db.inTransaction) sql.rollback.run()
      return { err }
    }
  }

  /** Undoes a failed or declined work: the whole transaction when it began it (`first`), else its savepoint. */
  function undo (first: boolean): void {
    if (!db.inTransaction) return
    if (first) sql.rollback.run()
    else { sql.rollbackTo.run(); sql.release.run() }
  }

  /** Commits the open synchronous group (rolled back when the COMMIT fails) and tells its works. */
  function commitGroup (): void {
    const g = group
    if (g === undefined) return
    group = undefined
    clearImmediate(g.turn)
    const failed = commitOrRollback()
    let thrown: { err: unknown } | undefined
    for (const tell of g.committed) {
      try { tell(failed?.err) } catch (err) { thrown ??= { err } }
    }
    if (thrown !== undefined) throw thrown.err
  }

  /**
   * Runs synchronous `work` (a savepoint of the open group when there is one, unless the work
   * writes in `oneStatement`: atomic on its own); undefined = declined, rolled back.
   */
  function runWork<T> (work: (repos: SyncRepositories) => T | undefined, member: boolean, oneStatement: boolean): T | undefined {
    const savepoint = member && !oneStatement
    if (!member) sql.begin.run()
    else if (savepoint) sql.savepoint.run()
    let value: T | undefined
    try {
      value = work(syncRepos)
    } catch (err) {
      if (!member || savepoint) undo(!member)
      // What the group wrote before decided this error: committed before anyone hears of it.
      if (member) commitGroup()
      throw err
    }
    if (value === undefined) {
      if (!member || savepoint) undo(!member)
    } else if (savepoint) sql.release.run()
    return value
  }

  const ours = (unit: Unit | undefined): unit is SqliteUnit => unit !== undefined && (unit as SqliteUnit).owner === owner
  const inside: Runner = (fn, args) => {
    const unit = currentUnit()
    return unit !== undefined && unit === active && !active.aborted ? settle(fn, args) : Promise.reject(new TransactionAwaitedError())
  }
  const repos = makeRepos(inside)
  const nested = async <T>(work: (repos: Repositories) => Promise<T>): Promise<T> => {
    const unit = currentUnit()
    if (unit === undefined || unit !== active || active.aborted) throw new TransactionAwaitedError()
    return await withSavepoint((text) => db.exec(text), `vault_sync_${++savepoints}`, repos, work)
  }

  function enqueue (task: { unit: UnitTask } | { call: CallTask }): void {
    commitGroup()
    queue.push(task)
    if (!pumping) {
      pumping = true
      void pump()
    }
  }

  async function pump (): Promise<void> {
    while (queue.length > 0) {
      const task = queue.shift()!
      if ('unit' in task) {
        await runGroup(task.unit)
        continue
      }
      const { fn, args, resolve, reject } = task.call
      try { resolve(fn(...args)) } catch (err) { reject(err) }
    }
    pumping = false
    const waiters = idleWaiters
    idleWaiters = []
    for (const w of waiters) w()
  }

  /** Runs one unit: `first` opens the group's transaction, a later one is a savepoint of it. */
  async function runOne (task: UnitTask, first: boolean): Promise<{ ok: true, value: unknown } | { ok: false, err: unknown }> {
    const unit: SqliteUnit = { repos, nested, owner, aborted: false }
    if (first) sql.begin.run()
    else sql.savepoint.run()
    active = unit
    const aborted = new Promise<never>((_resolve, reject) => { abortActive = reject })
    const running = inUnitScope(unit, async () => await task.work(repos))
    try {
      const value = await Promise.race([running, aborted])
      if (!first) sql.release.run()
      return { ok: true, value }
    } catch (err) {
      running.catch(() => {}) // settles after an abort: nothing listens any more
      undo(first)
      return { ok: false, err: unit.aborted ? new TransactionAwaitedError() : err }
    } finally {
      active = undefined
      abortActive = undefined
    }
  }

  /** Runs `first` and the units queued behind it in one transaction; settles each after the COMMIT. */
  async function runGroup (first: UnitTask): Promise<void> {
    const done: Array<[UnitTask, unknown]> = []
    let expired = false
    const turn = setImmediate(() => {
      expired = true
      if (active === undefined) return
      active.aborted = true
      abortActive?.(new TransactionAwaitedError())
    })
    try {
      let task = first
      for (;;) {
        const outcome = await runOne(task, task === first)
        if (outcome.ok) done.push([task, outcome.value])
        else {
          task.reject(outcome.err)
          if (task === first || !db.inTransaction) {
            // The transaction is gone: what the group did before is not committed.
            for (const [t] of done.splice(0)) t.reject(outcome.err)
            return
          }
        }
        const next = queue[0]
        if (expired || next === undefined || !('unit' in next) || done.length >= MAX_GROUP) break
        queue.shift()
        task = next.unit
      }
      const failed = commitOrRollback()
      if (failed !== undefined) {
        for (const [t] of done) t.reject(failed.err)
        return
      }
      for (const [t, value] of done) t.resolve(value)
    } finally {
      clearImmediate(turn)
    }
  }

  return {
    transaction: async <T>(work: (repos: Repositories) => Promise<T>): Promise<T> => {
      const unit = currentUnit()
      if (ours(unit)) return await unit.nested(work)
      return await new Promise<T>((resolve, reject) => {
        enqueue({ unit: { work, resolve: resolve as (value: unknown) => void, reject } })
      })
    },
    outside: (fn, args) => {
      if (ours(currentUnit())) return inside(fn, args)
      // An open synchronous group commits first; then the call runs at once unless a unit is open.
      commitGroup()
      if (!db.inTransaction) return settle(fn, args)
      return new Promise((resolve, reject) => {
        enqueue({ call: { fn, args, resolve: resolve as (value: unknown) => void, reject } })
      })
    },
    runSync: <T>(work: (repos: SyncRepositories) => T | undefined, committed?: (err?: unknown) => void, oneStatement = false): T | undefined => {
      // A queued or open unit goes first (arrival order); inside a unit, the caller joins it.
      if (pumping || queue.length > 0 || currentUnit() !== undefined) return undefined
      if (committed === undefined || (group !== undefined && group.committed.length >= MAX_GROUP)) commitGroup()
      if (db.inTransaction && group === undefined) return undefined
      const member = group !== undefined
      const value = runWork(work, member, oneStatement)
      if (value === undefined) return undefined
      if (committed !== undefined) {
        group ??= { committed: [], turn: setImmediate(commitGroup) }
        group.committed.push(committed)
        return value
      }
      const failed = commitOrRollback()
      if (failed !== undefined) throw failed.err
      return value
    },
    idle: async () => {
      commitGroup()
      if (!pumping) return
      await new Promise<void>((resolve) => { idleWaiters.push(resolve) })
    }
  }
}
