/**
 * Assembles the drift runner (drift-runner.ts, issue 21) from the composed services, as
 * `worker/sync-engine.ts` assembles the worker: `server.ts` calls this once in the process that
 * runs the sync worker, and findings are counted in `vaultsync_drift_detected_total{kind}`.
 */
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Metrics } from '../metrics/metrics.js'
import type { Services } from '../services.js'
import { createDriftRunner, type DriftRunner } from './drift-runner.js'

type EngineServices = Pick<Services, 'syncWork' | 'driverRegistry' | 'destinationService' | 'now' | 'driftKey' | 'driftWork'>

/**
 * Builds the runner; call `start()` on it. With `active` (several replicas: the worker's
 * `ownership.maintains`), the timer sweeps only while it is true.
 */
export function createDriftEngine (services: EngineServices, log: Logger, metrics?: Pick<Metrics, 'driftDetected'>, active?: () => boolean): DriftRunner {
  const w = services.syncWork
  return createDriftRunner({
    store: w.store,
    outbox: { enqueue: w.enqueue },
    destinationService: services.destinationService,
    registry: services.driverRegistry,
    now: services.now,
    key: services.driftKey,
    config: services.driftWork.config,
    log,
    onDetected: metrics === undefined ? undefined : (kind) => { metrics.driftDetected(kind) },
    active
  })
}
