/**
 * One replica's PostgreSQL runtime (issue 18): everything `vault-sync server` opens on
 * PostgreSQL besides the services, started and stopped together.
 * - the schema migrated first (`migrate.ts`: one transaction per migration under the advisory
 *   lock, so replicas starting together migrate once; a newer schema is refused);
 * - the `Store` on the shared pool (`db/store/pg/pg-store.ts`);
 * - the listener on its own connection (`listener.ts`) for `CHANGE_CHANNEL` (the read caches'
 *   `ChangeCheck`, `change-feed.ts`) and any channel a caller subscribes to (e.g. outbox
 *   wake-ups), its pings sent through the pool;
 * - the lease keeper on its own connection (`lease-keeper.ts`): heartbeat, the `maintenance`
 *   lease and whatever per-vault leases the caller's options balance.
 * `close()` stops the keeper (leases released, so others take over at once), the listener, then
 * the pool.
 */
import { hostname } from 'node:os'
import { pgModule } from './pg-module.js'
import { randomBytes } from 'node:crypto'
import type { Store } from '../store/repositories.js'
import { createPgStore } from '../store/pg/pg-store.js'
import { createPgChangeFeed, type PgChangeFeed } from './change-feed.js'
import { CHANGE_CHANNEL } from './change-triggers.js'
import { clientConfig, createPool, rowsOf, type PgConnectionSettings, type PgLogger } from './connection.js'
import { LeaseKeeper, type LeaseKeeperOptions } from './lease-keeper.js'
import { leaseHolder, replicaMembers, type ReplicaMember } from './leases.js'
import { PING_CHANNEL, PgListener, type PgListenerOptions } from './listener.js'
import { migratePostgres, type MigrationResult } from './migrate.js'
import { MAINTENANCE_LEASE } from './sync-work.js'

/** A handler of one notification channel. */
export type ChannelHandler = (payload: string) => void

export interface PgReplicaOptions {
  /** Pool and connection settings; `replica` is replaced by this replica's id. */
  settings: Omit<PgConnectionSettings, 'replica'>
  log: PgLogger
  /** This replica's id (default `<host>-<pid>-<random>`: unique per process). */
  replica?: string
  /** Further channels to LISTEN on, with their handlers (called with each payload). */
  channels?: Record<string, ChannelHandler>
  /** After the listener reconnected (notifications may have been lost): rescan. */
  onReconnect?: () => void
  /** The listener's hearing changed (false: poll). */
  onHearing?: (hearing: boolean) => void
  /** Lease keeper options beyond the connection (ttl, balanced leases, callbacks). */
  leases?: Omit<LeaseKeeperOptions, 'settings' | 'replica' | 'log' | 'address'>
  /** Listener ping period and timeout, ms (tests shorten them). */
  ping?: Pick<PgListenerOptions, 'pingIntervalMs' | 'pingTimeoutMs'>
}

/** Who holds `maintenance`, as `sys/leader` reports it. */
export interface LeaderInfo {
  /** True when this replica holds the lease. */
  isSelf: boolean
  /** The holder's address (its heartbeat's), '' when none holds it. */
  address: string
  /** When the holder took the lease, if one does. */
  since: Date | undefined
}

/** A started replica runtime. */
export interface PgReplica {
  readonly replica: string
  /** The connection settings of this replica (its id included): for connections of its own, e.g. the worker's. */
  readonly settings: PgConnectionSettings
  /** Sends `NOTIFY vault_sync_ping, payload` through the pool (a listener's deafness check). */
  ping: (payload: string) => Promise<void>
  readonly store: Store
  readonly changes: PgChangeFeed
  readonly listener: PgListener
  /**
   * The replica's one lease keeper: its own once `startLeases` ran, else the one `adoptKeeper`
   * was given (the worker's, `worker/replica-engine.ts`), else `undefined`.
   */
  readonly keeper: LeaseKeeper | undefined
  /** What the migration at start did. */
  readonly migration: MigrationResult
  /** Starts the lease keeper, advertising `address` (known once the API listens). */
  startLeases: (address: string) => Promise<LeaseKeeper>
  /**
   * Uses `keeper`, started and closed by its owner (the worker's engine: a replica running the
   * worker has that keeper instead of its own), for what the replica reports: storage reachability
   * (`sys/health` 474) and the maintenance lease. `close` leaves it to its owner.
   */
  adoptKeeper: (keeper: LeaseKeeper) => void
  /** The holder of the maintenance lease. */
  leader: () => Promise<LeaderInfo>
  /** The live replicas, each with whether it holds the maintenance lease (`sys/ha-status`). */
  members: () => Promise<ReplicaMember[]>
  /**
   * Runs `work` while holding the replicas' start-up lock (a session advisory lock on a
   * dedicated connection; `work` itself uses the store, in as many units as it likes), so
   * replicas starting together on a new database initialise it once: one seal check, one
   * cluster identity, one root token.
   */
  exclusive: <T>(work: () => Promise<T>) => Promise<T>
  /** Stops the keeper (releasing its leases), the listener, then closes the store. */
  close: () => Promise<void>
}

/** Advisory lock key of start-up initialisation (ASCII "vsinit00"). */
export const STARTUP_LOCK_KEY = '8535281641733763120'

/**
 * The listener's self-ping on a replica, ms: a listener that stopped hearing is noticed within
 * `intervalMs + timeoutMs` (then the caches keep nothing until it hears again).
 */
export const REPLICA_PING = Object.freeze({ intervalMs: 5000, timeoutMs: 3000 })

/** A process-unique replica id. */
export function defaultReplicaId (): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`
}

/**
 * Migrates, opens the store and starts the listener (the lease keeper starts with
 * `startLeases`).
 * @throws SchemaTooNewError, or the connection or migration error (nothing is left open).
 */
export async function openPgReplica (o: PgReplicaOptions): Promise<PgReplica> {
  const replica = o.replica ?? defaultReplicaId()
  const settings: PgConnectionSettings = { ...o.settings, replica }
  const migration = await migratePostgres(settings)
  const pool = createPool(settings, o.log)
  const store = createPgStore(pool)
  const channels = o.channels ?? {}
  // Asked only once the listener below exists.
  const ping = async (payload: string): Promise<void> => { await pool.query('SELECT pg_notify($1, $2)', [PING_CHANNEL, payload]) }
  const changes = createPgChangeFeed(() => listener.connected && listener.hearing === true)
  const listener = new PgListener({
    settings,
    channels: [CHANGE_CHANNEL, ...Object.keys(channels)],
    onNotification: (channel, payload) => {
      if (channel === CHANGE_CHANNEL) changes.heard(channel, payload)
      else channels[channel]?.(payload)
    },
    onReconnect: () => { changes.reconnected(); o.onReconnect?.() },
    onHearing: o.onHearing,
    sendPing: ping,
    log: o.log,
    // A silent listener (half-open connection) must not keep caches stale for long: ping often.
    pingIntervalMs: REPLICA_PING.intervalMs,
    pingTimeoutMs: REPLICA_PING.timeoutMs,
    ...o.ping
  })
  await listener.start()
  let keeper: LeaseKeeper | undefined
  let adopted: LeaseKeeper | undefined
  return {
    replica,
    settings,
    ping,
    store,
    changes,
    listener,
    get keeper () { return keeper ?? adopted },
    migration,
    startLeases: async (address) => {
      const singletons = [MAINTENANCE_LEASE, ...(o.leases?.singletons ?? []).filter((n) => n !== MAINTENANCE_LEASE)]
      keeper = new LeaseKeeper({ ...o.leases, singletons, settings, replica, address, log: o.log })
      await keeper.start()
      return keeper
    },
    adoptKeeper: (k) => { adopted = k },
    leader: async () => {
      const h = await leaseHolder(rowsOf(pool), MAINTENANCE_LEASE)
      return { isSelf: h?.holder === replica, address: h?.address ?? '', since: h?.acquiredAt }
    },
    members: async () => await replicaMembers(rowsOf(pool), MAINTENANCE_LEASE),
    exclusive: async (work) => {
      const client = new (pgModule().Client)({ ...clientConfig(settings, 'start-up'), lock_timeout: 0, statement_timeout: 0 })
      client.on('error', () => {}) // a lost connection fails the pending query, which is reported
      await client.connect()
      try {
        await client.query('SELECT pg_advisory_lock($1)', [STARTUP_LOCK_KEY])
        return await work()
      } finally {
        await client.end().catch(() => {}) // the session's end releases the lock
      }
    },
    close: async () => {
      await keeper?.close()
      await listener.close()
      await store.close()
    }
  }
}
