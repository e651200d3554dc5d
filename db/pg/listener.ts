/**
 * LISTEN/NOTIFY wake-ups on a dedicated connection (cases PG-2, PG-3, PG-4).
 *
 * - The listener owns its own `pg.Client`, never a pool checkout: a LISTEN through a pooled
 *   connection subscribes a connection someone else then uses (PG-3).
 * - A lost connection (error, end, killed backend) is reconnected with exponential backoff
 *   (with jitter, capped), every channel is LISTENed again, then `onReconnect` runs so the
 *   caller rescans whatever it may have missed meanwhile (PG-2). A server refusing LISTEN (a
 *   standby) counts as a failed attempt: it backs off, never spins.
 * - Deafness: every `pingIntervalMs` the listener has a ping sent on `PING_CHANNEL` through
 *   another path (the caller's `sendPing`, normally the pool). A ping that does not come back
 *   within `pingTimeoutMs` (a half-open connection, a transaction-mode pooler, a different
 *   database) is logged, `onHearing(false)` tells the caller to fall back to polling, and the
 *   connection is replaced. The next ping heard calls `onHearing(true)`.
 * Notifications are sent inside the transaction that makes the change (`notify`), so they are
 * delivered on COMMIT only.
 */
import type { Socket } from 'node:net'
import type pg from 'pg'
import { pgModule } from './pg-module.js'
import { clientConfig, describePgError, type PgConnectionSettings, type PgLogger, type PgTx } from './connection.js'

/** Channel of the listener's self-pings. */
export const PING_CHANNEL = 'vault_sync_ping'

export interface PgListenerOptions {
  settings: PgConnectionSettings
  /** Channels to LISTEN on (identifiers: letters, digits, `_`). */
  channels: readonly string[]
  /** A notification on one of `channels`. Must not throw. */
  onNotification: (channel: string, payload: string) => void
  /** After a lost connection was replaced and LISTENs again: rescan due work. */
  onReconnect?: () => void
  /** Hearing state changes: false means "wake-ups may be lost: poll". */
  onHearing?: (hearing: boolean) => void
  /** Sends `NOTIFY PING_CHANNEL, payload` over a path other than the listener (the pool). */
  sendPing: (payload: string) => Promise<void>
  log: PgLogger
  /** Ping period, ms (default 30 s); the first ping goes right after each LISTEN. */
  pingIntervalMs?: number
  /** How long a ping may take to come back, ms (default 5 s). */
  pingTimeoutMs?: number
  /** Reconnect backoff: first delay and cap, ms (defaults 250 ms, 30 s). */
  backoffBaseMs?: number
  backoffMaxMs?: number
}

const CHANNEL_RE = /^[a-z_][a-z0-9_]{0,62}$/

/** Queues `NOTIFY channel, payload` in `tx`: delivered when `tx` commits (payload < 8000 bytes). */
export async function notify (tx: PgTx, channel: string, payload: string): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [channel, payload])
}

/** A running listener; `close()` stops it for good. */
export class PgListener {
  private client: pg.Client | undefined
  private attempt = 0
  private connectedOnce = false
  private closed = false
  private retryTimer: NodeJS.Timeout | undefined
  private pingTimer: NodeJS.Timeout | undefined
  private pingDeadline: NodeJS.Timeout | undefined
  private pingSeq = 0
  private readonly pingId = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`
  private heard: boolean | undefined
  private readonly o: Required<Omit<PgListenerOptions, 'onReconnect' | 'onHearing'>> & Pick<PgListenerOptions, 'onReconnect' | 'onHearing'>

  constructor (options: PgListenerOptions) {
    for (const c of options.channels) if (!CHANNEL_RE.test(c)) throw new Error(`invalid channel name "${c}"`)
    this.o = { pingIntervalMs: 30_000, pingTimeoutMs: 5000, backoffBaseMs: 250, backoffMaxMs: 30_000, ...options }
  }

  /** True while the LISTEN connection is up (a lost one is being replaced when false). */
  get connected (): boolean { return this.client !== undefined }

  /** True once a ping came back, false after one was lost, undefined before the first. */
  get hearing (): boolean | undefined { return this.heard }

  /** Connects and LISTENs; on failure keeps retrying in the background (resolves either way). */
  async start (): Promise<void> { await this.connect() }

  /** `pg_listening_channels()` of the listener's own session (empty while disconnected). */
  async listeningChannels (): Promise<string[]> {
    const c = this.client
    if (c === undefined) return []
    return (await c.query('SELECT pg_listening_channels() AS c')).rows.map((r) => r.c as string).sort()
  }

  /** Stops reconnecting and pinging and closes the connection. */
  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.retryTimer)
    clearInterval(this.pingTimer)
    clearTimeout(this.pingDeadline)
    const c = this.client
    this.client = undefined
    if (c !== undefined) await Promise.race([c.end().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 1000))])
  }

  private async connect (): Promise<void> {
    if (this.closed) return
    const client = new (pgModule().Client)(clientConfig(this.o.settings, 'listener', this.o.pingTimeoutMs))
    client.on('error', (err) => this.lost(client, err))
    client.on('end', () => this.lost(client, new Error('connection ended')))
    client.on('notification', (n) => this.received(n.channel, n.payload ?? ''))
    try {
      await client.connect()
      for (const channel of [PING_CHANNEL, ...this.o.channels]) await client.query(`LISTEN ${channel}`)
    } catch (err) {
      client.removeAllListeners('end')
      client.on('error', () => {})
      await client.end().catch(() => {})
      this.o.log.warn({ err: describePgError(err), attempt: this.attempt + 1 }, 'PostgreSQL listener: cannot connect or LISTEN; retrying')
      this.retryLater()
      return
    }
    if (this.closed) { await client.end().catch(() => {}); return }
    this.client = client
    this.attempt = 0
    if (this.connectedOnce) {
      this.o.log.info({ channels: this.o.channels }, 'PostgreSQL listener: listening again after a lost connection; rescanning')
      this.o.onReconnect?.()
    }
    this.connectedOnce = true
    clearInterval(this.pingTimer)
    this.pingTimer = setInterval(() => this.ping(), this.o.pingIntervalMs)
    this.pingTimer.unref()
    this.ping()
  }

  private lost (client: pg.Client, err: Error): void {
    if (client !== this.client || this.closed) return
    this.client = undefined
    clearInterval(this.pingTimer)
    clearTimeout(this.pingDeadline)
    this.pingDeadline = undefined
    this.o.log.warn({ err: describePgError(err) }, 'PostgreSQL listener: connection lost; reconnecting')
    destroy(client)
    this.retryLater()
  }

  private retryLater (): void {
    if (this.closed) return
    const cap = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** this.attempt)
    this.attempt++
    const delay = cap / 2 + Math.random() * cap / 2
    this.retryTimer = setTimeout(() => { void this.connect() }, delay)
  }

  private ping (): void {
    if (this.client === undefined || this.pingDeadline !== undefined) return // one ping in flight at most
    const payload = `${this.pingId}:${++this.pingSeq}`
    const client = this.client
    this.pingDeadline = setTimeout(() => this.deaf(client), this.o.pingTimeoutMs)
    this.o.sendPing(payload).catch((err) => this.o.log.warn({ err: describePgError(err) }, 'PostgreSQL listener: cannot send a ping'))
  }

  private deaf (client: pg.Client): void {
    this.pingDeadline = undefined
    if (this.heard !== false) {
      this.heard = false
      this.o.log.warn({ timeoutMs: this.o.pingTimeoutMs },
        'PostgreSQL listener: a ping sent through the pool did not arrive (half-open connection, a transaction-mode pooler, or another database?): falling back to polling')
      this.o.onHearing?.(false)
    }
    this.lost(client, new Error('ping not received'))
  }

  private received (channel: string, payload: string): void {
    if (channel !== PING_CHANNEL) { this.o.onNotification(channel, payload); return }
    if (payload !== `${this.pingId}:${this.pingSeq}`) return // another replica's ping, or a late one
    clearTimeout(this.pingDeadline)
    this.pingDeadline = undefined
    if (this.heard !== true) {
      if (this.heard === false) this.o.log.info({}, 'PostgreSQL listener: hearing notifications again')
      this.heard = true
      this.o.onHearing?.(true)
    }
  }
}

/** Drops a client's socket at once (a half-open connection would never finish `end()`). */
function destroy (client: pg.Client): void {
  client.removeAllListeners('end')
  client.on('error', () => {})
  const stream = (client as unknown as { connection?: { stream?: Socket } }).connection?.stream
  stream?.destroy()
}
