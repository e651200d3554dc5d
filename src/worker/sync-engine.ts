/**
 * Assembles the background half (outbox -> worker -> driver -> destination) from the composed
 * services and the configuration: the worker over the destination-type registry, woken by
 * every queued row (`enqueue` emits) and by `sys/sync/config` changes, told of every destination
 * written (it warms that destination's connection). `server.ts` calls this once.
 */
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Config } from '../config.js'
import type { Metrics } from '../metrics/metrics.js'
import type { Services } from '../services.js'
import { OWNS_EVERYTHING, type WorkOwnership } from './ownership.js'
import { createSyncWorker, type SyncWorker } from './worker.js'

/** The composed services the worker is built from. */
export type EngineServices = Pick<Services, 'store' | 'syncWork' | 'driverRegistry' | 'destinationService' | 'kv' | 'mounts' | 'syncConfig' | 'now' | 'targetDigestKey' | 'driftKey'>

/** How the worker shares work with other replicas (issue 18); absent: one process owns everything (SQLite). */
export interface EngineReplication {
  /** Which vaults this replica works on and the maintenance work (`lease-ownership.ts`). */
  ownership: WorkOwnership
  /** Poll for due rows this often, ms (a lost notification costs at most this). */
  pollMs: number
}

/**
 * Builds the worker for `config` and subscribes it to new work; call `start()` on it. With
 * `metrics`, every settled attempt is counted (the drivers count their own requests). With
 * `replication` (PostgreSQL), it works on the vaults its leases cover and polls; the caller
 * wakes it on notifications (`worker.wake()`).
 */
export function createSyncEngine (services: EngineServices, config: Readonly<Config>, log: Logger, metrics?: Metrics, replication?: EngineReplication): SyncWorker {
  const worker = createSyncWorker({
    services: {
      store: services.store,
      outbox: { enqueue: services.syncWork.enqueue },
      ownership: replication?.ownership ?? OWNS_EVERYTHING,
      registry: services.driverRegistry,
      destinationService: services.destinationService,
      kv: services.kv,
      mounts: services.mounts,
      syncConfig: { get: services.syncConfig.read },
      now: services.now,
      targetDigestKey: services.targetDigestKey,
      driftKey: services.driftKey
    },
    log,
    observer: metrics?.sync,
    settings: {
      maxInFlight: 64,
      // Longer than any attempt can take: two long-running operations plus a minute.
      leaseMs: 2 * config.azure.pollTimeoutMs + 60_000,
      reconcileIntervalMs: config.reconcileIntervalMs,
      unsyncedRetentionMs: config.unsyncedRetentionMs,
      stopGraceMs: 5_000,
      minWriteIntervalMs: config.minWriteIntervalMs,
      backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
      clientErrorRetryMs: config.clientErrorRetryMs,
      pollMs: replication?.pollMs
    }
  })
  services.syncWork.outbox.onEnqueued(() => { worker.wake() })
  services.syncConfig.onChange(() => { worker.wake() })
  services.destinationService.onWritten((id) => { worker.warm(id) })
  return worker
}
