/**
 * The sync worker (docs/architecture.md "Flow 2: a sync"; decisions D-1, D-13, D-29, D-32.7, D-32.8):
 * claims due outbox rows under a lease, loads the plan from the KV state *now*, calls the driver
 * (one attempt per target; an old name deleted once its new one is written) and shows the work
 * in flight (first, fenced, with several replicas; while the call is out otherwise), and settles.
 * It wakes at once when work is queued (no polling delay on the hot path), sleeps until the next
 * retry is due, holds all work while `sys/sync/config disabled=true`, and on start frees the
 * leases a previous process left behind (one process owning everything only).
 *
 * Storage is the async `Store` only: the claim is one statement (`outbox.claim`, FOR UPDATE
 * SKIP LOCKED on PostgreSQL), each settle one unit of work carrying the fence of the lease the
 * row was claimed under; Azure calls run outside any unit (R2-3). With several replicas
 * (issue 18, `ownership.ts`) it claims only rows of the Key Vaults whose leases it holds, frees
 * the row leases of a vault it gains (the previous owner's attempts are fenced off), aborts the
 * in-flight attempts of a vault it loses, and runs the reconciliation only while it holds the
 * `maintenance` lease. Wake-ups: `wake()` (in-process enqueues, a NOTIFY heard, a reconnect's
 * rescan) and, with `pollMs`, a poll so a lost notification costs at most one interval.
 *
 * `whenIdle()` resolves when nothing is in flight and no row is due now (rows waiting for a
 * backoff do not count); `reconcileNow()` runs the reconciliation pass at once. Both are public
 * APIs for operators' tooling and deterministic tests (D-29).
 */
import { setMaxListeners } from 'node:events'
import { setImmediate as nextCheckPhase } from 'node:timers/promises'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { ClaimedRow, ClaimScope } from '../../db/outbox-repo.js'
import { LeaseLostError, type Fence } from '../../db/store/fence.js'
import { outsideUnits } from '../../db/store/unit-scope.js'
import { linkedAbort } from '../drivers/linked-abort.js'
import { internalSyncError } from '../drivers/sync-error.js'
import type { SyncObserver } from '../metrics/sync-metrics.js'
import { createReconciler } from './reconciler.js'
import type { WorkerServices } from './worker-deps.js'
import { applyTargets } from './work-apply.js'
import { createWorkLoader, type WorkContext } from './work-load.js'
import { createStatusChangeLog } from './status-log.js'
import { createWorkSettler, type SettleSettings } from './work-settle.js'
import { requeueIfNameFreed } from './name-waiters.js'
import { createWarmUps } from './warm-ups.js'
import { createWriteSpacing } from './write-spacing.js'
import { createRepeatingFailureLog } from '../logging/repeating-failure-log.js'

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
  /** Look for due rows at least this often, ms (several replicas: lost notifications); none when absent. */
  pollMs?: number
}

export interface WorkerDeps {
  services: WorkerServices
  settings: WorkerSettings
  log: Logger
  /** Metrics hooks (`src/metrics/`), told of every settled attempt. */
  observer?: SyncObserver
}

/** An attempt in flight: its promise, its vault and the abort of its SDK calls. */
interface Attempt { done: Promise<void>, vault: string | null | undefined, abort: AbortController }

/** Creates the worker; call `start()`. */
export function createSyncWorker ({ services, settings, log, observer }: WorkerDeps) {
  const { store, ownership } = services
  const loader = createWorkLoader(services)
  const settler = createWorkSettler(services, settings, createStatusChangeLog(log), observer, log)
  const reconciler = createReconciler(services, settings)
  const spacing = createWriteSpacing(settings.minWriteIntervalMs ?? 0)
  const warmUps = createWarmUps(services, log, loader.recordVaultKey)
  const inFlight = new Map<string, Attempt>()
  const abort = new AbortController()
  // One signal is shared by every in-flight SDK call (many listeners by design).
  setMaxListeners(0, abort.signal)
  let running = false
  let timer: NodeJS.Timeout | undefined
  let immediate: NodeJS.Immediate | undefined
  let reconcileTimer: NodeJS.Timeout | undefined
  let idleWaiters: Array<() => void> = []
  // One tick at a time; a wake-up during a tick runs another right after it.
  let ticking: Promise<void> | undefined
  let again = false

  const now = (): number => services.now()
  const disabled = async (): Promise<boolean> => (await services.syncConfig.get()).disabled

  function schedule (delayMs: number): void {
    if (!running) return
    if (ticking !== undefined) { if (delayMs <= 0) again = true; else if (!again) arm(delayMs); return }
    arm(delayMs)
  }

  function arm (delayMs: number): void {
    if (timer !== undefined) { clearTimeout(timer); timer = undefined }
    // Due now: the next turn of the event loop (a 0 ms timeout waits for the timer phase, ~1 ms).
    if (delayMs <= 0) { immediate ??= setImmediate(run); return }
    if (immediate === undefined) timer = setTimeout(run, Math.min(delayMs, 2 ** 31 - 1))
  }

  // A wake-up may come from inside a unit of work (an enqueue's listener): the timers it sets
  // would inherit the unit's scope, so the loop always runs outside any (`outsideUnits`).
  function run (): void { outsideUnits(loop) }

  // A tick fails on every turn while the database is down: one line per minute, not per turn.
  const tickFailures = createRepeatingFailureLog(log, 'sync worker: tick failed', 'sync worker: ticks work again', now)

  function loop (): void {
    timer = undefined
    immediate = undefined
    if (!running || ticking !== undefined) { again ||= running; return }
    ticking = tick()
      .then(() => { tickFailures.succeeded() })
      .catch((err) => { tickFailures.failed(err); arm(settings.pollMs ?? 1000) })
      .finally(() => {
        ticking = undefined
        if (again) { again = false; arm(0) }
      })
  }

  // Rows claimed (leased in the database) but not yet in flight or put back: not idle.
  let claiming = 0
  const busy = (): boolean => inFlight.size > 0 || claiming > 0

  async function isIdle (): Promise<boolean> {
    if (busy()) return false
    if (!running || await disabled()) return true
    const next = await store.repos.outbox.nextDueAt(ownership.scope())
    return !busy() && (next === undefined || next > now()) && spacing.pendingUntil(now()) === undefined
  }

  async function notifyIdle (): Promise<void> {
    if (idleWaiters.length === 0) return
    // Only the waiters that were waiting before the check: a later one may wait for work queued during it.
    const waiters = idleWaiters
    if (!await isIdle()) return
    idleWaiters = idleWaiters.filter((w) => !waiters.includes(w))
    for (const w of waiters) w()
  }

  /**
   * The in-flight mark, once the driver's request is on its way: by the event loop's next check
   * phase the SDK has written it (its policies run in microtasks, the socket write in a tick).
   */
  async function markWhileOut (ctx: WorkContext, fence: Fence): Promise<void> {
    await nextCheckPhase()
    await settler.markInFlight(ctx, fence)
  }

  async function process (row: ClaimedRow, fence: Fence, signal: AbortSignal): Promise<void> {
    const loaded = await loader.load(row)
    if (loaded.kind === 'skip') {
      log.debug({ association: row.association_id, reason: loaded.reason }, 'sync: nothing to do')
      await settler.settleSkip(row, fence)
      return
    }
    const ctx = loaded.ctx
    // The names this attempt took (first writes) are recorded once it settled, or were not written.
    try { await attempt(ctx, row, fence, signal) } finally { loader.release(ctx) }
    // A holder that let the name go while this attempt was out woke no one: it was not refused yet.
    await requeueIfNameFreed(services, ctx, loader.claimedBy)
  }

  /** The driver calls and settling of `ctx`, loaded from `row`. */
  async function attempt (ctx: WorkContext, row: ClaimedRow, fence: Fence, signal: AbortSignal): Promise<void> {
    spacing.started(row.association_id, now())
    // Replicas: the fenced mark goes first, so a replica that lost the vault calls no Azure API;
    // so does one storing purge intents (leftover-names.ts). Otherwise the call goes out first and
    // the mark is written while it is out (issue 17: a unit of work less before a change reaches Azure).
    const markFirst = ownership.scope() !== undefined || ctx.intentJson !== undefined
    if (markFirst) await settler.markInFlight(ctx, fence)
    const marking = markFirst ? undefined : markWhileOut(ctx, fence)
    try {
      const [results] = await Promise.all([applyTargets(ctx, signal), marking])
      await settler.settle(ctx, results, fence)
    } catch (err) {
      await marking?.catch(() => {}) // the mark lands before a failure's status, never after it
      if (err instanceof LeaseLostError) throw err
      log.error({ err, association: row.association_id }, 'sync attempt failed')
      await settler.settleInternal(ctx, internalSyncError('internal error while syncing; see the server log').message, fence)
    }
  }

  function begin (row: ClaimedRow, fence: Fence): void {
    // Replicas: an attempt also stops when its vault is lost. One process owning everything never loses one.
    // Linked by a listener removed when the attempt ends, not `AbortSignal.any` (`linked-abort.ts`).
    const link = ownership.scope() === undefined ? undefined : linkedAbort(abort.signal)
    const controller = link?.controller ?? new AbortController()
    const signal = link === undefined ? abort.signal : controller.signal
    setMaxListeners(0, signal)
    const done = process(row, fence, signal)
      .catch((err) => {
        if (err instanceof LeaseLostError) log.warn({ association: row.association_id, lease: fence.name, epoch: fence.epoch }, 'sync: the lease of this row was lost; its attempt is not settled here (the new owner runs it)')
        else log.error({ err, association: row.association_id }, 'sync worker error')
      })
      .finally(() => { link?.dispose(); inFlight.delete(row.association_id); schedule(0); void notifyIdle() })
    inFlight.set(row.association_id, { done, vault: row.vault_key, abort: controller })
  }

  async function tick (): Promise<void> {
    if (!running) return
    if (await disabled()) { await notifyIdle(); return }
    const slots = settings.maxInFlight - inFlight.size
    const scope = ownership.scope()
    if (slots > 0) {
      const at = now()
      claiming++
      try { await claimDue(at, slots, scope) } finally { claiming-- }
    }
    // The attempts just begun go first (issue 17: nothing but their own steps before the Azure
    // call): the look for the next due row waits for the check phase, by which the SDK has sent
    // their requests, instead of running its query between their load steps.
    if (inFlight.size > 0) await nextCheckPhase()
    const due = await store.repos.outbox.nextDueAt(scope) ?? spacing.pendingUntil(now())
    const delay = Math.min(due === undefined ? Infinity : due - now(), settings.pollMs ?? Infinity)
    if (delay !== Infinity) schedule(delay)
    await notifyIdle()
  }

  /** Claims up to `slots` due rows of `scope` and starts them (or gives them back, or puts them back). */
  async function claimDue (at: number, slots: number, scope: ClaimScope | undefined): Promise<void> {
    for (const row of await store.repos.outbox.claim(at, slots, at + settings.leaseMs, scope)) {
      const earlier = inFlight.get(row.association_id)
      if (earlier !== undefined) {
        // Claimed again while its attempt ends (settled and re-queued by a newer change, not yet
        // forgotten here): skipping it would leave it leased, run by no one, for `leaseMs`.
        // Its lease is freed once that attempt is done, for the next tick to claim.
        void earlier.done.then(async () => { await store.repos.outbox.retry(row.association_id, -1, at, row.attempts, row.first_failure_at) })
          .catch((err) => { log.warn({ err, association: row.association_id }, 'sync: could not free a row claimed twice (its lease expires on its own)') })
          .finally(() => { schedule(0) })
        continue
      }
      const fence = ownership.fenceOf(row)
      if (fence === undefined) { // its vault was lost since the claim: give the row back to the new owner at once
        store.repos.outbox.retry(row.association_id, -1, at, 0, null).catch((err) => { log.warn({ err, association: row.association_id }, 'sync: could not give a row back') })
        continue
      }
      const allowed = spacing.allowedAt(row.association_id, at)
      if (allowed > at) { // too soon after its previous attempt: put back (write-spacing.ts)
        await settler.putBack(row, fence, allowed).catch((err) => { log.warn({ err, association: row.association_id }, 'sync: could not put a row back') })
        spacing.deferred(row.association_id, allowed)
        continue
      }
      begin(row, fence)
    }
  }

  /** Vaults gained: free their row leases (the previous owner is fenced off), then look for work. Vaults lost: abort their attempts. */
  ownership.onChange(({ gained, lost }) => {
    for (const a of inFlight.values()) if (a.vault != null && lost.includes(a.vault)) a.abort.abort()
    if (gained.length === 0) { schedule(0); return } // e.g. maintenance taken: rows with no vault key yet
    store.repos.outbox.releaseVaultLeases(gained)
      .then((freed) => { if (freed > 0) log.info({ rows: freed, vaults: gained }, 'sync worker: took over the rows of vaults now owned') })
      .catch((err) => { log.warn({ err }, 'sync worker: could not free the row leases of vaults now owned (they expire on their own)') })
      .finally(() => { schedule(0) })
  })

  async function warmAll (): Promise<void> {
    warmUps.add((await store.repos.destinations.allLive()).map((d) => d.id))
  }

  const worker = {
    /** Frees stale leases (one process owning everything), starts the loop and the reconciliation timer, warms every live destination's connection. */
    start (): void {
      if (running) return
      running = true
      const recover = ownership.scope() === undefined ? store.repos.outbox.releaseAllLeases() : Promise.resolve(0)
      void recover.then((freed) => { if (freed > 0) log.info({ rows: freed }, 'sync worker: recovered leases of an earlier run') })
        .catch((err) => { log.error({ err }, 'sync worker: could not recover leases of an earlier run') })
        .finally(() => { schedule(0) })
      reconcileTimer = setInterval(() => { void worker.reconcileNow() }, settings.reconcileIntervalMs)
      reconcileTimer.unref()
      warmAll().catch((err) => { log.warn({ err }, 'sync worker: could not list destinations to warm') })
    },
    /** Warms the connection of destination `id` ahead of its next sync (it was created or changed; `warm-ups.ts`). */
    warm (id: string): void { if (running) outsideUnits(() => { warmUps.add([id]) }) },
    /** Resolves when no connection warm-up is queued or running. */
    async whenWarm (): Promise<void> { await warmUps.settled() },
    /** Wakes the loop now (new work was queued, the config changed, a notification or a rescan). */
    wake (): void { if (running) schedule(0) },
    /** Resolves when nothing is in flight and nothing (of the vaults this process owns) is due now. */
    async whenIdle (): Promise<void> {
      if (await isIdle()) return
      await new Promise<void>((resolve) => { idleWaiters.push(resolve); schedule(0) })
    },
    /** Runs the reconciliation pass now (only while this process holds the maintenance work), then wakes the loop. */
    async reconcileNow (): Promise<void> {
      if (!ownership.maintains()) return
      try { await reconciler.run(now()) } catch (err) { log.error({ err }, 'sync reconciliation failed') }
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
      await ticking
      await Promise.allSettled([...inFlight.values()].map((a) => a.done))
      clearTimeout(grace)
      for (const w of idleWaiters) w()
      idleWaiters = []
    }
  }
  return worker
}

export type SyncWorker = ReturnType<typeof createSyncWorker>
