/**
 * Assembles the background half (outbox -> worker -> driver -> Azure) from the configuration:
 * the azure-kv driver with its cached SDK clients and per-vault limiter, and the worker, woken
 * by every outbox record and by `sys/sync/config` changes. `server.ts` calls this once.
 */
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Config } from '../config.js'
import { createAzureKvClients } from '../drivers/azure-kv/azure-kv-client.js'
import { createAzureKvDriver } from '../drivers/azure-kv/azure-kv-driver.js'
import { DEFAULT_VAULT_LIMITS, createVaultLimiter } from '../drivers/azure-kv/azure-kv-limits.js'
import type { Metrics } from '../metrics/metrics.js'
import type { Services } from '../services.js'
import { createSyncWorker, type SyncWorker } from './worker.js'

/**
 * Builds the worker for `config` and subscribes it to new work; call `start()` on it. With
 * `metrics`, every Azure SDK request (each retry) and every settled attempt is counted.
 */
export function createSyncEngine (services: Services, config: Readonly<Config>, log: Logger, metrics?: Metrics): SyncWorker {
  const az = config.azure
  const driver = createAzureKvDriver({
    clients: createAzureKvClients({
      authorityHost: az.authorityHost,
      caFile: az.caFile,
      disableInstanceDiscovery: az.disableInstanceDiscovery,
      disableChallengeResourceVerification: az.disableChallengeResourceVerification,
      allowLoopback: az.allowLoopbackDestinations,
      sdkMaxRetries: az.sdkMaxRetries,
      onRequest: metrics?.azureRequest,
      maxSockets: 2 * az.maxConcurrency // one pool per vault client, sized to the limiter's two lanes
    }),
    limiter: createVaultLimiter({ ...DEFAULT_VAULT_LIMITS, concurrency: az.maxConcurrency }),
    pollIntervalMs: az.pollIntervalMs,
    pollTimeoutMs: az.pollTimeoutMs
  })
  const worker = createSyncWorker({
    services,
    driver,
    log,
    observer: metrics?.sync,
    settings: {
      maxInFlight: 64,
      leaseMs: 2 * az.pollTimeoutMs + 60_000,
      reconcileIntervalMs: config.reconcileIntervalMs,
      unsyncedRetentionMs: config.unsyncedRetentionMs,
      stopGraceMs: 5_000,
      minWriteIntervalMs: config.minWriteIntervalMs,
      backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
      clientErrorRetryMs: config.clientErrorRetryMs
    }
  })
  services.syncRepos.outbox.onDirty(() => { worker.wake() })
  services.syncConfig.onChange(() => { worker.wake() })
  return worker
}
