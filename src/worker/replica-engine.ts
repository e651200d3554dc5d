/**
 * The sync worker of one replica on PostgreSQL (issue 18), assembled for `server.ts`: the worker
 * (`sync-engine.ts`) with lease ownership (`lease-ownership.ts`: one lease per Key Vault,
 * balanced across live replicas, and the `maintenance` lease), the lease keeper on its own
 * connection (`db/pg/lease-keeper.ts`), and the outbox listener waking the worker on every
 * replica's enqueue (`outbox-wakeups.ts`), with a poll every `pollMs` for lost notifications.
 * `services.store` must be the PostgreSQL store of the same database. The drift runner, when
 * the caller builds one, sweeps only while `ownership.maintains()` (`createDriftEngine`'s
 * `active`).
 */
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { PgConnectionSettings } from '../../db/pg/connection.js'
import { LeaseKeeper } from '../../db/pg/lease-keeper.js'
import type { Config } from '../config.js'
import type { Metrics } from '../metrics/metrics.js'
import { createLeaseOwnership } from './lease-ownership.js'
import { listenForOutbox } from './outbox-wakeups.js'
import type { WorkOwnership } from './ownership.js'
import { createSyncEngine, type EngineServices } from './sync-engine.js'
import type { SyncWorker } from './worker.js'
import type { LevelLogger } from '../logging/repeating-failure-log.js'

export interface ReplicaEngineOptions {
  services: EngineServices
  config: Readonly<Config>
  log: Logger
  /** The log of its lease keeper and change-feed listener (the server's `quietRepeats` of `log`); default `log`. */
  storageLog?: LevelLogger
  metrics?: Metrics
  /** The database (the keeper and the listener open their own connections with these settings). */
  settings: PgConnectionSettings
  /** This replica's id (unique among replicas) and the address `sys/leader` reports. */
  replica: string
  address?: string
  /** Lease lifetime, ms (default 15 s; renewed every third). */
  ttlMs?: number
  /** Poll for due rows this often, ms (default 5 s). */
  pollMs?: number
  /** Sends `NOTIFY vault_sync_ping, payload` through the pool (the listener's deafness check). */
  sendPing: (payload: string) => Promise<void>
}

/** A running replica worker; `close()` stops the worker, then the listener, then gives the leases up. */
export interface ReplicaEngine {
  worker: SyncWorker
  ownership: WorkOwnership
  keeper: LeaseKeeper
  close: () => Promise<void>
}

/** Starts the worker, the outbox listener and the lease keeper of this replica. */
export async function startReplicaEngine (o: ReplicaEngineOptions): Promise<ReplicaEngine> {
  let nudged: LeaseKeeper | undefined // the keeper below: nudged when the worker records a new vault key
  const { ownership, keeperOptions } = createLeaseOwnership(() => { nudged?.nudge() })
  const worker = createSyncEngine(o.services, o.config, o.log, o.metrics, { ownership, pollMs: o.pollMs ?? 5000 })
  const keeper = nudged = new LeaseKeeper({ settings: o.settings, replica: o.replica, address: o.address, ttlMs: o.ttlMs, ...keeperOptions, log: o.storageLog ?? o.log })
  worker.start()
  const listener = await listenForOutbox({ settings: o.settings, worker, sendPing: o.sendPing, log: o.storageLog ?? o.log })
  await keeper.start()
  return {
    worker,
    ownership,
    keeper,
    close: async () => {
      await worker.stop()
      await listener.close()
      await keeper.close()
    }
  }
}
