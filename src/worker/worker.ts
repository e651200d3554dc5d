/**
 * The sync worker (docs/architecture.md "Flow 2: a sync"; decisions D-1, D-13, D-29, D-32.7, D-32.8):
 * claims due outbox rows under a lease, loads the plan from the KV state *now*, shows the work
 * in flight, calls the driver (one attempt per target; cleanup of renamed names first), and
 * settles. It wakes at once when work is queued (no polling delay on the hot path), sleeps
 * until the next retry is due, holds all work while `sys/sync/config disabled=true`, and on
 * start frees the leases a previous process left behind.
 *
 * `whenIdle()` resolves when nothing is in flight and no row is due now (rows waiting for a
 * backoff do not count); `reconcileNow()` runs the reconciliation pass at once. Both are public
 * APIs for operators' tooling and deterministic tests (D-29).
 */
import { setMaxListeners } from 'node:events'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { ClaimedRow } from '../../db/outbox-repo.js'
import { internalSyncError } from '../drivers/sync-error.js'
import type { OpResult } from '../drivers/target-ops.js'
import type { SyncObserver } from '../metrics/sync-metrics.js'
import type { PlannedTarget } from '../sync/plan.js'
import { createReconciler } from './reconciler.js'
import type { WorkerServices } from './worker-deps.js'
import { createWorkLoader, type WorkContext } from './work-load.js'
import { createStatusChangeLog } from './status-log.js'
import { createWorkSettler, type SettleSettings } from './work-settle.js'
import { createWarmUps } from './warm-ups.js'
import { createWriteSpacing } from './write-spacing.js'

/** A planned target that calls the driver. */
type WithOp = Extract<PlannedTarget, { op: unknown }>

export interface WorkerSettings extends SettleSettings {
  /** Associations processed concurrently. */
  maxInFlight: number
  /** Lease of a claimed row, ms (longer than any attempt can take). */
  leaseMs: number
  reconcileIntervalMs: number
  unsyncedRetentionMs: number
  /** In-flight SDK calls are aborted this long after `stop()` begins, ms (D-32.8). */
  stopGraceMs: number
  /** Minimum interval between attempts of one association, ms (write-spacing.ts); 0 = off. */
  minWriteIntervalMs?: number
}

export interface WorkerDeps {
  services: WorkerServices
  settings: WorkerSettings
  log: Logger
  /** Metrics hooks (`src/metrics/`), told of every settled attempt. */
  observer?: SyncObserver
}

/** Creates the worker; call `start()`. */
export function createSyncWorker ({ services, settings, log, observer }: WorkerDeps) {
  const work = services.work.queue
  const loader = createWorkLoader(services)
  const settler = createWorkSettler(services, settings, createStatusChangeLog(log), observer)
  const reconciler = createReconciler(services, settings)
  const spacing = createWriteSpacing(settings.minWriteIntervalMs ?? 0)
  const warmUps = createWarmUps(services, log)
  const inFlight = new Map<string, Promise<void>>()
  const abort = new AbortController()
  // One signal is shared by every in-flight SDK call (many listeners by design).
  setMaxListeners(0, abort.signal)
  let running = false
  let timer: NodeJS.Timeout | undefined
  let immediate: NodeJS.Immediate | undefined
  let reconcileTimer: NodeJS.Timeout | undefined
  let idleWaiters: Array<() => void> = []

  const now = (): number => services.now()
  const disabled = (): boolean => services.syncConfig.get().disabled

  function schedule (delayMs: number): void {
    if (!running) return
    if (timer !== undefined) { clearTimeout(timer); timer = undefined }
    // Due now: the next turn of the event loop (a 0 ms timeout waits for the timer phase, ~1 ms).
    if (delayMs <= 0) { immediate ??= setImmediate(tick); return }
    if (immediate === undefined) timer = setTimeout(tick, Math.min(delayMs, 2 ** 31 - 1))
  }

  function isIdle (): boolean {
    if (inFlight.size > 0) return false
    if (!running || disabled()) return true
    const next = work.nextDueAt()
    return (next === undefined || next > now()) && spacing.pendingUntil(now()) === undefined
  }

  function notifyIdle (): void {
    if (idleWaiters.length === 0 || !isIdle()) return
    const waiters = idleWaiters
    idleWaiters = []
    for (const w of waiters) w()
  }

  async function runDriver (ctx: WorkContext): Promise<Map<PlannedTarget, OpResult>> {
    const results = new Map<PlannedTarget, OpResult>()
    const run = async (targets: PlannedTarget[]): Promise<void> => {
      const withOps = targets.filter((p): p is WithOp => 'op' in p && !ctx.leftInPlace.has(p))
      if (withOps.length === 0) return
      const out = await ctx.driver.apply(ctx.connection, withOps.map((p) => p.op), abort.signal)
      withOps.forEach((p, i) => results.set(p, out[i]))
    }
    // A renamed target's old name goes first; its new name is written only once that worked.
    const cleanups = ctx.planned.filter((p) => p.kind === 'cleanup')
    await run(cleanups)
    const blocked = new Set(cleanups.filter((p) => results.get(p)?.ok === false).map((p) => p.subKey))
    await run(ctx.planned.filter((p) => p.kind !== 'cleanup' && !(p.kind === 'write' && blocked.has(p.subKey))))
    return results
  }

  async function process (row: ClaimedRow): Promise<void> {
    const loaded = loader.load(row)
    if (loaded.kind === 'skip') {
      log.debug({ association: row.association_id, reason: loaded.reason }, 'sync: nothing to do')
      if (!work.complete(row.association_id, row.generation)) work.retry(row.association_id, -1, now(), 0, null)
      return
    }
    const ctx = loaded.ctx
    spacing.started(row.association_id, now())
    settler.markInFlight(ctx)
    try {
      const results = await runDriver(ctx)
      settler.settle(ctx, results)
    } catch (err) {
      log.error({ err, association: row.association_id }, 'sync attempt failed')
      settler.settleInternal(ctx, internalSyncError('internal error while syncing; see the server log').message)
    }
  }

  function tick (): void {
    timer = undefined
    immediate = undefined
    if (!running) return
    if (disabled()) { notifyIdle(); return }
    const slots = settings.maxInFlight - inFlight.size
    if (slots > 0) {
      const at = now()
      for (const row of work.claim(at, slots, at + settings.leaseMs)) {
        if (inFlight.has(row.association_id)) continue
        const allowed = spacing.allowedAt(row.association_id, at)
        if (allowed > at) { // too soon after its previous attempt: put back (write-spacing.ts)
          work.retry(row.association_id, row.generation, allowed, row.attempts, row.first_failure_at)
          spacing.deferred(row.association_id, allowed)
          continue
        }
        const p = process(row)
          .catch((err) => { log.error({ err, association: row.association_id }, 'sync worker error') })
          .finally(() => { inFlight.delete(row.association_id); schedule(0); notifyIdle() })
        inFlight.set(row.association_id, p)
      }
    }
    const next = work.nextDueAt() ?? spacing.pendingUntil(now())
    if (next !== undefined) schedule(next - now())
    notifyIdle()
  }

  const worker = {
    /** Frees stale leases, starts the loop and the reconciliation timer, warms every live destination's connection. */
    start (): void {
      if (running) return
      running = true
      const freed = work.releaseAllLeases()
      if (freed > 0) log.info({ rows: freed }, 'sync worker: recovered leases of an earlier run')
      reconcileTimer = setInterval(() => { worker.reconcileNow() }, settings.reconcileIntervalMs)
      reconcileTimer.unref()
      schedule(0)
      warmUps.add(services.work.destinations.allLive().map((d) => d.id))
    },
    /** Warms the connection of destination `id` ahead of its next sync (it was created or changed; `warm-ups.ts`). */
    warm (id: string): void { if (running) warmUps.add([id]) },
    /** Resolves when no connection warm-up is queued or running. */
    async whenWarm (): Promise<void> { await warmUps.settled() },
    /** Wakes the loop now (new work was queued or the config changed). */
    wake (): void { if (running) schedule(0) },
    /** Resolves when nothing is in flight and nothing is due now. */
    async whenIdle (): Promise<void> {
      if (isIdle()) return
      await new Promise<void>((resolve) => { idleWaiters.push(resolve); schedule(0) })
    },
    /** Runs the reconciliation pass now, then wakes the loop. */
    reconcileNow (): void {
      try { reconciler.run(now()) } catch (err) { log.error({ err }, 'sync reconciliation failed') }
      worker.wake()
    },
    /**
     * Stops claiming, lets in-flight attempts finish for up to `stopGraceMs`, then aborts their
     * SDK calls; aborted rows keep their lease and run again on the next start (D-32.8).
     */
    async stop (): Promise<void> {
      running = false
      if (timer !== undefined) clearTimeout(timer)
      if (immediate !== undefined) clearImmediate(immediate)
      if (reconcileTimer !== undefined) clearInterval(reconcileTimer)
      const grace = setTimeout(() => abort.abort(), settings.stopGraceMs)
      await Promise.allSettled([...inFlight.values()])
      clearTimeout(grace)
      for (const w of idleWaiters) w()
      idleWaiters = []
    }
  }
  return worker
}

export type SyncWorker = ReturnType<typeof createSyncWorker>
