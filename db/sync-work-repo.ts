/**
 * The worker's side of the sync outbox and of association targets (decisions D-1, D-13):
 * claim due rows under a lease, settle them fenced by `generation`, record what was written
 * per target, and find which associations record an external name. Times are epoch ms.
 * Every function is synchronous; callers wrap multi-statement changes in one transaction.
 */
import type { Db } from './database.js'
import type { OutboxRow } from './outbox-repo.js'

/** A claimed outbox row. */
export type ClaimedRow = OutboxRow & { first_failure_at: number | null }

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

/** An association that records `external_name` (case-insensitively) for one of its targets. */
export interface NameOwnerRow {
  association_id: string
  destination_id: string
  sub_key: string
  external_name: string
  mount_path: string
  secret_path: string
  removed: number
}

export interface SyncWorkRepo {
  /** Leases up to `limit` due rows (`next_attempt_at <= now`, lease free or expired) until `leaseUntil`. */
  claim: (now: number, limit: number, leaseUntil: number) => ClaimedRow[]
  /** Earliest time a row becomes claimable, or undefined when the outbox is empty. */
  nextDueAt: () => number | undefined
  /** Frees every lease (start-up: the previous process died mid-attempt). Returns how many. */
  releaseAllLeases: () => number
  /** Deletes the row if its generation is still `generation`; true when deleted. */
  complete: (associationId: string, generation: number) => boolean
  /** Frees the lease and re-arms the row at `nextAt` if its generation is still `generation`; else just frees it. */
  retry: (associationId: string, generation: number, nextAt: number, attempts: number, firstFailureAt: number | null) => void
  /** Rows in the outbox. */
  countRows: () => number
  /** Inserts or replaces a target's record. */
  putTarget: (row: TargetResultRow) => void
  /** Sets only status/message of a target. */
  setTargetStatus: (associationId: string, subKey: string, status: string, message: string | null, at: number) => void
  deleteTarget: (associationId: string, subKey: string) => void
  /** Targets of other associations whose recorded name equals `name` case-insensitively. */
  ownersOfName: (name: string, exceptAssociationId: string) => NameOwnerRow[]
  /** Deletes the association (targets and outbox row cascade). */
  deleteAssociation: (associationId: string) => void
  /** Removed associations that settled `UNSYNCED` before `before`, with no outbox row. */
  expiredRemoved: (before: number) => string[]
  /** `UNSYNCED` targets of live associations older than `before` whose key is gone (secret-key). */
  deleteExpiredUnsyncedTargets: (before: number) => number
  /** Associations in an error status (or with error targets) whose last change is before `before`, with no outbox row. */
  erroredIdle: (before: number) => string[]
}

/** Prepared statements for the worker. */
export function createSyncWorkRepo (db: Db): SyncWorkRepo {
  const due = db.prepare<[number, number, number], ClaimedRow>(`SELECT * FROM sync_outbox
    WHERE next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at LIMIT ?`)
  const lease = db.prepare('UPDATE sync_outbox SET lease_until = ? WHERE association_id = ?')
  // Index-only: the first unleased row by due time, and the few leased rows (partial index).
  const nextDue = db.prepare<[], { t: number | null }>(`SELECT min(t) AS t FROM (
    SELECT * FROM (SELECT next_attempt_at AS t FROM sync_outbox WHERE lease_until IS NULL ORDER BY next_attempt_at LIMIT 1)
    UNION ALL SELECT max(next_attempt_at, lease_until) AS t FROM sync_outbox INDEXED BY sync_outbox_leased WHERE lease_until IS NOT NULL)`)
  const releaseAll = db.prepare('UPDATE sync_outbox SET lease_until = NULL WHERE lease_until IS NOT NULL')
  const complete = db.prepare('DELETE FROM sync_outbox WHERE association_id = ? AND generation = ?')
  const retry = db.prepare(`UPDATE sync_outbox SET lease_until = NULL, next_attempt_at = ?, attempts = ?, first_failure_at = ?
    WHERE association_id = ? AND generation = ?`)
  const release = db.prepare('UPDATE sync_outbox SET lease_until = NULL WHERE association_id = ?')
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sync_outbox')
  const putTarget = db.prepare(`INSERT INTO association_targets (association_id, sub_key, external_name, external_version,
    digest, status, message, updated_at) VALUES (@association_id, @sub_key, @external_name, @external_version, @digest,
    @status, @message, @updated_at) ON CONFLICT (association_id, sub_key) DO UPDATE SET external_name = excluded.external_name,
    external_version = excluded.external_version, digest = excluded.digest, status = excluded.status,
    message = excluded.message, updated_at = excluded.updated_at`)
  const setTargetStatus = db.prepare(`UPDATE association_targets SET status = ?, message = ?, updated_at = ?
    WHERE association_id = ? AND sub_key = ?`)
  const deleteTarget = db.prepare('DELETE FROM association_targets WHERE association_id = ? AND sub_key = ?')
  const owners = db.prepare<[string, string], NameOwnerRow>(`SELECT t.association_id, a.destination_id, t.sub_key, t.external_name,
    a.mount_path, a.secret_path, a.removed FROM association_targets t JOIN associations a ON a.id = t.association_id
    WHERE lower(t.external_name) = lower(?) AND t.association_id <> ?`)
  const deleteAssociation = db.prepare('DELETE FROM associations WHERE id = ?')
  const expiredRemoved = db.prepare<[number], { id: string }>(`SELECT id FROM associations WHERE removed = 1
    AND status = 'UNSYNCED' AND updated_at < ? AND id NOT IN (SELECT association_id FROM sync_outbox)`)
  const deleteExpiredTargets = db.prepare(`DELETE FROM association_targets WHERE status = 'UNSYNCED' AND updated_at < ?
    AND sub_key <> '' AND external_name IS NULL
    AND association_id IN (SELECT id FROM associations WHERE removed = 0)`)
  const erroredIdle = db.prepare<[number], { id: string }>(`SELECT DISTINCT a.id FROM associations a
    LEFT JOIN association_targets t ON t.association_id = a.id
    WHERE (a.status IN ('CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR')
      OR t.status IN ('CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR'))
      AND a.updated_at < ? AND a.id NOT IN (SELECT association_id FROM sync_outbox)`)
  return {
    claim: (now, limit, leaseUntil) => db.transaction(() => {
      const rows = due.all(now, now, limit)
      for (const r of rows) lease.run(leaseUntil, r.association_id)
      return rows
    })(),
    nextDueAt: () => nextDue.get()?.t ?? undefined,
    releaseAllLeases: () => releaseAll.run().changes,
    complete: (id, generation) => complete.run(id, generation).changes > 0,
    retry: (id, generation, nextAt, attempts, firstFailureAt) => {
      if (retry.run(nextAt, attempts, firstFailureAt, id, generation).changes === 0) release.run(id)
    },
    countRows: () => count.get()?.n ?? 0,
    putTarget: (row) => { putTarget.run(row) },
    setTargetStatus: (a, k, status, message, at) => { setTargetStatus.run(status, message, at, a, k) },
    deleteTarget: (a, k) => { deleteTarget.run(a, k) },
    ownersOfName: (name, except) => owners.all(name, except),
    deleteAssociation: (id) => { deleteAssociation.run(id) },
    expiredRemoved: (before) => expiredRemoved.all(before).map((r) => r.id),
    deleteExpiredUnsyncedTargets: (before) => deleteExpiredTargets.run(before).changes,
    erroredIdle: (before) => erroredIdle.all(before).map((r) => r.id)
  }
}
