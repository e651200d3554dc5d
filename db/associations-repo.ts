/**
 * Association rows (`associations`) and their targets (`association_targets`), decisions D-1.
 *
 * An association links a destination to a KV v2 secret (mount accessor + secret path) and
 * snapshots the destination's effective `name_template` and `granularity` at `set`. A target is
 * one external secret the association owns: `sub_key` is `""` under `secret-path`, the top-level
 * KV key under `secret-key`. `removed = 1` after `associations/remove` (D-2). Statuses are
 * Vault's sync-status strings; times are epoch ms. This is the only home of `association_targets`
 * statements (the services' side and the worker's records); queries that depend on the outbox
 * live in `outbox-repo.ts`.
 */
import type { Db } from './database.js'

export interface AssociationRow {
  id: string
  destination_id: string
  accessor: string
  /** The mount path (trailing `/`) when the association was set; used after an unmount (D-21). */
  mount_path: string
  secret_path: string
  granularity: 'secret-path' | 'secret-key'
  /** The effective template at the last `set` (never `""`). */
  name_template: string
  removed: number
  /** Association-level status (shown when there is no target row yet). */
  status: string
  message: string | null
  /**
   * When the association last became live, epoch ms: its creation, or the `set` that revived it
   * after a remove (work-load.ts: of two live associations of one destination recording one
   * Azure name, the one live since earlier keeps it).
   */
  created_at: number
  updated_at: number
  /** The destination's `view_gen` when what this association shows last changed (migration 7, triggers). */
  view_gen?: number
  /** JSON of the names it still has to remove from the destination, or null (migration 12; the worker's: src/worker/leftover-names.ts). */
  leftover_names?: string | null
}

/** A destination's association-view counters (migration 7): current generation, last deletion. */
export interface ViewGeneration { view_gen: number, view_reset: number }

export interface TargetRow {
  association_id: string
  sub_key: string
  /** Rendered and normalised external name, recorded by the worker after a write. */
  external_name: string | null
  /** The Azure version id last written under that name (for tags-only updates, D-8). */
  external_version: string | null
  status: string
  message: string | null
  /** Digest of what was last written (D-8), set by the worker. */
  digest: string | null
  updated_at: number
  /** JSON of the drift evidence of the last write (issue 21); read by `targets()` (`SELECT *`). */
  drift_evidence?: string | null
  /** JSON of the last drift sweep's finding (issue 21); read by `targets()` (`SELECT *`). */
  drift_finding?: string | null
}

/** What the worker records for a target after an attempt. */
export interface TargetResultRow {
  association_id: string
  sub_key: string
  external_name: string | null
  external_version: string | null
  digest: string | null
  status: string
  message: string | null
  updated_at: number
}

/** A written target of a live association of one destination, with its drift columns (issue 21). */
export interface DriftTargetRow {
  association_id: string
  sub_key: string
  external_name: string
  accessor: string
  mount_path: string
  secret_path: string
  /** JSON of the evidence recorded when its write settled (`src/drift/drift-types.ts`), or null. */
  drift_evidence: string | null
  /** JSON of the last sweep's finding (never a value or digest), or null. */
  drift_finding: string | null
}

/** An association that records `external_name` (case-insensitively) for one of its targets. */
export interface NameOwnerRow {
  association_id: string
  destination_id: string
  sub_key: string
  external_name: string
  /** The KV mount's accessor and the secret's path: the association's source secret. */
  accessor: string
  mount_path: string
  secret_path: string
  removed: number
  /** The association's `created_at`: when it last became live (creation or revive), epoch ms. */
  live_since: number
}

export interface AssociationsRepo {
  find: (destinationId: string, accessor: string, secretPath: string) => AssociationRow | undefined
  /**
   * Associations of a destination whose mount path (recorded) is `mountPath` and secret is
   * `secretPath`, newest first: one per accessor that was mounted there (decisions D-21).
   */
  ofRecordedPath: (destinationId: string, mountPath: string, secretPath: string) => AssociationRow[]
  byId: (id: string) => AssociationRow | undefined
  ofDestination: (destinationId: string) => AssociationRow[]
  /** Every association of one secret (any destination, hidden ones included). */
  ofSecret: (accessor: string, secretPath: string) => AssociationRow[]
  /** Every association whose destination is live. */
  allOfLiveDestinations: () => AssociationRow[]
  /** Accessor, mount and secret path of every live association of a live destination (the global list). */
  listingOfLive: () => Array<Pick<AssociationRow, 'accessor' | 'mount_path' | 'secret_path'>>
  /** Number of live (not removed) associations of a destination. */
  countLive: (destinationId: string) => number
  /** Number of live (not removed) associations of live destinations over the mount `accessor` (a remount's check). */
  countLiveOfMount: (accessor: string) => number
  insert: (row: AssociationRow) => void
  /** Re-snapshots template and granularity and revives a removed association (refresh; `created_at` = `at` on revive). */
  refresh: (id: string, granularity: AssociationRow['granularity'], nameTemplate: string, status: string, at: number) => void
  setRemoved: (id: string, status: string, at: number) => void
  setStatus: (id: string, status: string, message: string | null, at: number) => void
  /** Deletes the association (targets and outbox row cascade). */
  delete: (id: string) => void
  /** Sets the JSON of the names the association still has to remove (null: none); nothing else changes. */
  setLeftoverNames: (id: string, leftovers: string | null) => void
  /** Associations in an error status (or with error targets) whose last change is before `before`. */
  erroredBefore: (before: number) => string[]
  targets: (associationId: string) => TargetRow[]
  /** Every target of a destination's associations in one read, by association id then sub-key. */
  targetsOfDestination: (destinationId: string) => TargetRow[]
  /** Inserts a target, or sets the status of an existing one (its recorded name is kept). */
  upsertTarget: (row: Pick<TargetRow, 'association_id' | 'sub_key' | 'status' | 'message' | 'updated_at'>) => void
  /** Sets the status of every target of an association. */
  setTargetsStatus: (associationId: string, status: string, message: string | null, at: number) => void
  /** Inserts or replaces a target's record (the worker, after an attempt). */
  putTarget: (row: TargetResultRow) => void
  /** Sets only status/message of a target. */
  setTargetStatus: (associationId: string, subKey: string, status: string, message: string | null, at: number) => void
  deleteTarget: (associationId: string, subKey: string) => void
  /** Targets of other associations whose recorded name equals `name` case-insensitively. */
  ownersOfName: (name: string, exceptAssociationId: string) => NameOwnerRow[]
  /** `UNSYNCED` targets of live associations older than `before` whose key is gone (secret-key); returns how many. */
  deleteExpiredUnsyncedTargets: (before: number) => number
  /** Every target of the associations of live destinations (status read model). */
  targetsOfLiveDestinations: () => TargetRow[]
  /** The destination's view counters (maintained by triggers); undefined for an unknown id. */
  viewGeneration: (destinationId: string) => ViewGeneration | undefined
  /**
   * A fingerprint of the global list's inputs: live destinations' count, the sum of their
   * `view_gen` and of their row ids (any association change, destination created or deleted moves it).
   */
  listingGeneration: () => string
  /** Associations of a destination whose `view_gen` is above `gen` (what changed since a reader's copy). */
  changedSince: (destinationId: string, gen: number) => AssociationRow[]
  /** Every recorded digest with its row id (the one-off keyed-hash migration). */
  storedDigests: () => Array<{ rowid: number, digest: string }>
  /** Rewrites the digest of the target row `rowid`. */
  setDigest: (rowid: number, digest: string) => void
  /** Records a target's drift evidence (JSON, or null to forget it) and forgets its last finding (issue 21). */
  setTargetEvidence: (associationId: string, subKey: string, evidence: string | null) => void
  /** Records a target's last drift finding (JSON, or null) (issue 21). */
  setTargetFinding: (associationId: string, subKey: string, finding: string | null) => void
  /** Sets a target's recorded digest (drift repair marks it so its next attempt writes it again, issue 21). */
  setTargetDigest: (associationId: string, subKey: string, digest: string | null) => void
  /** Written targets of the live associations of a destination, with their drift columns, by association and sub-key. */
  driftTargetsOfDestination: (destinationId: string) => DriftTargetRow[]
  /**
   * The `CLIENT_SIDE_ERROR` targets of the live associations of a destination (association id
   * and message, by association id), through the partial index of migration 13: what waits for
   * a name another association holds (`src/worker/name-waiters.ts`).
   */
  clientErrorsOfDestination: (destinationId: string) => Array<{ association_id: string, message: string | null }>
}

/** Prepared statements over `associations` and `association_targets`. */
export function createAssociationsRepo (db: Db): AssociationsRepo {
  const find = db.prepare<[string, string, string], AssociationRow>(
    'SELECT * FROM associations WHERE destination_id = ? AND accessor = ? AND secret_path = ?')
  const ofRecordedPath = db.prepare<[string, string, string], AssociationRow>(
    'SELECT * FROM associations WHERE destination_id = ? AND mount_path = ? AND secret_path = ? ORDER BY updated_at DESC')
  const byId = db.prepare<[string], AssociationRow>('SELECT * FROM associations WHERE id = ?')
  const ofDestination = db.prepare<[string], AssociationRow>(
    'SELECT * FROM associations WHERE destination_id = ? ORDER BY accessor, secret_path')
  const ofSecret = db.prepare<[string, string], AssociationRow>(
    'SELECT * FROM associations WHERE accessor = ? AND secret_path = ?')
  const allOfLive = db.prepare<[], AssociationRow>(`SELECT a.* FROM associations a
    JOIN destinations d ON d.id = a.destination_id WHERE d.deleted_at IS NULL`)
  const listingOfLive = db.prepare<[], Pick<AssociationRow, 'accessor' | 'mount_path' | 'secret_path'>>(`SELECT a.accessor,
    a.mount_path, a.secret_path FROM associations a JOIN destinations d ON d.id = a.destination_id
    WHERE d.deleted_at IS NULL AND a.removed = 0`)
  const countLive = db.prepare<[string], { n: number }>(
    'SELECT count(*) AS n FROM associations WHERE destination_id = ? AND removed = 0')
  const countLiveOfMount = db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM associations a
    JOIN destinations d ON d.id = a.destination_id WHERE a.accessor = ? AND a.removed = 0 AND d.deleted_at IS NULL`)
  const insert = db.prepare(`INSERT INTO associations (id, destination_id, accessor, mount_path, secret_path,
    granularity, name_template, removed, status, message, created_at, updated_at) VALUES (@id, @destination_id,
    @accessor, @mount_path, @secret_path, @granularity, @name_template, @removed, @status, @message, @created_at,
    @updated_at)`)
  const refresh = db.prepare(`UPDATE associations SET granularity = ?, name_template = ?, removed = 0, status = ?,
    message = NULL, updated_at = ?, created_at = CASE WHEN removed = 1 THEN ? ELSE created_at END WHERE id = ?`)
  const setRemoved = db.prepare('UPDATE associations SET removed = 1, status = ?, message = NULL, updated_at = ? WHERE id = ?')
  const setStatus = db.prepare('UPDATE associations SET status = ?, message = ?, updated_at = ? WHERE id = ?')
  const del = db.prepare('DELETE FROM associations WHERE id = ?')
  const setLeftoverNames = db.prepare('UPDATE associations SET leftover_names = ? WHERE id = ?')
  const erroredBefore = db.prepare<[number], { id: string }>(`SELECT DISTINCT a.id FROM associations a
    LEFT JOIN association_targets t ON t.association_id = a.id
    WHERE (a.status IN ('CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR')
      OR t.status IN ('CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR'))
      AND a.updated_at < ?`)
  const targets = db.prepare<[string], TargetRow>(
    'SELECT * FROM association_targets WHERE association_id = ? ORDER BY sub_key')
  const targetsOfDestination = db.prepare<[string], TargetRow>(`SELECT t.* FROM association_targets t
    JOIN associations a ON a.id = t.association_id WHERE a.destination_id = ? ORDER BY t.association_id, t.sub_key`)
  const upsertTarget = db.prepare(`INSERT INTO association_targets (association_id, sub_key, status, message, updated_at)
    VALUES (@association_id, @sub_key, @status, @message, @updated_at)
    ON CONFLICT (association_id, sub_key) DO UPDATE SET status = excluded.status, message = excluded.message,
    updated_at = excluded.updated_at`)
  const setTargetsStatus = db.prepare(
    'UPDATE association_targets SET status = ?, message = ?, updated_at = ? WHERE association_id = ?')
  const putTarget = db.prepare(`INSERT INTO association_targets (association_id, sub_key, external_name, external_version,
    digest, status, message, updated_at) VALUES (@association_id, @sub_key, @external_name, @external_version, @digest,
    @status, @message, @updated_at) ON CONFLICT (association_id, sub_key) DO UPDATE SET external_name = excluded.external_name,
    external_version = excluded.external_version, digest = excluded.digest, status = excluded.status,
    message = excluded.message, updated_at = excluded.updated_at`)
  const setTargetStatus = db.prepare(`UPDATE association_targets SET status = ?, message = ?, updated_at = ?
    WHERE association_id = ? AND sub_key = ?`)
  const deleteTarget = db.prepare('DELETE FROM association_targets WHERE association_id = ? AND sub_key = ?')
  const owners = db.prepare<[string, string], NameOwnerRow>(`SELECT t.association_id, a.destination_id, t.sub_key, t.external_name,
    a.accessor, a.mount_path, a.secret_path, a.removed, a.created_at AS live_since FROM association_targets t
    JOIN associations a ON a.id = t.association_id WHERE lower(t.external_name) = lower(?) AND t.association_id <> ?`)
  const clientErrors = db.prepare<[string], { association_id: string, message: string | null }>(`SELECT t.association_id,
    t.message FROM association_targets t CROSS JOIN associations a ON a.id = t.association_id
    WHERE t.status = 'CLIENT_SIDE_ERROR' AND a.destination_id = ? AND a.removed = 0 ORDER BY t.association_id`)
  const deleteExpiredTargets = db.prepare(`DELETE FROM association_targets WHERE status = 'UNSYNCED' AND updated_at < ?
    AND sub_key <> '' AND external_name IS NULL
    AND association_id IN (SELECT id FROM associations WHERE removed = 0)`)
  const liveTargets = db.prepare<[], TargetRow>(`SELECT t.* FROM association_targets t
    JOIN associations a ON a.id = t.association_id JOIN destinations d ON d.id = a.destination_id
    WHERE d.deleted_at IS NULL ORDER BY t.association_id, t.sub_key`)
  const viewGeneration = db.prepare<[string], ViewGeneration>('SELECT view_gen, view_reset FROM destinations WHERE id = ?')
  const listingGeneration = db.prepare<[], { n: number, g: number, r: number }>(
    'SELECT count(*) AS n, total(view_gen) AS g, total(rowid) AS r FROM destinations WHERE deleted_at IS NULL')
  const changedSince = db.prepare<[string, number], AssociationRow>(
    'SELECT * FROM associations WHERE destination_id = ? AND view_gen > ?')
  const storedDigests = db.prepare<[], { rowid: number, digest: string }>('SELECT rowid, digest FROM association_targets WHERE digest IS NOT NULL')
  const setDigest = db.prepare('UPDATE association_targets SET digest = ? WHERE rowid = ?')
  const setEvidence = db.prepare(`UPDATE association_targets SET drift_evidence = ?, drift_finding = NULL
    WHERE association_id = ? AND sub_key = ?`)
  const setTargetDigest = db.prepare('UPDATE association_targets SET digest = ? WHERE association_id = ? AND sub_key = ?')
  const setFinding = db.prepare('UPDATE association_targets SET drift_finding = ? WHERE association_id = ? AND sub_key = ?')
  const driftTargets = db.prepare<[string], DriftTargetRow>(`SELECT t.association_id, t.sub_key, t.external_name, a.accessor,
    a.mount_path, a.secret_path, t.drift_evidence, t.drift_finding FROM association_targets t
    JOIN associations a ON a.id = t.association_id
    WHERE a.destination_id = ? AND a.removed = 0 AND t.external_name IS NOT NULL ORDER BY t.association_id, t.sub_key`)
  return {
    find: (d, a, s) => find.get(d, a, s),
    ofRecordedPath: (d, m, s) => ofRecordedPath.all(d, m, s),
    byId: (id) => byId.get(id),
    ofDestination: (d) => ofDestination.all(d),
    ofSecret: (a, s) => ofSecret.all(a, s),
    allOfLiveDestinations: () => allOfLive.all(),
    listingOfLive: () => listingOfLive.all(),
    countLive: (d) => countLive.get(d)?.n ?? 0,
    countLiveOfMount: (a) => countLiveOfMount.get(a)?.n ?? 0,
    insert: (row) => { insert.run(row) },
    refresh: (id, g, t, status, at) => { refresh.run(g, t, status, at, at, id) },
    setRemoved: (id, status, at) => { setRemoved.run(status, at, id) },
    setStatus: (id, status, message, at) => { setStatus.run(status, message, at, id) },
    delete: (id) => { del.run(id) },
    setLeftoverNames: (id, leftovers) => { setLeftoverNames.run(leftovers, id) },
    erroredBefore: (before) => erroredBefore.all(before).map((r) => r.id),
    targets: (a) => targets.all(a),
    targetsOfDestination: (d) => targetsOfDestination.all(d),
    upsertTarget: (row) => { upsertTarget.run(row) },
    setTargetsStatus: (a, status, message, at) => { setTargetsStatus.run(status, message, at, a) },
    putTarget: (row) => { putTarget.run(row) },
    setTargetStatus: (a, k, status, message, at) => { setTargetStatus.run(status, message, at, a, k) },
    deleteTarget: (a, k) => { deleteTarget.run(a, k) },
    ownersOfName: (name, except) => owners.all(name, except),
    clientErrorsOfDestination: (d) => clientErrors.all(d),
    deleteExpiredUnsyncedTargets: (before) => deleteExpiredTargets.run(before).changes,
    targetsOfLiveDestinations: () => liveTargets.all(),
    viewGeneration: (d) => viewGeneration.get(d),
    changedSince: (d, gen) => changedSince.all(d, gen),
    listingGeneration: () => { const x = listingGeneration.get()!; return `${x.n}/${x.g}/${x.r}` },
    storedDigests: () => storedDigests.all(),
    setDigest: (rowid, digest) => { setDigest.run(digest, rowid) },
    setTargetEvidence: (a, k, evidence) => { setEvidence.run(evidence, a, k) },
    setTargetFinding: (a, k, finding) => { setFinding.run(finding, a, k) },
    setTargetDigest: (a, k, digest) => { setTargetDigest.run(digest, a, k) },
    driftTargetsOfDestination: (d) => driftTargets.all(d)
  }
}
