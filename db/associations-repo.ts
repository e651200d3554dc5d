/**
 * Association rows (`associations`) and their targets (`association_targets`), decisions D-1.
 *
 * An association links a destination to a KV v2 secret (mount accessor + secret path) and
 * snapshots the destination's effective `name_template` and `granularity` at `set`. A target is
 * one external secret the association owns: `sub_key` is `""` under `secret-path`, the top-level
 * KV key under `secret-key`. `removed = 1` after `associations/remove` (D-2). Statuses are
 * Vault's sync-status strings; times are epoch ms.
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
  created_at: number
  updated_at: number
}

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
}

export interface AssociationsRepo {
  find: (destinationId: string, accessor: string, secretPath: string) => AssociationRow | undefined
  /** Associations of a destination whose mount path (recorded) is `mountPath` and secret is `secretPath`. */
  findByRecordedPath: (destinationId: string, mountPath: string, secretPath: string) => AssociationRow | undefined
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
  insert: (row: AssociationRow) => void
  /** Re-snapshots template and granularity and revives a removed association (refresh). */
  refresh: (id: string, granularity: AssociationRow['granularity'], nameTemplate: string, status: string, at: number) => void
  setRemoved: (id: string, status: string, at: number) => void
  setStatus: (id: string, status: string, message: string | null, at: number) => void
  /** Deletes removed associations of a destination that have no outbox row (settled unsyncs). */
  deleteSettledRemoved: (destinationId: string) => void
  targets: (associationId: string) => TargetRow[]
  /** Every target of a destination's associations in one read, by association id then sub-key. */
  targetsOfDestination: (destinationId: string) => TargetRow[]
  /** Inserts a target, or sets the status of an existing one (its recorded name is kept). */
  upsertTarget: (row: Pick<TargetRow, 'association_id' | 'sub_key' | 'status' | 'message' | 'updated_at'>) => void
  /** Sets the status of every target of an association. */
  setTargetsStatus: (associationId: string, status: string, message: string | null, at: number) => void
}

/** Prepared statements over `associations` and `association_targets`. */
export function createAssociationsRepo (db: Db): AssociationsRepo {
  const find = db.prepare<[string, string, string], AssociationRow>(
    'SELECT * FROM associations WHERE destination_id = ? AND accessor = ? AND secret_path = ?')
  const findByRecordedPath = db.prepare<[string, string, string], AssociationRow>(
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
  const insert = db.prepare(`INSERT INTO associations (id, destination_id, accessor, mount_path, secret_path,
    granularity, name_template, removed, status, message, created_at, updated_at) VALUES (@id, @destination_id,
    @accessor, @mount_path, @secret_path, @granularity, @name_template, @removed, @status, @message, @created_at,
    @updated_at)`)
  const refresh = db.prepare(`UPDATE associations SET granularity = ?, name_template = ?, removed = 0, status = ?,
    message = NULL, updated_at = ? WHERE id = ?`)
  const setRemoved = db.prepare('UPDATE associations SET removed = 1, status = ?, message = NULL, updated_at = ? WHERE id = ?')
  const setStatus = db.prepare('UPDATE associations SET status = ?, message = ?, updated_at = ? WHERE id = ?')
  const deleteSettledRemoved = db.prepare(`DELETE FROM associations WHERE destination_id = ? AND removed = 1
    AND id NOT IN (SELECT association_id FROM sync_outbox)`)
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
  return {
    find: (d, a, s) => find.get(d, a, s),
    findByRecordedPath: (d, m, s) => findByRecordedPath.get(d, m, s),
    byId: (id) => byId.get(id),
    ofDestination: (d) => ofDestination.all(d),
    ofSecret: (a, s) => ofSecret.all(a, s),
    allOfLiveDestinations: () => allOfLive.all(),
    listingOfLive: () => listingOfLive.all(),
    countLive: (d) => countLive.get(d)?.n ?? 0,
    insert: (row) => { insert.run(row) },
    refresh: (id, g, t, status, at) => { refresh.run(g, t, status, at, id) },
    setRemoved: (id, status, at) => { setRemoved.run(status, at, id) },
    setStatus: (id, status, message, at) => { setStatus.run(status, message, at, id) },
    deleteSettledRemoved: (d) => { deleteSettledRemoved.run(d) },
    targets: (a) => targets.all(a),
    targetsOfDestination: (d) => targetsOfDestination.all(d),
    upsertTarget: (row) => { upsertTarget.run(row) },
    setTargetsStatus: (a, status, message, at) => { setTargetsStatus.run(status, message, at, a) }
  }
}
