/**
 * Records the outcome of one attempt in ONE unit of work (decisions D-1, D-2, D-13, D-15.4, D-22):
 * per-target records and statuses, the association's status and the names it still has to
 * remove (`leftover-names.ts`), the purge state of its destination, and the outbox row (deleted
 * when done at the claimed generation, re-armed with backoff after failures, its refresh done
 * once the retry has only failed writes left, re-armed at the next scheduled KV deletion,
 * released when a newer change arrived meanwhile so it runs again at once).
 *
 * Fencing (issue 18): every unit here starts with `repos.fencing.settle(fence, association)`,
 * the fence of the lease the row was claimed under; a replica that lost that lease (expired,
 * taken, handed over) gets `LeaseLostError` and writes nothing (the new owner runs the row).
 */
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Fence } from '../../db/store/fence.js'
import type { ClaimedRow } from '../../db/outbox-repo.js'
import type { Repositories } from '../../db/store/repositories.js'
import { evidenceOfResult } from '../drift/evidence.js'
import type { SyncError } from '../drivers/sync-error.js'
import type { OpResult } from '../drivers/target-ops.js'
import type { SyncObserver } from '../metrics/sync-metrics.js'
import type { PlannedTarget } from '../sync/plan.js'
import { backoffDelayMs, type BackoffSettings } from './backoff.js'
import { destinationLeaving } from './leaving-holders.js'
import { storeSettledLeftovers } from './leftover-names.js'
import { requeueNameWaiters } from './name-waiters.js'
import { failureStatus, retryDelayMs } from './settle-rules.js'
import type { StatusChangeLog } from './status-log.js'
import { isOlderVersionNote, type WorkContext } from './work-load.js'
import type { WorkerServices } from './worker-deps.js'

/**
 * A recorded note that still holds when nothing was written: the message of a target recorded
 * `SYNCED` (an adoption note, say), not an older-version note (that is recomputed) and not the
 * error of a target recorded in an error status (a failed delete of a renamed target's old name,
 * now done: its target is in sync).
 */
const keptNote = (row: { status: string, message: string | null } | undefined): string | null =>
  row === undefined || row.message === null || row.status !== 'SYNCED' || isOlderVersionNote(row.message) ? null : row.message

/** Statuses in the order one wins for the association row (errors first). */
const PRECEDENCE = ['CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR', 'PENDING', 'SYNCED', 'UNSYNCED']

export interface SettleSettings {
  backoff: BackoffSettings
  clientErrorRetryMs: number
}

type Deps = Pick<WorkerServices, 'store' | 'ownership' | 'now' | 'driftKey' | 'outbox'>

/**
 * Creates the settle step; `statusSettled` is told each settled status once its transaction
 * committed (the status-change log), and `observer` (metrics) hears each settled attempt after it
 * committed; `log` hears a failed queuing of name waiters (`name-waiters.ts`).
 */
export function createWorkSettler (services: Deps, settings: SettleSettings, statusSettled?: StatusChangeLog, observer?: SyncObserver, log?: Logger) {
  const { store } = services

  /**
   * Runs `work` as one unit under `fence` (checked first, recorded on `associationId`). A unit
   * that changes association or target rows names their `destinationId`: its row is the unit's
   * first lock (PostgreSQL), before the lease's and the association's, as in every unit changing
   * associations (`destinations.lockForViewChange`): the view trigger locks it after the
   * association's row otherwise, and a purge locks it before its associations' (deadlocks).
   */
  async function fenced<T> (fence: Fence, associationId: string | undefined, work: (repos: Repositories) => Promise<T>,
    destinationId?: string): Promise<T> {
    return await store.transaction(async (repos) => {
      if (destinationId !== undefined) await repos.destinations.lockForViewChange([destinationId])
      await repos.fencing.settle(fence, associationId)
      return await work(repos)
    })
  }

  /**
   * Shows the attempt in flight: SYNCING / UNSYNCING on the association and the targets it
   * touches; stores the attempt's new purge intents (`ctx.intentJson`; the worker then marks
   * before the driver call).
   */
  async function markInFlight (ctx: WorkContext, fence: Fence): Promise<void> {
    const at = services.now()
    const status = ctx.unsyncAll ? 'UNSYNCING' : 'SYNCING'
    await fenced(fence, undefined, async ({ associations }) => {
      await associations.setStatus(ctx.association.id, status, null, at)
      if (ctx.intentJson !== undefined) await associations.setLeftoverNames(ctx.association.id, ctx.intentJson)
      for (const p of ctx.planned) {
        // A replaced target's delete may wait for its replacement (work-apply.ts): not marked.
        if (p.kind === 'write' || (p.kind === 'unsync' && p.replaced !== true)) await associations.setTargetStatus(ctx.association.id, p.subKey, p.kind === 'unsync' ? 'UNSYNCING' : 'SYNCING', null, at)
      }
    }, ctx.destination.id)
  }

  /** A row with nothing to do: deleted at its generation, or its lease freed when a newer change came. */
  async function settleSkip (row: ClaimedRow, fence: Fence): Promise<void> {
    const at = services.now()
    await fenced(fence, undefined, async ({ outbox }) => {
      if (!await outbox.complete(row.association_id, row.generation)) await outbox.retry(row.association_id, -1, at, 0, null)
    })
  }

  /** Puts a claimed row back, due at `at` (write spacing), its retry state kept. */
  async function putBack (row: ClaimedRow, fence: Fence, at: number): Promise<void> {
    await fenced(fence, undefined, async ({ outbox }) => { await outbox.retry(row.association_id, row.generation, at, row.attempts, row.first_failure_at) })
  }

  /** Settles the attempt; `results` holds the outcome of every planned target that had an op. */
  async function settle (ctx: WorkContext, results: Map<PlannedTarget, OpResult>, fence: Fence): Promise<void> {
    const at = services.now()
    const a = ctx.association
    // The destination's row first (`fenced`): the association's changes bump its view generation,
    // an unsync may settle a purge (`settlePurge`), and a purge locks the destination's row, then
    // its associations': the two wait for each other instead of deadlocking (PostgreSQL).
    const settled = await fenced(fence, a.id, async (repos) => await settleIn(repos, ctx, results, at), ctx.destination.id)
    statusSettled?.({ association: a, destination: ctx.destination, status: settled.status, message: settled.message })
    // D-20: a name this association no longer records is free for the destination's waiters
    // (`unsyncAll`: also one it only claimed, its first write in flight when they were refused).
    if ((settled.released || ctx.unsyncAll) && !destinationLeaving(ctx.destination)) {
      await requeueNameWaiters(services, ctx.destination.id, a, at)
        .catch((err: unknown) => { log?.warn({ err, association: a.id }, 'sync: queuing the associations waiting for a freed name failed; they wait for a change') })
    }
    // Clean-up (the maintenance holder's): a hidden destination goes once its last row settled. A
    // destination is hidden only when no live association is left, so that last row is an unsync
    // (a row loaded live before its association was removed does not complete: its generation
    // moved); plain syncs skip the statement. The reconciliation pass sweeps too.
    if (ctx.unsyncAll && services.ownership.maintains()) await store.repos.outbox.deleteSettledHidden()
    if (observer !== undefined) {
      const ops: Array<{ operation: string, status: string }> = []
      let wroteVersion = false
      for (const [p, r] of results) {
        ops.push({ operation: p.kind, status: r.ok ? 'success' : r.error.kind })
        if (p.kind === 'write' && r.ok) wroteVersion = true
      }
      observer.onSettled({
        destinationType: ctx.destination.type, ops, wroteVersion, queuedAt: ctx.row.created_at, settledAt: at, retry: ctx.row.attempts > 0, failed: settled.failed,
        statusBefore: a.status, statusAfter: settled.status
      })
    }
  }

  /** The settle's writes, in the unit of `repos`; resolves the association's settled status and whether anything failed. */
  async function settleIn (repos: Repositories, ctx: WorkContext, results: Map<PlannedTarget, OpResult>, at: number): Promise<{ status: string, message: string | null, failed: boolean, released: boolean }> {
    const { associations, outbox: queue } = repos
    const a = ctx.association
    const recorded = new Map((await associations.targets(a.id)).map((t) => [t.sub_key, t]))
    const failures: SyncError[] = []
    const statuses: string[] = []
    let released = false // a name recorded before is no longer recorded (D-20 waiters)
    const fail = { attempts: ctx.row.attempts, firstFailureAt: ctx.row.first_failure_at, now: at }
    const keep = (subKey: string): { external_name: string | null, external_version: string | null, digest: string | null } => {
      const r = recorded.get(subKey)
      return { external_name: r?.external_name ?? null, external_version: r?.external_version ?? null, digest: r?.digest ?? null }
    }
    const put = async (subKey: string, record: ReturnType<typeof keep>, status: string, message: string | null): Promise<void> => {
      statuses.push(status)
      const before = recorded.get(subKey)?.external_name
      if (before != null && before.toLowerCase() !== record.external_name?.toLowerCase()) released = true
      await associations.putTarget({ association_id: a.id, sub_key: subKey, ...record, status, message, updated_at: at })
    }
    /** Issue 21: the drift evidence of a settled write (none when the driver did not report Azure's `updated`). */
    const recordEvidence = async (p: Extract<PlannedTarget, { kind: 'write' }>, r: Extract<OpResult, { ok: true }>): Promise<void> => {
      const e = p.op.op === 'write' ? evidenceOfResult(p.op, r, services.driftKey) : undefined
      await associations.setTargetEvidence(a.id, p.subKey, e === undefined ? null : JSON.stringify(e))
    }
    /** A target gone from the destination: no name, no version, no digest, no drift evidence. */
    const unsynced = async (subKey: string, message: string | null): Promise<void> => {
      await put(subKey, { external_name: null, external_version: null, digest: null }, 'UNSYNCED', message)
      await associations.setTargetEvidence(a.id, subKey, null)
    }
    const failed = async (p: PlannedTarget, error: SyncError): Promise<void> => {
      failures.push(error)
      await put(p.subKey, keep(p.subKey), failureStatus(error, fail), error.message)
    }
    /** A status of target `subKey` that changes nothing it records (its row made when missing). */
    const statusOnly = async (subKey: string, status: string, message: string | null): Promise<void> => {
      statuses.push(status)
      await associations.upsertTarget({ association_id: a.id, sub_key: subKey, status, message, updated_at: at })
    }
    /** How the current target `subKey` ended: in Azure (`ok`), failed (its error), or not known. */
    const outcomeOf = (subKey: string): { ok: true } | { ok: false, error: SyncError } | undefined => {
      const q = ctx.planned.find((x) => x.subKey === subKey && (x.kind === 'noop' || x.kind === 'write' || x.kind === 'error'))
      if (q?.kind === 'noop') return { ok: true }
      if (q?.kind === 'error') return { ok: false, error: q.error }
      return q === undefined ? undefined : results.get(q)
    }

    const planned = new Set(ctx.planned.map((p) => p.subKey))
    for (const p of ctx.planned) {
      const r = results.get(p)
      switch (p.kind) {
        case 'noop': await put(p.subKey, keep(p.subKey), 'SYNCED', ctx.olderVersionNote ?? keptNote(recorded.get(p.subKey))); break
        case 'error': await failed(p, p.error); break
        case 'write':
          if (r === undefined) break // not called
          if (r.ok) {
            await put(p.subKey, { external_name: p.name, external_version: r.version ?? null, digest: p.digest }, 'SYNCED', r.note ?? ctx.olderVersionNote ?? null)
            await recordEvidence(p, r)
          } else await failed(p, r.error)
          break
        case 'unsync': {
          const note = ctx.leftInPlace.get(p)
          if (note !== undefined) { await unsynced(p.subKey, note); break }
          if (r === undefined) break // replaced, and its replacement is not all in Azure yet: kept as recorded
          if (r.ok) await unsynced(p.subKey, r.note ?? null)
          else await failed(p, r.error)
          break
        }
        case 'cleanup': {
          // Not called: the new name's write failed (the old name stays recorded, above), or
          // another association holds the name. Failed: the target keeps what it records (the new
          // name, once written: no write again) and the name stays a leftover, deleted by the retry.
          // A leftover of a target gone (nothing else planned, no name recorded): nothing else
          // settles its status, so this does, also when another association holds the name (a
          // removed association's entry used to stay PENDING or UNSYNCING; fuzz seeds 4676, 4680).
          const alone = !ctx.planned.some((q) => q.subKey === p.subKey && q.kind !== 'cleanup') && recorded.get(p.subKey)?.external_name == null
          const leftInPlace = ctx.leftInPlace.get(p)
          if (r === undefined) {
            if (leftInPlace !== undefined && alone) await statusOnly(p.subKey, 'UNSYNCED', leftInPlace)
          } else if (!r.ok) {
            failures.push(r.error)
            await statusOnly(p.subKey, failureStatus(r.error, fail), r.error.message)
          } else if (alone) {
            await statusOnly(p.subKey, 'UNSYNCED', r.note ?? null) // the driver's note kept
          }
          break
        }
        case 'handover': {
          // The Azure name is now key `to`'s: drop this row once `to` is in Azure, else keep its
          // name recorded (remove still deletes it) with `to`'s failure.
          const outcome = outcomeOf(p.to)
          if (outcome?.ok === true) await unsynced(p.subKey, `left in place: now synced for key ${JSON.stringify(p.to)}`)
          else if (outcome !== undefined) await failed(p, outcome.error)
          break
        }
      }
    }
    // Targets with no name and no plan (a key that vanished before it was ever written).
    for (const [subKey, t] of recorded) if (!planned.has(subKey) && t.external_name === null && t.status !== 'UNSYNCED') await associations.deleteTarget(a.id, subKey)

    const rank = (s: string): number => { const i = PRECEDENCE.indexOf(s); return i < 0 ? PRECEDENCE.length : i }
    const worst = statuses.reduce<string | undefined>((w, s) => (w === undefined || rank(s) < rank(w) ? s : w), undefined)
    const status = worst ?? (ctx.kv === undefined || ctx.unsyncAll ? 'UNSYNCED' : 'SYNCED')
    const firstError = failures[0]?.message ?? null
    const message = status === 'SYNCED' || status === 'UNSYNCED' ? null : firstError
    await associations.setStatus(a.id, status, message, at)
    await storeSettledLeftovers(associations, ctx, results)

    await settlePurge(repos, ctx, failures, status)
    const delay = retryDelayMs(failures, ctx.row.attempts, settings.backoff, settings.clientErrorRetryMs)
    if (delay !== undefined && ctx.row.refresh === 1) {
      // D-8: an explicit set writes every target once. Its retry writes the targets whose write
      // failed (their digest forgotten), not again those written now (one Azure version each).
      for (const [p, r] of results) if (p.kind === 'write' && !r.ok) await associations.setTargetDigest(a.id, p.subKey, null)
      await queue.refreshDone(a.id, ctx.row.generation)
    }
    if (delay !== undefined) {
      await queue.retry(a.id, ctx.row.generation, at + delay, ctx.row.attempts + 1, ctx.row.first_failure_at ?? at)
    } else if (ctx.kv?.deletionAtMs != null && ctx.kv.deletionAtMs > at) {
      // D-22: the synced version is scheduled for deletion: look again when it expires.
      await queue.retry(a.id, ctx.row.generation, ctx.kv.deletionAtMs + 1, 0, null)
    } else if (!await queue.complete(a.id, ctx.row.generation)) {
      await queue.retry(a.id, -1, at, 0, null) // a newer change arrived: just release the lease
    }
    return { status, message, failed: failures.length > 0, released }
  }

  /**
   * D-15.4: a purge deletes each unsynced association, then the destination; a client error of
   * its unsync stops it. The destination is read again here: a purge may have begun while this
   * attempt ran (a removed association's unsync in flight), and the copy loaded before it says
   * nothing of it. An attempt loaded as a sync (the purge began while it was out) speaks for
   * none of the purge: its own errors (a name owned by another secret) used to stop the purge
   * (fuzz seed 4257); the unsync the purge queued for it runs next.
   */
  async function settlePurge ({ associations, destinations }: Repositories, ctx: WorkContext, failures: SyncError[], status: string): Promise<void> {
    if (!ctx.unsyncAll) return
    const d = await destinations.byId(ctx.destination.id)
    if (d === undefined || d.purge_state !== 'purging') return
    if (status === 'UNSYNCED') {
      await associations.delete(ctx.association.id)
      if ((await associations.ofDestination(d.id)).length === 0) await destinations.delete(d.id)
      return
    }
    const client = failures.find((f) => f.kind === 'CLIENT_SIDE_ERROR')
    if (client !== undefined) await destinations.setPurge(d.id, 'purge_failed', d.purge_initiated_at, client.message)
    else if (failures.length > 0) await destinations.setPurge(d.id, 'purging', d.purge_initiated_at, failures[0].message)
  }

  /** An unexpected failure of the attempt itself: INTERNAL_VAULT_ERROR and a backoff retry. */
  async function settleInternal (ctx: WorkContext, message: string, fence: Fence): Promise<void> {
    const at = services.now()
    await fenced(fence, ctx.association.id, async ({ associations, outbox }) => {
      await associations.setStatus(ctx.association.id, 'INTERNAL_VAULT_ERROR', message, at)
      await associations.setTargetsStatus(ctx.association.id, 'INTERNAL_VAULT_ERROR', message, at)
      const delay = backoffDelayMs(ctx.row.attempts + 1, settings.backoff)
      await outbox.retry(ctx.association.id, ctx.row.generation, at + delay, ctx.row.attempts + 1, ctx.row.first_failure_at ?? at)
    }, ctx.destination.id)
    statusSettled?.({ association: ctx.association, destination: ctx.destination, status: 'INTERNAL_VAULT_ERROR', message })
    observer?.onSettled({
      destinationType: ctx.destination.type, ops: [], wroteVersion: false, queuedAt: ctx.row.created_at, settledAt: at, retry: ctx.row.attempts > 0, failed: true,
      statusBefore: ctx.association.status, statusAfter: 'INTERNAL_VAULT_ERROR'
    })
  }

  return { markInFlight, settle, settleInternal, settleSkip, putBack }
}

export type WorkSettler = ReturnType<typeof createWorkSettler>
