/**
 * Destinations, associations and their targets on PostgreSQL (`DestinationsRepository`,
 * `AssociationsRepository`; SQLite twins in `db/destinations-repo.ts`, `associations-repo.ts`).
 * `set` and `remove` are single statements, so replicas setting or removing the same
 * association at once neither fail on the unique key nor both queue an unsync.
 */
import type { AssociationRow, DriftTargetRow, NameOwnerRow, TargetRow, ViewGeneration } from '../../associations-repo.js'
import type { DestinationRow } from '../../destinations-repo.js'
import type { AssociationsRepository, DestinationsRepository } from '../repositories.js'
import { insertInto, statement, valuesOf, type Sql } from './pg-sql.js'

const DESTINATION_COLUMNS = ['id', 'type', 'name', 'connection', 'sealed_secrets', 'options', 'created_at', 'updated_at',
  'purge_state', 'purge_initiated_at', 'purge_error', 'deleted_at'] as const
const ASSOCIATION_COLUMNS = ['id', 'destination_id', 'accessor', 'mount_path', 'secret_path', 'granularity',
  'name_template', 'removed', 'status', 'message', 'created_at', 'updated_at'] as const
const TARGET_COLUMNS = ['association_id', 'sub_key', 'external_name', 'external_version', 'digest', 'status', 'message',
  'updated_at'] as const
const ERRORS = "('CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR')"

const D = {
  live: statement('dest_live', 'SELECT * FROM destinations WHERE type = $1 AND name = $2 AND deleted_at IS NULL'),
  liveForUpdate: statement('dest_live_for_update', 'SELECT * FROM destinations WHERE type = $1 AND name = $2 AND deleted_at IS NULL FOR UPDATE'),
  // The destinations whose view generation a unit's association changes bump, locked in one
  // order by every unit (ORDER BY is applied before the rows are locked).
  lockForViewChange: statement('dest_lock_for_view_change', `SELECT id FROM destinations WHERE id = ANY($1::text[])
    OR id IN (SELECT destination_id FROM associations WHERE id = ANY($2::text[])) ORDER BY id COLLATE "C" FOR UPDATE`),
  byId: statement('dest_by_id', 'SELECT * FROM destinations WHERE id = $1'),
  allLive: statement('dest_all_live', 'SELECT * FROM destinations WHERE deleted_at IS NULL ORDER BY type COLLATE "C", name COLLATE "C"'),
  insert: statement('dest_insert', insertInto('destinations', DESTINATION_COLUMNS)),
  update: statement('dest_update', 'UPDATE destinations SET connection = $2, sealed_secrets = $3, options = $4, updated_at = $5 WHERE id = $1'),
  setPurge: statement('dest_set_purge', 'UPDATE destinations SET purge_state = $2, purge_initiated_at = $3, purge_error = $4 WHERE id = $1'),
  hide: statement('dest_hide', 'UPDATE destinations SET deleted_at = $2 WHERE id = $1'),
  delete: statement('dest_delete', 'DELETE FROM destinations WHERE id = $1'),
  setVaultKey: statement('dest_set_vault_key', 'UPDATE destinations SET vault_key = $2 WHERE id = $1 AND vault_key IS DISTINCT FROM $2')
}

/** The destination repository over `sql`. */
export function pgDestinationsRepository (sql: Sql): DestinationsRepository {
  return {
    live: async (type, name) => await sql.one<DestinationRow>(D.live, [type, name]),
    liveForUpdate: async (type, name) => await sql.one<DestinationRow>(D.liveForUpdate, [type, name]),
    lockForViewChange: async (destinationIds, associationIds = []) => {
      if (destinationIds.length > 0 || associationIds.length > 0) await sql.run(D.lockForViewChange, [destinationIds, associationIds])
    },
    byId: async (id) => await sql.one<DestinationRow>(D.byId, [id]),
    allLive: async () => await sql.all<DestinationRow>(D.allLive),
    insert: async (row) => { await sql.run(D.insert, valuesOf(row, DESTINATION_COLUMNS)) },
    update: async (row) => { await sql.run(D.update, [row.id, row.connection, row.sealed_secrets, row.options, row.updated_at]) },
    setPurge: async (id, state, at, error) => { await sql.run(D.setPurge, [id, state, at, error]) },
    hide: async (id, at) => { await sql.run(D.hide, [id, at]) },
    delete: async (id) => { await sql.run(D.delete, [id]) },
    setVaultKey: async (id, vaultKey) => await sql.run(D.setVaultKey, [id, vaultKey]) > 0
  }
}

const A = {
  find: statement('assoc_find', 'SELECT * FROM associations WHERE destination_id = $1 AND accessor = $2 AND secret_path = $3'),
  ofRecordedPath: statement('assoc_of_recorded', `SELECT * FROM associations WHERE destination_id = $1 AND mount_path = $2
    AND secret_path = $3 ORDER BY updated_at DESC`),
  byId: statement('assoc_by_id', 'SELECT * FROM associations WHERE id = $1'),
  ofDestination: statement('assoc_of_destination', `SELECT * FROM associations WHERE destination_id = $1
    ORDER BY accessor COLLATE "C", secret_path COLLATE "C"`),
  ofSecret: statement('assoc_of_secret', 'SELECT * FROM associations WHERE accessor = $1 AND secret_path = $2'),
  allOfLive: statement('assoc_all_live', `SELECT a.* FROM associations a JOIN destinations d ON d.id = a.destination_id
    WHERE d.deleted_at IS NULL`),
  listingOfLive: statement('assoc_listing_live', `SELECT a.accessor, a.mount_path, a.secret_path FROM associations a
    JOIN destinations d ON d.id = a.destination_id WHERE d.deleted_at IS NULL AND a.removed = 0`),
  countLive: statement('assoc_count_live', 'SELECT count(*) AS n FROM associations WHERE destination_id = $1 AND removed = 0'),
  countLiveOfMount: statement('assoc_count_live_of_mount', `SELECT count(*) AS n FROM associations a
    JOIN destinations d ON d.id = a.destination_id WHERE a.accessor = $1 AND a.removed = 0 AND d.deleted_at IS NULL`),
  insert: statement('assoc_insert', insertInto('associations', ASSOCIATION_COLUMNS)),
  // One statement: concurrent sets of one association meet on the unique key, not in a race.
  set: statement('assoc_set', insertInto('associations', ASSOCIATION_COLUMNS, `ON CONFLICT (destination_id, accessor, secret_path)
    DO UPDATE SET granularity = excluded.granularity, name_template = excluded.name_template, removed = 0,
    status = excluded.status, message = NULL, updated_at = excluded.updated_at,
    created_at = CASE WHEN associations.removed = 1 THEN excluded.created_at ELSE associations.created_at END RETURNING *`)),
  remove: statement('assoc_remove', `UPDATE associations SET removed = 1, status = $2, message = NULL, updated_at = $3
    WHERE id = $1 AND removed = 0 RETURNING *`),
  refresh: statement('assoc_refresh', `UPDATE associations SET granularity = $2, name_template = $3, removed = 0, status = $4,
    message = NULL, updated_at = $5, created_at = CASE WHEN removed = 1 THEN $5 ELSE created_at END WHERE id = $1`),
  setRemoved: statement('assoc_set_removed', 'UPDATE associations SET removed = 1, status = $2, message = NULL, updated_at = $3 WHERE id = $1'),
  setStatus: statement('assoc_set_status', 'UPDATE associations SET status = $2, message = $3, updated_at = $4 WHERE id = $1'),
  delete: statement('assoc_delete', 'DELETE FROM associations WHERE id = $1'),
  setLeftoverNames: statement('assoc_set_leftover_names', 'UPDATE associations SET leftover_names = $2 WHERE id = $1'),
  erroredBefore: statement('assoc_errored_before', `SELECT DISTINCT a.id FROM associations a
    LEFT JOIN association_targets t ON t.association_id = a.id
    WHERE (a.status IN ${ERRORS} OR t.status IN ${ERRORS}) AND a.updated_at < $1`),
  targets: statement('targets_of', 'SELECT * FROM association_targets WHERE association_id = $1 ORDER BY sub_key COLLATE "C"'),
  viewGeneration: statement('assoc_view_generation', 'SELECT view_gen, view_reset FROM destinations WHERE id = $1'),
  changedSince: statement('assoc_changed_since', 'SELECT * FROM associations WHERE destination_id = $1 AND view_gen > $2'),
  listingGeneration: statement('assoc_listing_generation', `SELECT count(*) AS n, coalesce(sum(view_gen), 0) AS g,
    md5(coalesce(string_agg(id, ',' ORDER BY id), '')) AS r FROM destinations WHERE deleted_at IS NULL`),
  targetsOfDestination: statement('targets_of_destination', `SELECT t.* FROM association_targets t
    JOIN associations a ON a.id = t.association_id WHERE a.destination_id = $1
    ORDER BY t.association_id COLLATE "C", t.sub_key COLLATE "C"`),
  upsertTarget: statement('targets_upsert', `INSERT INTO association_targets (association_id, sub_key, status, message, updated_at)
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (association_id, sub_key) DO UPDATE SET status = excluded.status,
    message = excluded.message, updated_at = excluded.updated_at`),
  setTargetsStatus: statement('targets_set_all_status', 'UPDATE association_targets SET status = $2, message = $3, updated_at = $4 WHERE association_id = $1'),
  putTarget: statement('targets_put', insertInto('association_targets', TARGET_COLUMNS, `ON CONFLICT (association_id, sub_key)
    DO UPDATE SET external_name = excluded.external_name, external_version = excluded.external_version,
    digest = excluded.digest, status = excluded.status, message = excluded.message, updated_at = excluded.updated_at`)),
  setTargetStatus: statement('targets_set_status', `UPDATE association_targets SET status = $3, message = $4, updated_at = $5
    WHERE association_id = $1 AND sub_key = $2`),
  deleteTarget: statement('targets_delete', 'DELETE FROM association_targets WHERE association_id = $1 AND sub_key = $2'),
  owners: statement('targets_owners', `SELECT t.association_id, a.destination_id, t.sub_key, t.external_name, a.accessor,
    a.mount_path, a.secret_path, a.removed, a.created_at AS live_since FROM association_targets t
    JOIN associations a ON a.id = t.association_id WHERE lower(t.external_name) = lower($1) AND t.association_id <> $2`),
  clientErrors: statement('targets_client_errors_of_destination', `SELECT t.association_id, t.message FROM association_targets t
    JOIN associations a ON a.id = t.association_id WHERE t.status = 'CLIENT_SIDE_ERROR' AND a.destination_id = $1
    AND a.removed = 0 ORDER BY t.association_id COLLATE "C"`),
  deleteExpiredTargets: statement('targets_delete_expired', `DELETE FROM association_targets WHERE status = 'UNSYNCED'
    AND updated_at < $1 AND sub_key <> '' AND external_name IS NULL
    AND association_id IN (SELECT id FROM associations WHERE removed = 0)`),
  setEvidence: statement('targets_set_evidence', 'UPDATE association_targets SET drift_evidence = $3, drift_finding = NULL WHERE association_id = $1 AND sub_key = $2'),
  setFinding: statement('targets_set_finding', 'UPDATE association_targets SET drift_finding = $3 WHERE association_id = $1 AND sub_key = $2'),
  setDigest: statement('targets_set_digest', 'UPDATE association_targets SET digest = $3 WHERE association_id = $1 AND sub_key = $2'),
  driftTargets: statement('targets_drift_of_destination', `SELECT t.association_id, t.sub_key, t.external_name, a.accessor,
    a.mount_path, a.secret_path, t.drift_evidence, t.drift_finding FROM association_targets t
    JOIN associations a ON a.id = t.association_id
    WHERE a.destination_id = $1 AND a.removed = 0 AND t.external_name IS NOT NULL
    ORDER BY t.association_id COLLATE "C", t.sub_key COLLATE "C"`),
  liveTargets: statement('targets_live', `SELECT t.* FROM association_targets t JOIN associations a ON a.id = t.association_id
    JOIN destinations d ON d.id = a.destination_id WHERE d.deleted_at IS NULL
    ORDER BY t.association_id COLLATE "C", t.sub_key COLLATE "C"`)
}

/** The association repository over `sql`. */
export function pgAssociationsRepository (sql: Sql): AssociationsRepository {
  return {
    find: async (d, a, s) => await sql.one<AssociationRow>(A.find, [d, a, s]),
    ofRecordedPath: async (d, m, s) => await sql.all<AssociationRow>(A.ofRecordedPath, [d, m, s]),
    byId: async (id) => await sql.one<AssociationRow>(A.byId, [id]),
    ofDestination: async (d) => await sql.all<AssociationRow>(A.ofDestination, [d]),
    ofSecret: async (a, s) => await sql.all<AssociationRow>(A.ofSecret, [a, s]),
    allOfLiveDestinations: async () => await sql.all<AssociationRow>(A.allOfLive),
    listingOfLive: async () => await sql.all(A.listingOfLive),
    countLive: async (d) => (await sql.one<{ n: number }>(A.countLive, [d]))?.n ?? 0,
    countLiveOfMount: async (a) => (await sql.one<{ n: number }>(A.countLiveOfMount, [a]))?.n ?? 0,
    insert: async (row) => { await sql.run(A.insert, valuesOf(row, ASSOCIATION_COLUMNS)) },
    set: async (row) => {
      const stored = await sql.one<AssociationRow>(A.set, valuesOf(row, ASSOCIATION_COLUMNS)) as AssociationRow
      return { row: stored, inserted: stored.id === row.id }
    },
    remove: async (id, status, at) => await sql.one<AssociationRow>(A.remove, [id, status, at]),
    refresh: async (id, g, t, status, at) => { await sql.run(A.refresh, [id, g, t, status, at]) },
    setRemoved: async (id, status, at) => { await sql.run(A.setRemoved, [id, status, at]) },
    setStatus: async (id, status, message, at) => { await sql.run(A.setStatus, [id, status, message, at]) },
    delete: async (id) => { await sql.run(A.delete, [id]) },
    setLeftoverNames: async (id, leftovers) => { await sql.run(A.setLeftoverNames, [id, leftovers]) },
    erroredBefore: async (before) => (await sql.all<{ id: string }>(A.erroredBefore, [before])).map((r) => r.id),
    targets: async (a) => await sql.all<TargetRow>(A.targets, [a]),
    targetsOfDestination: async (d) => await sql.all<TargetRow>(A.targetsOfDestination, [d]),
    viewGeneration: async (d) => await sql.one<ViewGeneration>(A.viewGeneration, [d]),
    changedSince: async (d, gen) => await sql.all<AssociationRow>(A.changedSince, [d, gen]),
    listingGeneration: async () => {
      const x = await sql.one<{ n: number, g: number, r: string }>(A.listingGeneration)
      return x === undefined ? '' : `${x.n}/${x.g}/${x.r}`
    },
    upsertTarget: async (r) => { await sql.run(A.upsertTarget, [r.association_id, r.sub_key, r.status, r.message, r.updated_at]) },
    setTargetsStatus: async (a, status, message, at) => { await sql.run(A.setTargetsStatus, [a, status, message, at]) },
    putTarget: async (row) => { await sql.run(A.putTarget, valuesOf(row, TARGET_COLUMNS)) },
    setTargetStatus: async (a, k, status, message, at) => { await sql.run(A.setTargetStatus, [a, k, status, message, at]) },
    deleteTarget: async (a, k) => { await sql.run(A.deleteTarget, [a, k]) },
    ownersOfName: async (name, except) => await sql.all<NameOwnerRow>(A.owners, [name, except]),
    clientErrorsOfDestination: async (d) => await sql.all<{ association_id: string, message: string | null }>(A.clientErrors, [d]),
    deleteExpiredUnsyncedTargets: async (before) => await sql.run(A.deleteExpiredTargets, [before]),
    targetsOfLiveDestinations: async () => await sql.all<TargetRow>(A.liveTargets),
    setTargetEvidence: async (a, k, evidence) => { await sql.run(A.setEvidence, [a, k, evidence]) },
    setTargetFinding: async (a, k, finding) => { await sql.run(A.setFinding, [a, k, finding]) },
    setTargetDigest: async (a, k, digest) => { await sql.run(A.setDigest, [a, k, digest]) },
    driftTargetsOfDestination: async (d) => await sql.all<DriftTargetRow>(A.driftTargets, [d])
  }
}
