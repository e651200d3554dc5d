/**
 * The SQLite `Store` (repositories.ts) over one better-sqlite3 connection: the synchronous
 * repositories of `db/*.ts` underneath, each call resolved at once (no thread hop, no I/O wait),
 * so better-sqlite3's fast path stays.
 *
 * Units of work run one at a time, units waiting behind one committed with it (group commit;
 * `sqlite-units.ts`): BEGIN IMMEDIATE, the callback, COMMIT (ROLLBACK when it rejects). While
 * one is open, a call on `repos` (outside any unit of work) waits for it, so nothing reads
 * another unit's uncommitted rows or slips its own statements into it. A callback that awaits
 * anything but its repositories lets the event loop turn with the transaction open (R2-3 forbids
 * it): at that turn the unit is rolled back and rejects with `TransactionAwaitedError`. Inside a
 * unit, `repos` and a nested `transaction` join it (`unit-scope.ts`; a nested one is a SAVEPOINT).
 */
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
import { createTokenRolesRepo } from '../token-roles-repo.js'
import { LeaseLostError, type Fence } from './fence.js'
import type { Async, Repositories, Store } from './repositories.js'
import { createSqliteUnits, type Runner } from './sqlite-units.js'

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
    updated_at = excluded.updated_at,
    created_at = CASE WHEN associations.removed = 1 THEN excluded.created_at ELSE associations.created_at END RETURNING *`)
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
    tokenRoles: createTokenRolesRepo(db),
    mounts: createMountsRepo(db),
    policies: createPoliciesRepo(db),
    meta: createMetaRepo(db),
    // One writer: the unit's write lock already orders association changes (no statement).
    destinations: { ...destinations, liveForUpdate: destinations.live, lockForViewChange: (_d: readonly string[], _a?: readonly string[]) => undefined },
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
        if (!outbox.has(id) && !outbox.fewerThan(capacity)) return undefined
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
  // `appendVersion` is `runSync`'s alone (a synchronous group's one-statement write).
  const { appendVersion: _a, ...kv } = repos.kv
  return {
    kv: asyncRepo(kv, run),
    tokens: asyncRepo(repos.tokens, run),
    tokenRoles: asyncRepo(repos.tokenRoles, run),
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

/**
 * The `Store` of an open, migrated SQLite connection (`openDatabase`). `close()` closes `db`.
 * During the move to async services the synchronous services may share `db`; they run whole
 * transactions within one event-loop turn, so they never interleave with a unit of work.
 */
export function createSqliteStore (db: Db): Store {
  const sync = syncRepositories(db)
  const units = createSqliteUnits(db, (run) => asyncRepositories(sync, run), { kv: sync.kv, associations: sync.associations, rules: sync.rules })
  return {
    engine: 'sqlite',
    repos: asyncRepositories(sync, units.outside),
    transaction: units.transaction,
    runSync: units.runSync,
    close: async () => {
      await units.idle()
      db.close()
    }
  }
}
