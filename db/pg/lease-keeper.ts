/**
 * A replica's lease keeper (cases PG-1, PG-4). On its OWN dedicated connection (never the shared
 * pool, so renewals never queue behind broken or busy storage connections) it, every
 * `renewEveryMs`: records the replica's heartbeat, renews the leases it holds, takes vacant
 * singleton leases (e.g. `maintenance`), and balances the "balanced" leases (one per Key
 * Vault) across the live replicas: each holds its fair share, handing extras over and taking
 * vacant ones.
 *
 * Self-fencing: a lease counts as lost locally at `sent + ttlMs - margin`, where `sent` is when
 * its last successful renewal was sent (the database's expiry is later than that), so a holder
 * that cannot renew (database down, connection black-holed) stops its work on its own through
 * `onLost` before anyone else can take the lease. A lost connection is replaced on the next
 * tick; no process restart is ever needed.
 */
import { performance } from 'node:perf_hooks'
import type pg from 'pg'
import { pgModule } from './pg-module.js'
import { clientConfig, describePgError, rowsOf, type PgConnectionSettings, type PgLogger, type PgTx } from './connection.js'
import { acquireLease, fairShare, forgetReplica, heartbeat, liveReplicas, readLeases, releaseLease, renewLease, type Fence } from './leases.js'

export interface LeaseKeeperOptions {
  settings: PgConnectionSettings
  /** This replica's id (unique among replicas: host name and pid, or a configured name). */
  replica: string
  /** Address other replicas and `sys/leader` report for it. */
  address?: string
  /** Lease and heartbeat lifetime, ms (default 15 s). */
  ttlMs?: number
  /** Tick period, ms (default ttl / 3). */
  renewEveryMs?: number
  /** Leases any one replica takes when vacant (e.g. `maintenance`). */
  singletons?: readonly string[]
  /** Names of the leases shared out evenly among live replicas; runs on the keeper's connection. */
  balanced?: (q: PgTx) => Promise<readonly string[]>
  /** A lease was taken: start its work. Must not throw. */
  onAcquired?: (fence: Fence) => void
  /** A lease is lost or handed over: stop its work now. Must not throw. */
  onLost?: (fence: Fence, reason: 'expired' | 'taken' | 'handed over' | 'closing') => void
  log: PgLogger
}

interface Held { fence: Fence, deadline: number }

/** Keeps this replica's leases; `start()` then `close()`. */
export class LeaseKeeper {
  private client: pg.Client | undefined
  private readonly held = new Map<string, Held>()
  private tickTimer: NodeJS.Timeout | undefined
  private watchTimer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private started = false
  private ticking = false
  private again = false
  private closed = false
  private readonly ttlMs: number
  private readonly everyMs: number
  private readonly marginMs: number
  /** When a tick last completed against the database (ms since the epoch). */
  private lastOkAt: number | undefined

  constructor (private readonly o: LeaseKeeperOptions) {
    this.ttlMs = o.ttlMs ?? 15_000
    this.everyMs = o.renewEveryMs ?? Math.floor(this.ttlMs / 3)
    this.marginMs = Math.min(1000, Math.floor(this.ttlMs / 20))
    if (this.everyMs * 2 >= this.ttlMs) throw new Error('renewEveryMs must be under half of ttlMs')
  }

  /** The fence of `name` while this replica holds it. */
  fence (name: string): Fence | undefined { return this.held.get(name)?.fence }

  /** Names held now, sorted. */
  heldNames (): string[] { return [...this.held.keys()].sort() }

  /**
   * True while the database answered a tick within the lease TTL (ms): past it this replica
   * holds no lease any more and, most likely, cannot serve requests either (`sys/health`).
   */
  reachable (now = Date.now()): boolean {
    return this.lastOkAt !== undefined && now - this.lastOkAt <= this.ttlMs
  }

  /** Runs the first tick, then ticks every `renewEveryMs`. */
  async start (): Promise<void> {
    this.started = true
    this.watchTimer = setInterval(() => this.expireOverdue(), Math.max(50, Math.floor(this.marginMs / 2)))
    await this.tick()
  }

  /**
   * Runs a tick now, or right after the one running, instead of at the next period: a new
   * balanced lease may be wanted (e.g. a destination's vault key was just recorded), so its work
   * need not wait up to `renewEveryMs` for an owner. No-op before `start()` and after `close()`.
   */
  nudge (): void {
    if (!this.started || this.closed) return
    if (this.ticking) { this.again = true; return }
    clearTimeout(this.tickTimer)
    void this.tick()
  }

  /**
   * Stops. `release` (default) gives every lease up and removes the heartbeat so others take
   * over at once; `release: false` just goes silent, as a killed process would.
   */
  async close ({ release = true } = {}): Promise<void> {
    this.closed = true
    clearTimeout(this.tickTimer)
    clearInterval(this.watchTimer)
    await this.running
    const fences = [...this.held.values()].map((h) => h.fence)
    for (const f of fences) this.drop(f.name, 'closing')
    const c = this.client
    this.client = undefined
    if (c === undefined) return
    if (release) {
      const q = rowsOf(c)
      try {
        for (const f of fences) await releaseLease(q, f)
        await forgetReplica(q, this.o.replica)
      } catch (err) {
        this.o.log.warn({ err: describePgError(err) }, 'lease keeper: could not release leases on close (they expire on their own)')
      }
    }
    await Promise.race([c.end().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 1000))])
  }

  private schedule (): void {
    if (this.closed) return
    this.tickTimer = setTimeout(() => { void this.tick() }, this.everyMs)
  }

  private async tick (): Promise<void> {
    if (this.closed) return
    let done!: () => void
    this.running = new Promise((resolve) => { done = resolve })
    this.ticking = true
    try {
      const q = await this.connection()
      await this.renewAll(q)
      for (const name of this.o.singletons ?? []) if (!this.held.has(name)) await this.tryAcquire(q, name)
      if (this.o.balanced !== undefined) await this.balance(q, await this.o.balanced(q))
      this.lastOkAt = Date.now()
    } catch (err) {
      this.o.log.warn({ err: describePgError(err), replica: this.o.replica }, 'lease keeper: tick failed; reconnecting on the next one')
      this.dropConnection()
    } finally {
      this.ticking = false
      done()
      if (this.again) { this.again = false; void this.tick() } else this.schedule()
    }
  }

  private async connection (): Promise<PgTx> {
    if (this.client === undefined) {
      // Client-side timeout too: a half-open connection must not stall renewals past the deadline.
      const client = new (pgModule().Client)({ ...clientConfig(this.o.settings, 'leases', this.everyMs), connectionTimeoutMillis: this.everyMs })
      client.on('error', (err) => {
        this.o.log.warn({ err: describePgError(err) }, 'lease keeper: connection lost')
        if (this.client === client) this.dropConnection()
      })
      this.client = client
      await client.connect()
    }
    return rowsOf(this.client)
  }

  private dropConnection (): void {
    const c = this.client
    this.client = undefined
    if (c === undefined) return
    c.on('error', () => {})
    c.end().catch(() => {})
  }

  private async renewAll (q: PgTx): Promise<void> {
    await heartbeat(q, this.o.replica, this.o.address, this.ttlMs)
    for (const { fence } of [...this.held.values()]) {
      const at = performance.now()
      if (await renewLease(q, fence, this.ttlMs)) {
        const h = this.held.get(fence.name)
        if (h !== undefined && h.fence.epoch === fence.epoch) h.deadline = at + this.ttlMs - this.marginMs
      } else {
        this.drop(fence.name, 'taken')
      }
    }
  }

  private async tryAcquire (q: PgTx, name: string): Promise<boolean> {
    const at = performance.now()
    const fence = await acquireLease(q, name, this.o.replica, this.ttlMs)
    if (fence === undefined) return false
    this.held.set(name, { fence, deadline: at + this.ttlMs - this.marginMs })
    this.o.log.info({ lease: name, epoch: fence.epoch, replica: this.o.replica }, 'lease acquired')
    this.o.onAcquired?.(fence)
    return true
  }

  /** Holds this replica's fair share of `names`: hands extras over, takes vacant ones. */
  private async balance (q: PgTx, names: readonly string[]): Promise<void> {
    const wanted = new Set(names)
    const mine = [...this.held.keys()].filter((n) => !(this.o.singletons ?? []).includes(n))
    for (const n of mine) if (!wanted.has(n)) await this.handOver(q, n) // no longer needed
    const target = fairShare(await liveReplicas(q), this.o.replica, wanted.size)
    const holding = [...this.held.keys()].filter((n) => wanted.has(n)).sort()
    for (const n of holding.slice(target)) await this.handOver(q, n)
    if (holding.length >= target) return
    const rows = new Map((await readLeases(q, [...wanted])).map((r) => [r.name, r]))
    let count = Math.min(holding.length, target)
    for (const n of [...wanted].sort()) {
      if (count >= target) break
      if (this.held.has(n) || rows.get(n)?.live === true) continue
      if (await this.tryAcquire(q, n)) count++
    }
  }

  private async handOver (q: PgTx, name: string): Promise<void> {
    const h = this.held.get(name)
    if (h === undefined) return
    this.drop(name, 'handed over') // work stops before anyone else can take the lease
    await releaseLease(q, h.fence)
  }

  private drop (name: string, reason: 'expired' | 'taken' | 'handed over' | 'closing'): void {
    const h = this.held.get(name)
    if (h === undefined) return
    this.held.delete(name)
    // Only an unplanned loss says "lost" (what operators alert on); a hand-over or a clean stop
    // releases the lease.
    const lost = reason === 'expired' || reason === 'taken'
    this.o.log[lost ? 'warn' : 'info']({ lease: name, epoch: h.fence.epoch, replica: this.o.replica, reason }, lost ? 'lease lost: its work stops' : 'lease released: its work stops')
    this.o.onLost?.(h.fence, reason)
  }

  private expireOverdue (): void {
    const now = performance.now()
    for (const [name, h] of this.held) if (now >= h.deadline) this.drop(name, 'expired')
  }
}
