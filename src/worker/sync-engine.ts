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
import { createSyncWorker, type SyncWorker } from './worker.js'

type EngineServices = Pick<Services, 'syncWork' | 'driverRegistry' | 'destinationService' | 'kv' | 'legacy' | 'syncConfig' | 'now' | 'targetDigestKey' | 'driftKey'>

/**
 * Builds the worker for `config` and subscribes it to new work; call `start()` on it. With
 * `metrics`, every settled attempt is counted (the drivers count their own requests).
 */
export function createSyncEngine (services: EngineServices, config: Readonly<Config>, log: Logger, metrics?: Metrics): SyncWorker {
  const worker = createSyncWorker({
    services: {
      work: services.syncWork,
      registry: services.driverRegistry,
      destinationService: services.destinationService,
      kv: services.legacy.kv,
      mounts: services.legacy.mounts,
      syncConfig: services.syncConfig,
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
      clientErrorRetryMs: config.clientErrorRetryMs
    }
  })
  services.syncWork.outbox.onEnqueued(() => { worker.wake() })
  services.syncConfig.onChange(() => { worker.wake() })
  services.destinationService.onWritten((id) => { worker.warm(id) })
  return worker
}
