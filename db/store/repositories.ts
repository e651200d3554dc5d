/**
 * The async storage interface (round2.md R2-3, issue 18): one repository per aggregate and a
 * unit of work, implemented on SQLite (`sqlite-store.ts`, over the synchronous better-sqlite3
 * repositories of `db/*.ts`) and on PostgreSQL (`pg/pg-store.ts`, node-postgres).
 *
 * Each repository is the async form of its synchronous twin in `db/` (same methods, arguments,
 * row shapes and meanings: the row types stay documented there), plus the few operations that
 * must be atomic on their own once several replicas write one PostgreSQL database (where
 * SQLite's single writer serialised for free):
 * - `kv.metadataForUpdate`: the key's metadata read that also locks the key until the
 *   transaction ends, so "next version" and check-and-set see the last committed version;
 * - `associations.set` / `associations.remove`: `associations/set` and `/remove` in one
 *   statement each (INSERT … ON CONFLICT … DO UPDATE … RETURNING; UPDATE … RETURNING);
 * - `outbox.markDirty` resolves the generation it left (one INSERT … ON CONFLICT … RETURNING);
 *   `outbox.markDirtyWithin` is the same bounded by the queue's capacity, exact across replicas;
 * - `tokens.useOnce`: a limited-use token's use counted in one statement;
 * - `destinations.liveForUpdate`: a destination read that locks its row for an update;
 * - `destinations.lockForViewChange`: the destination rows a unit's association changes bump
 *   (PostgreSQL's association-view trigger), locked first and in id order;
 * and `kv.keyState`, a key's metadata and versions in one call (one round trip on PostgreSQL).
 *
 * Times, units and errors are those of the synchronous repositories. A constraint violation
 * rejects with the engine's error (SQLite `SQLITE_CONSTRAINT_*`, PostgreSQL code 23xxx).
 */
import type { AssociationRow, AssociationsRepo } from '../associations-repo.js'
import type { DestinationRow, DestinationsRepo } from '../destinations-repo.js'
import type { KvMetadataRow, KvRepo, KvVersionRow, SqliteKvRepo } from '../kv-repo.js'
import type { MetaRepo } from '../meta-repo.js'
import type { MetricsRepo } from '../metrics-repo.js'
import type { MountsRepo } from '../mounts-repo.js'
import type { ClaimedRow, ClaimScope, OutboxRepo } from '../outbox-repo.js'
import type { Fence } from './fence.js'
import type { PoliciesRepo } from '../policies-repo.js'
import type { RulesRepo } from '../rules-repo.js'
import type { DriftRepo } from '../drift-repo.js'
import type { SyncStatusRepo } from '../sync-status-repo.js'
import type { TokensRepo } from '../tokens-repo.js'
import type { TokenRolesRepo } from '../token-roles-repo.js'

/** The async form of a synchronous repository: every method resolves what it returned. */
export type Async<R> = {
  [K in keyof R]: R[K] extends (...args: infer A) => infer T ? (...args: A) => Promise<T> : never
}

/** KV v2 rows (`kv-repo.ts`). */
export interface KvRepository extends Async<KvRepo> {
  /**
   * The key's metadata, like `metadata`, locking the key (existing or not) until the
   * transaction ends: on PostgreSQL a transaction-scoped advisory lock on the key, then
   * `SELECT … FOR UPDATE` in a fresh statement (so it sees the row the previous holder
   * committed, or inserted); on SQLite a plain read (the transaction holds the one write lock).
   * Every read-modify-write of a key (write, patch, CAS, delete, metadata update) starts with it.
   * Outside a transaction it is a plain read.
   */
  metadataForUpdate: (accessor: string, path: string) => Promise<KvMetadataRow | undefined>
  /**
   * The key's metadata and its version rows (oldest first) in one call: one round trip on
   * PostgreSQL instead of two (what `kv-store.ts` `load` reads). Undefined when the key has no
   * metadata.
   */
  keyState: (accessor: string, path: string) => Promise<KvKeyState | undefined>
}

/** A key's metadata with its version rows. */
export interface KvKeyState { metadata: KvMetadataRow, versions: KvVersionRow[] }

/** Token rows (`tokens-repo.ts`). */
export interface TokensRepository extends Async<TokensRepo> {
  /**
   * Counts one use of a limited-use token in one statement (`num_uses` decremented when above
   * 0). Resolves the uses left (0 = that was the last: the caller revokes it in the same unit),
   * or undefined when the token is gone or has no uses left to count (unlimited tokens have
   * `num_uses` 0: callers only count tokens that had uses). Replaces read-then-`setNumUses`,
   * which loses uses when replicas count at once.
   */
  useOnce: (accessor: string) => Promise<number | undefined>
}
/** Token store roles (`token-roles-repo.ts`). */
export type TokenRolesRepository = Async<TokenRolesRepo>
/** Mount table rows (`mounts-repo.ts`). */
export type MountsRepository = Async<MountsRepo>
/** ACL policy rows (`policies-repo.ts`). */
export type PoliciesRepository = Async<PoliciesRepo>
/** Settings of the store (`meta-repo.ts`). */
export type MetaRepository = Async<MetaRepo>
/** Destination rows (`destinations-repo.ts`). */
export interface DestinationsRepository extends Async<DestinationsRepo> {
  /**
   * The live destination of that type and name, like `live`, locking its row until the
   * transaction ends (PostgreSQL `SELECT … FOR UPDATE`; SQLite a plain read), for the
   * read-modify-writes of a destination (update, purge, delete) so replicas do not lose each
   * other's changes. Outside a transaction it is a plain read.
   */
  liveForUpdate: (type: string, name: string) => Promise<DestinationRow | undefined>
  /**
   * Locks, in id order, the destinations `destinationIds` and those of the associations
   * `associationIds` until the transaction ends (PostgreSQL: one `SELECT … ORDER BY id FOR
   * UPDATE`; SQLite: nothing, no statement: its one writer serialises units). Every unit of work
   * that changes `associations` or `association_targets` rows calls it before its first such
   * change: PostgreSQL's association-view trigger (`db/pg/schema.ts`, `association_view_touch`)
   * bumps the destination's `view_gen` on each change, locking the destination after the
   * association, while purges and unsync settles lock the destination first (deadlocks, 40P01).
   * Ids of rows that do not exist are ignored. Outside a transaction it locks nothing for long.
   */
  lockForViewChange: (destinationIds: readonly string[], associationIds?: readonly string[]) => Promise<void>
}
/** Association rules, origins and exclusions (`rules-repo.ts`). */
export type RulesRepository = Async<RulesRepo>
/** Per-destination drift overrides and last sweeps (`drift-repo.ts`). */
export type DriftRepository = Async<DriftRepo>
/** The status read model (`sync-status-repo.ts`). */
export type SyncStatusRepository = Async<SyncStatusRepo>
/** The metrics aggregates (`metrics-repo.ts`). */
export type MetricsRepository = Async<MetricsRepo>

/** What `associations.set` did. */
export interface AssociationSetResult {
  /** The stored row after the statement. */
  row: AssociationRow
  /** True when the row was inserted, false when an existing one was refreshed. */
  inserted: boolean
}

/**
 * Association rows and targets (`associations-repo.ts`), without the one-off keyed-hash digest
 * rewrite (`storedDigests`/`setDigest`: SQLite files from before keyed hashes only).
 */
export interface AssociationsRepository extends Async<Omit<AssociationsRepo, 'storedDigests' | 'setDigest'>> {
  /**
   * `associations/set` in one statement: inserts `row`, or, when the destination already has an
   * association of that accessor and secret path, re-snapshots its granularity and name
   * template, revives it (`removed = 0`), sets `row.status`, clears the message and sets
   * `updated_at` (id, mount path and creation time kept).
   */
  set: (row: AssociationRow) => Promise<AssociationSetResult>
  /**
   * `associations/remove` in one statement: marks the association removed with `status`
   * (message cleared) unless it already is. Resolves the changed row, or undefined when there is
   * no such association or it was already removed (so exactly one of concurrent removers
   * queues the unsync).
   */
  remove: (id: string, status: string, at: number) => Promise<AssociationRow | undefined>
}

/** The sync outbox (`outbox-repo.ts`). */
export interface OutboxRepository extends Async<Omit<OutboxRepo, 'markDirty' | 'claim' | 'fewerThan'>> {
  /**
   * Inserts the row (generation 1) or bumps its generation, in one statement; due at `now`,
   * attempts reset, `refresh` OR-ed in. Resolves the row's generation after the mark.
   */
  markDirty: (associationId: string, now: number, refresh?: boolean) => Promise<number>
  /**
   * `markDirty` within the queue's capacity (`sys/sync/config` `queue_capacity`, D-15.14): an
   * association already queued is always marked (it coalesces); a new row is inserted only while
   * fewer than `capacity` rows are queued. Resolves the generation, or undefined when the queue
   * is full (nothing written). Call it inside a unit of work. PostgreSQL: a mark of a new row
   * takes a transaction-scoped advisory lock (the queue's capacity lock), then counts and inserts
   * in one statement, so enqueuers on several replicas never exceed `capacity` together; the
   * lock is held until the unit ends, and only units adding a new row wait for it. SQLite: the
   * unit's write lock makes the check and the insert one step.
   */
  markDirtyWithin: (associationId: string, now: number, refresh: boolean, capacity: number) => Promise<number | undefined>
  /**
   * Leases up to `limit` due rows (`next_attempt_at <= now`, lease free or expired) until
   * `leaseUntil`, earliest due first; resolves them as leased (`lease_until` = `leaseUntil`).
   * On PostgreSQL rows another replica is claiming are skipped (`FOR UPDATE SKIP LOCKED`).
   * With `scope`, only rows of the vaults it names, each returned with its `vault_key`.
   */
  claim: (now: number, limit: number, leaseUntil: number, scope?: ClaimScope) => Promise<ClaimedRow[]>
}

/**
 * Fencing of the worker's settles (issue 18). `settle` runs first in a settling unit: it
 * checks that `fence` still holds its lease and, on PostgreSQL, key-share-locks the lease row until
 * the unit ends (`db/pg/leases.ts` `assertFence`: nobody takes the lease before the settle
 * commits), then records on association `associationId` (when given and the fence is a real
 * lease) the lease name and epoch it was settled under (`associations.settled_lease`,
 * `settled_epoch`), so a test can check that no row was settled by a stale epoch. SQLite has no
 * lease table: its one process settles under `LOCAL_FENCE` (epoch 0) and records nothing.
 * @throws LeaseLostError when the fence is stale (always, on SQLite, for a fence other than epoch 0).
 */
export interface FencingRepository {
  settle: (fence: Fence, associationId?: string) => Promise<void>
}

/** Every repository, bound to one connection or one transaction. */
export interface Repositories {
  kv: KvRepository
  tokens: TokensRepository
  tokenRoles: TokenRolesRepository
  mounts: MountsRepository
  policies: PoliciesRepository
  meta: MetaRepository
  destinations: DestinationsRepository
  associations: AssociationsRepository
  outbox: OutboxRepository
  rules: RulesRepository
  drift: DriftRepository
  syncStatus: SyncStatusRepository
  metrics: MetricsRepository
  fencing: FencingRepository
}

/** The synchronous better-sqlite3 repositories `Store.runSync` hands its work (SQLite only). */
export interface SyncRepositories {
  kv: SqliteKvRepo
  associations: AssociationsRepo
  rules: RulesRepo
}

/** The storage of one process: repositories and units of work on one engine. */
export interface Store {
  readonly engine: 'sqlite' | 'postgresql'
  /**
   * Repositories outside any transaction: each call is one statement, committed on its own; a
   * call made inside a unit of work runs on that unit (ambient units, `unit-scope.ts`).
   */
  readonly repos: Repositories
  /**
   * Runs `work` as one unit of work: every repository call on `repos` is in one transaction,
   * committed when `work` resolves and rolled back when it rejects (the rejection is passed on).
   * `work` awaits its repositories only: no network I/O, no SDK call, no timer (R2-3). On SQLite
   * transactions run one at a time on the process's connection (BEGIN IMMEDIATE); one that
   * awaited anything else is rolled back with `TransactionAwaitedError`. On PostgreSQL each runs
   * on its own pooled connection; a lock wait beyond `lock_timeout` rejects with code 55P03.
   * Called inside another unit's `work`, it joins that unit as a SAVEPOINT (its rejection rolls
   * back its own writes only); `store.repos` called inside a unit runs on the unit
   * (`unit-scope.ts`: ambient units), so services compose without passing repositories down.
   */
  transaction: <T>(work: (repos: Repositories) => Promise<T>) => Promise<T>
  /**
   * SQLite only (absent on PostgreSQL): runs `work` synchronously as one unit of work on the
   * synchronous repositories, between BEGIN IMMEDIATE and COMMIT, with no promise at all (issue
   * 16: a KV write's awaits cost more than its statements). Only when no unit of work is open or
   * queued and the caller is in none: `undefined` (nothing run) otherwise. `work` returning
   * `undefined` declines: its transaction is rolled back and `undefined` returned, so the caller
   * takes the async path. A throw rolls back and is passed on; a failed COMMIT rolls back and throws.
   * With `committed`, the COMMIT may be shared with the other such works of this event-loop turn
   * (`sqlite-units.ts`: committed at the latest in the turn's check phase, sooner when anything
   * else needs the connection): the value is returned at once but is durable only once
   * `committed()` is called (`committed(err)`: the COMMIT failed and nothing of the work is kept).
   * Tell no one of the work's success before that; `committed` is never called before `runSync`
   * returned, and must not throw. `oneStatement`: the work writes with ONE statement, as its last
   * step (nothing after it throws; before it, only reads), so it joins a shared transaction
   * without a savepoint (a failed statement is undone by SQLite).
   */
  readonly runSync?: <T>(work: (repos: SyncRepositories) => T | undefined, committed?: (err?: unknown) => void, oneStatement?: boolean) => T | undefined
  /** Waits for running units of work, then closes the connection or pool. */
  close: () => Promise<void>
}

/** A SQLite unit of work awaited something other than its repositories (R2-3): rolled back. */
export class TransactionAwaitedError extends Error {
  constructor () {
    super('a storage transaction awaited something other than its repositories (network I/O or a timer); it was rolled back')
    this.name = 'TransactionAwaitedError'
  }
}
