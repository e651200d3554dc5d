/**
 * The sync outbox and the read models over it on PostgreSQL (`OutboxRepository`,
 * `SyncStatusRepository`, `MetricsRepository`; SQLite twins in `db/outbox-repo.ts`,
 * `sync-status-repo.ts`, `metrics-repo.ts`). `markDirty` coalesces in one statement (concurrent
 * marks each bump the generation once), and `markDirtyWithin` keeps the queue within its capacity
 * across replicas (an advisory lock for new rows, then count and insert in one statement); `claim` leases due rows in one statement, skipping rows
 * another replica is claiming at that moment (`FOR UPDATE SKIP LOCKED`).
 */
import type { ClaimedRow, OutboxRow, QueueRow, StatusAssociationRow } from '../../outbox-repo.js'
import type { StatusCount, TypeCount } from '../../metrics-repo.js'
import type { AssociationsRepository, DestinationsRepository, MetricsRepository, OutboxRepository, SyncStatusRepository } from '../repositories.js'
import { statement, type Sql } from './pg-sql.js'

/** Advisory lock class of the outbox (two-int advisory locks: its own key space); key 0: the queue's capacity. */
const OUTBOX_LOCK_CLASS = 1987

const O = {
  bump: statement('outbox_bump', `UPDATE sync_outbox SET generation = generation + 1, attempts = 0, first_failure_at = NULL,
    refresh = greatest(refresh, $2), next_attempt_at = $3 WHERE association_id = $1 RETURNING generation`),
  lockCapacity: statement('outbox_lock_capacity', `SELECT pg_advisory_xact_lock(${OUTBOX_LOCK_CLASS}, 0)`),
  // Inserted only while there is room; a row another unit inserted meanwhile coalesces.
  markWithin: statement('outbox_mark_within', `INSERT INTO sync_outbox (association_id, generation, refresh, lease_until,
    attempts, next_attempt_at, created_at) SELECT $1, 1, $2, NULL, 0, $3, $3
    WHERE EXISTS (SELECT 1 FROM sync_outbox WHERE association_id = $1) OR (SELECT count(*) FROM sync_outbox) < $4
    ON CONFLICT (association_id) DO UPDATE SET generation = sync_outbox.generation + 1, attempts = 0,
    first_failure_at = NULL, refresh = greatest(sync_outbox.refresh, excluded.refresh),
    next_attempt_at = excluded.next_attempt_at RETURNING generation`),
  mark: statement('outbox_mark', `INSERT INTO sync_outbox (association_id, generation, refresh, lease_until, attempts,
    next_attempt_at, created_at) VALUES ($1, 1, $2, NULL, 0, $3, $3)
    ON CONFLICT (association_id) DO UPDATE SET generation = sync_outbox.generation + 1, attempts = 0,
    first_failure_at = NULL, refresh = greatest(sync_outbox.refresh, excluded.refresh),
    next_attempt_at = excluded.next_attempt_at RETURNING generation`),
  byAssociation: statement('outbox_by_association', 'SELECT * FROM sync_outbox WHERE association_id = $1'),
  count: statement('outbox_count', 'SELECT count(*) AS n FROM sync_outbox'),
  countForDestination: statement('outbox_count_destination', `SELECT count(*) AS n FROM sync_outbox o
    JOIN associations a ON a.id = o.association_id WHERE a.destination_id = $1`),
  // The worker's hot statement: pick and lease in one round trip.
  claim: statement('outbox_claim', `WITH due AS (SELECT association_id FROM sync_outbox
    WHERE next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
    ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
    UPDATE sync_outbox o SET lease_until = $3 FROM due WHERE o.association_id = due.association_id RETURNING o.*`),
  // Scoped forms (issue 18: a replica works on the vaults whose leases it holds; $n vault keys, $n+1 unkeyed too).
  claimIn: statement('outbox_claim_in', `WITH due AS (SELECT o.association_id, d.vault_key FROM sync_outbox o
    JOIN associations a ON a.id = o.association_id JOIN destinations d ON d.id = a.destination_id
    WHERE o.next_attempt_at <= $1 AND (o.lease_until IS NULL OR o.lease_until <= $1)
    AND (d.vault_key = ANY($4::text[]) OR ($5 AND d.vault_key IS NULL))
    ORDER BY o.next_attempt_at LIMIT $2 FOR UPDATE OF o SKIP LOCKED)
    UPDATE sync_outbox o SET lease_until = $3 FROM due WHERE o.association_id = due.association_id RETURNING o.*, due.vault_key`),
  nextDueIn: statement('outbox_next_due_in', `SELECT min(greatest(o.next_attempt_at, coalesce(o.lease_until, 0))) AS t
    FROM sync_outbox o JOIN associations a ON a.id = o.association_id JOIN destinations d ON d.id = a.destination_id
    WHERE d.vault_key = ANY($1::text[]) OR ($2 AND d.vault_key IS NULL)`),
  releaseIn: statement('outbox_release_in', `UPDATE sync_outbox o SET lease_until = NULL FROM associations a, destinations d
    WHERE o.lease_until IS NOT NULL AND a.id = o.association_id AND d.id = a.destination_id AND d.vault_key = ANY($1::text[])`),
  nextDue: statement('outbox_next_due', `SELECT min(t) AS t FROM (
    (SELECT next_attempt_at AS t FROM sync_outbox WHERE lease_until IS NULL ORDER BY next_attempt_at LIMIT 1)
    UNION ALL SELECT greatest(next_attempt_at, lease_until) AS t FROM sync_outbox WHERE lease_until IS NOT NULL) s`),
  releaseAll: statement('outbox_release_all', 'UPDATE sync_outbox SET lease_until = NULL WHERE lease_until IS NOT NULL'),
  complete: statement('outbox_complete', 'DELETE FROM sync_outbox WHERE association_id = $1 AND generation = $2'),
  retry: statement('outbox_retry', `UPDATE sync_outbox SET lease_until = NULL, next_attempt_at = $3, attempts = $4,
    first_failure_at = $5 WHERE association_id = $1 AND generation = $2`),
  release: statement('outbox_release', 'UPDATE sync_outbox SET lease_until = NULL WHERE association_id = $1'),
  refreshDone: statement('outbox_refresh_done', 'UPDATE sync_outbox SET refresh = 0 WHERE association_id = $1 AND generation = $2'),
  expiredRemoved: statement('outbox_expired_removed', `SELECT id FROM associations WHERE removed = 1 AND status = 'UNSYNCED'
    AND updated_at < $1 AND id NOT IN (SELECT association_id FROM sync_outbox)`),
  deleteSettledRemoved: statement('outbox_delete_settled_removed', `DELETE FROM associations WHERE destination_id = $1
    AND removed = 1 AND id NOT IN (SELECT association_id FROM sync_outbox)`),
  deleteSettledHidden: statement('outbox_delete_settled_hidden', `DELETE FROM destinations WHERE deleted_at IS NOT NULL
    AND id NOT IN (SELECT a.destination_id FROM associations a JOIN sync_outbox o ON o.association_id = a.id)`),
  withState: statement('outbox_with_state', `SELECT a.*, o.attempts, o.next_attempt_at, o.first_failure_at, o.lease_until
    FROM associations a JOIN destinations d ON d.id = a.destination_id LEFT JOIN sync_outbox o ON o.association_id = a.id
    WHERE d.deleted_at IS NULL ORDER BY a.accessor COLLATE "C", a.secret_path COLLATE "C"`),
  counts: statement('outbox_counts', `SELECT count(*) AS depth,
    count(*) FILTER (WHERE next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)) AS due,
    count(*) FILTER (WHERE lease_until > $1) AS in_flight,
    min(next_attempt_at) FILTER (WHERE next_attempt_at > $1) AS next_at FROM sync_outbox`),
  byDestination: statement('outbox_by_destination', `SELECT d.type AS type, d.name AS name, count(o.association_id) AS depth,
    min(o.created_at) AS oldest_at, coalesce(sum((o.lease_until > $1)::int), 0) AS leased
    FROM destinations d LEFT JOIN associations a ON a.destination_id = d.id
    LEFT JOIN sync_outbox o ON o.association_id = a.id
    WHERE d.deleted_at IS NULL OR o.association_id IS NOT NULL GROUP BY d.id`)
}

/** The outbox repository over `sql`. */
export function pgOutboxRepository (sql: Sql): OutboxRepository {
  return {
    markDirty: async (id, now, refresh = false) =>
      (await sql.one<{ generation: number }>(O.mark, [id, refresh ? 1 : 0, now]))?.generation as number,
    markDirtyWithin: async (id, now, refresh, capacity) => {
      const bumped = await sql.one<{ generation: number }>(O.bump, [id, refresh ? 1 : 0, now])
      if (bumped !== undefined) return bumped.generation
      // A new row: one capacity lock holder at a time; the next statement's snapshot is taken
      // after the lock is granted, so it counts every row the previous holders committed.
      await sql.run(O.lockCapacity)
      return (await sql.one<{ generation: number }>(O.markWithin, [id, refresh ? 1 : 0, now, capacity]))?.generation
    },
    has: async (id) => (await sql.one(O.byAssociation, [id])) !== undefined,
    byAssociation: async (id) => await sql.one<OutboxRow>(O.byAssociation, [id]),
    count: async () => (await sql.one<{ n: number }>(O.count))?.n ?? 0,
    countForDestination: async (d) => (await sql.one<{ n: number }>(O.countForDestination, [d]))?.n ?? 0,
    claim: async (now, limit, leaseUntil, scope) =>
      (await (scope === undefined
        ? sql.all<ClaimedRow>(O.claim, [now, limit, leaseUntil])
        : sql.all<ClaimedRow>(O.claimIn, [now, limit, leaseUntil, [...scope.vaults], scope.unkeyed])))
        .sort((a, b) => a.next_attempt_at - b.next_attempt_at),
    nextDueAt: async (scope) => (await (scope === undefined
      ? sql.one<{ t: number | null }>(O.nextDue)
      : sql.one<{ t: number | null }>(O.nextDueIn, [[...scope.vaults], scope.unkeyed])))?.t ?? undefined,
    releaseAllLeases: async () => await sql.run(O.releaseAll),
    releaseVaultLeases: async (vaults) => await sql.run(O.releaseIn, [[...vaults]]),
    complete: async (id, generation) => await sql.run(O.complete, [id, generation]) > 0,
    retry: async (id, generation, nextAt, attempts, firstFailureAt) => {
      if (await sql.run(O.retry, [id, generation, nextAt, attempts, firstFailureAt]) === 0) await sql.run(O.release, [id])
    },
    refreshDone: async (id, generation) => { await sql.run(O.refreshDone, [id, generation]) },
    expiredRemoved: async (before) => (await sql.all<{ id: string }>(O.expiredRemoved, [before])).map((r) => r.id),
    deleteSettledRemoved: async (d) => { await sql.run(O.deleteSettledRemoved, [d]) },
    deleteSettledHidden: async () => await sql.run(O.deleteSettledHidden),
    associationsWithState: async () => await sql.all<StatusAssociationRow>(O.withState),
    counts: async (now) => {
      const r = await sql.one<{ depth: number, due: number, in_flight: number, next_at: number | null }>(O.counts, [now])
      return { depth: r?.depth ?? 0, due: r?.due ?? 0, inFlight: r?.in_flight ?? 0, nextAttemptAt: r?.next_at ?? null }
    },
    queueByDestination: async (now) => await sql.all<QueueRow>(O.byDestination, [now])
  }
}

/** The status read model over the PostgreSQL repositories. */
export function pgSyncStatusRepository (repos: { destinations: DestinationsRepository, associations: AssociationsRepository, outbox: OutboxRepository }): SyncStatusRepository {
  return {
    destinations: async () => await repos.destinations.allLive(),
    associations: async () => await repos.outbox.associationsWithState(),
    targets: async () => await repos.associations.targetsOfLiveDestinations(),
    queue: async (now) => await repos.outbox.counts(now)
  }
}

const M = {
  destinations: statement('metrics_destinations', 'SELECT type, count(*) AS n FROM destinations WHERE deleted_at IS NULL GROUP BY type'),
  associations: statement('metrics_associations', `SELECT d.type AS type, count(*) AS n FROM associations a
    JOIN destinations d ON d.id = a.destination_id WHERE a.removed = 0 GROUP BY d.type`),
  byStatus: statement('metrics_by_status', `SELECT d.type AS type, a.status AS status, count(*) AS n FROM associations a
    JOIN destinations d ON d.id = a.destination_id GROUP BY d.type, a.status`)
}

/** The metrics aggregates over `sql` (the outbox's per destination from `outbox`). */
export function pgMetricsRepository (sql: Sql, outbox: OutboxRepository): MetricsRepository {
  return {
    destinationsByType: async () => await sql.all<TypeCount>(M.destinations),
    associationsByType: async () => await sql.all<TypeCount>(M.associations),
    associationsByStatus: async () => await sql.all<StatusCount>(M.byStatus),
    queueByDestination: async (now) => await outbox.queueByDestination(now)
  }
}
