/**
 * The SQLite `Store` (repositories.ts) over one better-sqlite3 connection: the synchronous
 * repositories of `db/*.ts` underneath, each call resolved at once (no thread hop, no I/O wait),
 * so better-sqlite3's fast path stays.
 *
 * Units of work run one at a time (an async queue of concurrency 1): BEGIN IMMEDIATE, the
 * callback, COMMIT (ROLLBACK when it rejects). While one is open, a call on `repos` (outside any
 * unit of work) waits for it, so nothing reads another unit's uncommitted rows or slips its own
 * statements into it. A callback that awaits anything but its repositories lets the event loop
 * turn with the transaction open (R2-3 forbids it): at that turn the transaction is rolled back,
 * and the unit rejects with `TransactionAwaitedError`. Inside a unit, `repos` and a nested
 * `transaction` join it (`unit-scope.ts`; a nested one is a SAVEPOINT).
 */
import PQueue from 'p-queue'
import { createAssociationsRepo, type AssociationRow } from '../associations-repo.js'
import type { Db } from '../database.js'
import { createDestinationsRepo } from '../destinations-repo.js'
import { createKvRepo } from '../kv-repo.js'
import { createMetaRepo } from '../meta-repo.js'
import { createMetricsRepo } from '../metrics-repo.js'
import { createMountsRepo } from '../mounts-repo.js'
import { createOutboxRepo, type ClaimScope } from '../outbox-repo.js'
import { createPoliciesRepo } from '../policies-repo.js'
import { createRulesRepo } from '../rules-repo.js'
import { createDriftRepo } from '../drift-repo.js'
import { createSyncStatusRepo } from '../sync-status-repo.js'
import { createTokensRepo } from '../tokens-repo.js'
import { LeaseLostError, type Fence } from './fence.js'
import { TransactionAwaitedError, type Async, type Repositories, type Store } from './repositories.js'
import { currentUnit, inUnitScope, withSavepoint, type Unit } from './unit-scope.js'

/**
 * How a repository call runs: `fn(...args)` at once, or later; resolving its result or
 * rejecting with what it threw.
 */
type Runner = <T>(fn: (...args: unknown[]) => T, args: unknown[]) => Promise<T>

/** Runs `fn(...args)` now, as a promise. */
function settle<T> (fn: (...args: unknown[]) => T, args: unknown[]): Promise<T> {
  try {
    return Promise.resolve(fn(...args))
  } catch (err) {
    return Promise.reject(err)
  }
}

/** The async form of `repo`, every call going through `run` (no closure per call). */
function asyncRepo<R extends object> (repo: R, run: Runner): Async<R> {
  const out: Record<string, unknown> = {}
  for (const [name, fn] of Object.entries(repo) as Array<[string, (...a: unknown[]) => unknown]>) {
    out[name] = (...args: unknown[]) => run(fn, args)
  }
  return out as Async<R>
}

/** Synchronous repositories and the extra statements of the async interface, on `db`. */
function syncRepositories (db: Db) {
  const associations = createAssociationsRepo(db)
  const outbox = createOutboxRepo(db)
  const setAssociation = db.prepare<[AssociationRow], AssociationRow>(`INSERT INTO associations (id, destination_id,
    accessor, mount_path, secret_path, granularity, name_template, removed, status, message, created_at, updated_at)
    VALUES (@id, @destination_id, @accessor, @mount_path, @secret_path, @granularity, @name_template, @removed, @status,
    @message, @created_at, @updated_at)
    ON CONFLICT (destination_id, accessor, secret_path) DO UPDATE SET granularity = excluded.granularity,
    name_template = excluded.name_template, removed = 0, status = excluded.status, message = NULL,
    updated_at = excluded.updated_at RETURNING *`)
  const removeAssociation = db.prepare<[string, number, string], AssociationRow>(`UPDATE associations SET removed = 1,
    status = ?, message = NULL, updated_at = ? WHERE id = ? AND removed = 0 RETURNING *`)
  const useOnce = db.prepare<[string], number>('UPDATE tokens SET num_uses = num_uses - 1 WHERE accessor = ? AND num_uses > 0 RETURNING num_uses').pluck()
  const kv = createKvRepo(db)
  const destinations = createDestinationsRepo(db)
  return {
    kv: {
      ...kv,
      metadataForUpdate: kv.metadata,
      keyState: (accessor: string, path: string) => {
        const metadata = kv.metadata(accessor, path)
        return metadata === undefined ? undefined : { metadata, versions: kv.versions(accessor, path) }
      }
    },
    tokens: { ...createTokensRepo(db), useOnce: (accessor: string) => useOnce.get(accessor) },
    mounts: createMountsRepo(db),
    policies: createPoliciesRepo(db),
    meta: createMetaRepo(db),
    destinations: { ...destinations, liveForUpdate: destinations.live },
    associations: {
      ...associations,
      set: (row: AssociationRow) => {
        const stored = setAssociation.get(row) as AssociationRow
        return { row: stored, inserted: stored.id === row.id }
      },
      remove: (id: string, status: string, at: number) => removeAssociation.get(status, at, id)
    },
    outbox: {
      ...outbox,
      markDirty: (id: string, now: number, refresh?: boolean) => {
        outbox.markDirty(id, now, refresh)
        return outbox.byAssociation(id)?.generation as number
      },
      markDirtyWithin: (id: string, now: number, refresh: boolean, capacity: number) => {
        if (!outbox.has(id) && outbox.count() >= capacity) return undefined
        outbox.markDirty(id, now, refresh)
        return outbox.byAssociation(id)?.generation as number
      },
      claim: (now: number, limit: number, leaseUntil: number, scope?: ClaimScope) =>
        outbox.claim(now, limit, leaseUntil, scope).map((r) => ({ ...r, lease_until: leaseUntil }))
    },
    rules: createRulesRepo(db),
    drift: createDriftRepo(db),
    syncStatus: createSyncStatusRepo(db),
    metrics: createMetricsRepo(db),
    // One process owns every vault: only the local fence (epoch 0) holds; nothing is recorded.
    fencing: { settle: (fence: Fence, _associationId?: string) => { if (fence.epoch !== 0) throw new LeaseLostError(fence) } }
  }
}

function asyncRepositories (repos: ReturnType<typeof syncRepositories>, run: Runner): Repositories {
  const { storedDigests: _d, setDigest: _s, ...associations } = repos.associations
  return {
    kv: asyncRepo(repos.kv, run),
    tokens: asyncRepo(repos.tokens, run),
    mounts: asyncRepo(repos.mounts, run),
    policies: asyncRepo(repos.policies, run),
    meta: asyncRepo(repos.meta, run),
    destinations: asyncRepo(repos.destinations, run),
    associations: asyncRepo(associations, run),
    outbox: asyncRepo(repos.outbox, run),
    rules: asyncRepo(repos.rules, run),
    drift: asyncRepo(repos.drift, run),
    syncStatus: asyncRepo(repos.syncStatus, run),
    metrics: asyncRepo(repos.metrics, run),
    fencing: asyncRepo(repos.fencing, run)
  }
}

/** A SQLite unit of work: its runner too, for the outside repositories called inside it. */
interface SqliteUnit extends Unit { run: Runner }

/**
 * The `Store` of an open, migrated SQLite connection (`openDatabase`). `close()` closes `db`.
 * During the move to async services the synchronous services may share `db`; they run whole
 * transactions within one event-loop turn, so they never interleave with a unit of work.
 */
export function createSqliteStore (db: Db): Store {
  const queue = new PQueue({ concurrency: 1 })
  const sync = syncRepositories(db)
  // Outside a unit of work: at once, unless one is open (then after it).
  // Inside a unit of work (ambient): on that unit.
  const outside: Runner = (fn, args) => {
    const unit = currentUnit() as SqliteUnit | undefined
    if (unit !== undefined) return unit.run(fn, args)
    if (!db.inTransaction) return settle(fn, args)
    return queue.add(async () => await settle(fn, args))
  }

  // The open unit (one at a time: the queue) and the repositories every unit's callback gets,
  // made once per store, not per unit (13 repositories of bound calls: issue 17's allocation per
  // write). A call through them runs at once while its unit is open and is the caller's ambient
  // unit; after the unit ended, after its abort, or from another scope it rejects.
  let open: { unit: SqliteUnit, aborted: boolean } | undefined
  const inside: Runner = (fn, args) => {
    const o = open
    return o === undefined || o.aborted || currentUnit() !== o.unit ? Promise.reject(new TransactionAwaitedError()) : settle(fn, args)
  }
  const unitRepos = asyncRepositories(sync, inside)

  async function unitOfWork<T> (work: (repos: Repositories) => Promise<T>): Promise<T> {
    let abort!: (err: Error) => void
    const aborted = new Promise<never>((_resolve, reject) => { abort = reject })
    let savepoints = 0
    const unit: SqliteUnit = {
      repos: unitRepos,
      run: inside,
      nested: async (nestedWork) => await withSavepoint((sql) => db.exec(sql), `vault_sync_${++savepoints}`, unitRepos, nestedWork)
    }
    const state = { unit, aborted: false }
    db.exec('BEGIN IMMEDIATE')
    open = state
    // The first event-loop turn while still open means `work` awaited something else: roll back
    // at once, and free the queue even if `work` never settles.
    const turn = setImmediate(() => {
      state.aborted = true
      if (db.inTransaction) db.exec('ROLLBACK')
      abort(new TransactionAwaitedError())
    })
    const running = inUnitScope(unit, async () => await work(unitRepos))
    try {
      const result = await Promise.race([running, aborted])
      db.exec('COMMIT')
      return result
    } catch (err) {
      if (!state.aborted && db.inTransaction) db.exec('ROLLBACK')
      running.catch(() => {}) // settles after the abort: nothing listens any more
      throw state.aborted ? new TransactionAwaitedError() : err
    } finally {
      clearImmediate(turn)
      if (open === state) open = undefined
    }
  }

  return {
    engine: 'sqlite',
    repos: asyncRepositories(sync, outside),
    transaction: async (work) => {
      const unit = currentUnit()
      return await (unit !== undefined ? unit.nested(work) : queue.add(async () => await unitOfWork(work)))
    },
    close: async () => {
      await queue.onIdle()
      db.close()
    }
  }
}
