/**
 * Client-side rate limits per Key Vault (spec/azure-keyvault-api.md §4, decisions D-12; Azure
 * "Key Vault service limits" and "throttling guidance"): Key Vault allows 300 secret writes and
 * 4,000 other operations per sliding 10 s per vault. Each vault origin and kind gets a
 * `VaultLedger` (sliding window at the full budget, AIMD on 429, Retry-After pauses) and a FIFO
 * of waiting calls; destinations pointing at the same vault share them.
 *
 * A 429 is handled here, not by backing the job off: the call goes back to the head of its
 * vault's queue and runs again when the (now smaller) limit and the pause allow, up to
 * `maxThrottleRetries` times; after that the 429 reaches the caller as a transient error.
 *
 * Why not a library: p-queue's `interval` is a fixed window restarted by a timer (up to twice the
 * cap in one sliding window: the 429s issue 17 measured), bottleneck's reservoir refreshes on a
 * fixed schedule, `limiter` is a token bucket, p-throttle's strict mode counts starts only and
 * none of them adapts its limit to 429s or Retry-After; the ledger is ~100 lines of arithmetic.
 */
import { performance } from 'node:perf_hooks'
import { retryAfterMs, statusOf } from './azure-kv-errors.js'
import { LEDGER_DEFAULTS, VaultLedger, type LedgerOutcome, type LedgerSettings } from './vault-ledger.js'

export interface VaultLimits {
  /** Writes (PUT secret, restore) per window: Key Vault's 300. */
  writesPerWindow: number
  /** Every other operation per window: Key Vault's 4,000. */
  othersPerWindow: number
  /** Window length, ms. */
  windowMs: number
  /** Concurrent requests per vault and kind. */
  concurrency: number
  /** 429s one call absorbs (re-queued at the head) before it fails. */
  maxThrottleRetries: number
}

/** Key Vault's documented limits at full budget, 8 concurrent requests per kind. */
export const DEFAULT_VAULT_LIMITS: VaultLimits = { writesPerWindow: 300, othersPerWindow: 4000, windowMs: 10_000, concurrency: 8, maxThrottleRetries: 8 }

export type OperationKind = 'write' | 'other'

interface Task {
  fn: () => Promise<unknown>
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
  throttles: number
  /** Background work's share of the limit (issue 21); undefined for sync traffic. */
  share?: number
}

interface Lane {
  ledger: VaultLedger
  queue: Task[]
  /** Background calls (drift sweeps): started only when `queue` is empty, one at a time, within their share. */
  background: Task[]
  timer: NodeJS.Timeout | undefined
}

/**
 * Creates the per-origin limiter. `run(origin, kind, fn)` runs `fn` when the ledger allows.
 * `clock` (ms, monotonic) is injectable for tests.
 */
export function createVaultLimiter (limits: VaultLimits = DEFAULT_VAULT_LIMITS, clock: () => number = () => performance.now()) {
  const lanes = new Map<string, Lane>()

  function laneFor (origin: string, kind: OperationKind): Lane {
    const key = `${kind} ${origin}`
    let lane = lanes.get(key)
    if (lane === undefined) {
      const settings: LedgerSettings = {
        ...LEDGER_DEFAULTS,
        budget: kind === 'write' ? limits.writesPerWindow : limits.othersPerWindow,
        windowMs: limits.windowMs,
        concurrency: limits.concurrency
      }
      lane = { ledger: new VaultLedger(settings), queue: [], background: [], timer: undefined }
      lanes.set(key, lane)
    }
    return lane
  }

  function pump (lane: Lane): void {
    if (lane.timer !== undefined) { clearTimeout(lane.timer); lane.timer = undefined }
    const t = clock()
    while (lane.queue.length > 0 && lane.ledger.canStart(t)) execute(lane, lane.queue.shift()!, t)
    // Sync traffic always wins: background work starts only when no sync call waits.
    while (lane.queue.length === 0 && lane.background.length > 0 && lane.ledger.canStartBackground(t, lane.background[0].share!)) {
      execute(lane, lane.background.shift()!, t)
    }
    if (lane.queue.length === 0 && lane.background.length === 0) return
    const at = lane.queue.length > 0 ? lane.ledger.nextStartAt(t) : lane.ledger.nextBackgroundStartAt(t, lane.background[0].share!)
    if (at !== undefined) lane.timer = setTimeout(() => { lane.timer = undefined; pump(lane) }, Math.max(1, Math.ceil(at - t)))
  }

  /**
   * A waiting `task` leaves `queue` and rejects with `signal`'s reason when `signal` aborts; the
   * listener is removed once the task settles. The signal may live as long as the worker (its
   * shutdown signal): a listener left behind per queued call kept the call, and the secret value
   * its closure holds, in memory until shutdown.
   */
  function leaveOnAbort (task: Task, queue: Task[], signal: AbortSignal | undefined): void {
    if (signal === undefined) return
    const onAbort = (): void => {
      const i = queue.indexOf(task)
      if (i >= 0) { queue.splice(i, 1); task.reject(signal.reason) }
    }
    signal.addEventListener('abort', onAbort, { once: true })
    const { resolve, reject } = task
    task.resolve = (v) => { signal.removeEventListener('abort', onAbort); resolve(v) }
    task.reject = (e) => { signal.removeEventListener('abort', onAbort); reject(e) }
  }

  function execute (lane: Lane, task: Task, t: number): void {
    const background = task.share !== undefined
    if (background) lane.ledger.startBackground(t)
    else lane.ledger.start(t)
    const finish = (outcome: LedgerOutcome): void => {
      if (background) lane.ledger.finishBackground(clock(), outcome)
      else lane.ledger.finish(clock(), outcome)
    }
    let p: Promise<unknown>
    try { p = task.fn() } catch (err) { p = Promise.reject(err) }
    p.then((v) => {
      finish({ kind: 'ok' })
      task.resolve(v)
      pump(lane)
    }, (err: unknown) => {
      const status = statusOf(err)
      if (status === 429) {
        finish({ kind: 'throttled', retryAfterMs: retryAfterMs(err) })
        if (task.throttles++ < limits.maxThrottleRetries) (background ? lane.background : lane.queue).unshift(task)
        else task.reject(err)
      } else {
        finish({ kind: 'failed' })
        task.reject(err)
      }
      pump(lane)
    })
  }

  return {
    /**
     * Runs `fn` under the `kind` ledger of `origin`; resolves or rejects with `fn`'s outcome (a 429
     * only after `maxThrottleRetries`). A call still waiting when `signal` aborts rejects with its reason.
     */
    async run<T> (origin: string, kind: OperationKind, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      const lane = laneFor(origin, kind)
      return await new Promise<T>((resolve, reject) => {
        const task: Task = { fn, resolve: resolve as (v: unknown) => void, reject, throttles: 0 }
        if (lane.queue.length === 0 && lane.ledger.canStart(clock())) { execute(lane, task, clock()); return }
        lane.queue.push(task)
        if (lane.timer === undefined) pump(lane)
        leaveOnAbort(task, lane.queue, signal)
      })
    },
    /**
     * Runs background work `fn` (issue 21: drift sweeps) under the `kind` ledger of `origin`, but
     * only when no sync call waits there, one background call at a time, and within `share`
     * (0 < share <= 1) of the limit per window: sync traffic always wins and waits for at most
     * one background round trip. Otherwise as {@link run}.
     */
    async runBackground<T> (origin: string, kind: OperationKind, share: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (!(share > 0 && share <= 1)) throw new RangeError('share must be in (0, 1]')
      const lane = laneFor(origin, kind)
      return await new Promise<T>((resolve, reject) => {
        const task: Task = { fn, resolve: resolve as (v: unknown) => void, reject, throttles: 0, share }
        lane.background.push(task)
        pump(lane)
        leaveOnAbort(task, lane.background, signal)
      })
    },
    /** The ledger of `origin` and `kind` (created on first use), for logs and tests. */
    ledger: (origin: string, kind: OperationKind): VaultLedger => laneFor(origin, kind).ledger,
    /** Calls waiting for a slot at `origin`. */
    waiting: (origin: string, kind: OperationKind): number => lanes.get(`${kind} ${origin}`)?.queue.length ?? 0,
    /** Rejects waiting calls and drops the ledgers (shutdown). */
    clear (): void {
      for (const lane of lanes.values()) {
        if (lane.timer !== undefined) clearTimeout(lane.timer)
        for (const t of [...lane.queue.splice(0), ...lane.background.splice(0)]) t.reject(new Error('vault limiter cleared'))
      }
      lanes.clear()
    }
  }
}

export type VaultLimiter = ReturnType<typeof createVaultLimiter>
