/**
 * The metrics of one process (round2.md R2-5; cases PG-7, PG-8), on a prom-client Registry of
 * its own:
 * - Vault's secrets-sync gauges `vault_secrets_sync_destinations_count` and
 *   `..._associations_count` (label `destination_type`; with `disable_hostname = false` Vault's
 *   sink puts the host name into gauge names, `vault_<host>_secrets_sync_...`, and so do we),
 *   and the reconciliation counters (`sync-metrics.ts`);
 * - `vaultsync_*` in base units: queue depth, oldest queued age and leased rows per
 *   destination, associations per status, Azure requests per operation and status (every SDK
 *   retry), worker state, HTTP request duration by route template, drift findings by kind;
 * - Node's process and event-loop metrics (prom-client defaults).
 * Per-process series (counters, HTTP, process) are this replica's own. Cluster-wide gauges read
 * the shared database and are exported only by the process that `ownsClusterGauges()` (the one
 * running the sync worker), so summing over replicas never double counts.
 */
import { hostname } from 'node:os'
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { HttpDurationHistogram } from './http-histogram.js'
import type { MetricsRepository } from '../../db/store/repositories.js'
import { DRIFT_CHANGES, type DriftChange } from '../drift/drift-types.js'
import { AZURE_OPERATIONS, type AzureRequestHook } from './azure-request-policy.js'
import { createSyncMetrics, type SyncObserver } from './sync-metrics.js'

/** The `telemetry` stanza (Vault's keys). */
export interface TelemetrySettings {
  /** `prometheus_retention_time`, ms; 0 = Prometheus output off (Vault: no telemetry stanza). */
  prometheusRetentionMs: number
  /** `disable_hostname`: no host name in gauge names. */
  disableHostname: boolean
  /** `unauthenticated_metrics_access`: `sys/metrics` needs no token. */
  unauthenticatedMetricsAccess: boolean
}

/** Telemetry as Vault has it without a `telemetry` stanza. */
export const NO_TELEMETRY: TelemetrySettings = { prometheusRetentionMs: 0, disableHostname: false, unauthenticatedMetricsAccess: false }

export interface MetricsOptions {
  telemetry: TelemetrySettings
  /** The aggregates (`store.repos.metrics`, either engine), read when scraped (prom-client awaits async `collect`). */
  repo: MetricsRepository
  destinationTypes: readonly string[]
  /** True in the one process that exports the cluster-wide gauges. */
  ownsClusterGauges: () => boolean
  now: () => number
}

/** Association statuses (spec/vault-sync-api.md), each exported per type even at 0. */
export const ASSOCIATION_STATUSES = ['PENDING', 'SYNCING', 'SYNCED', 'UNSYNCING', 'UNSYNCED', 'CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR']

/** HTTP duration buckets, seconds. */
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** A metric name part as Prometheus allows it (Vault's sink turns other characters into `_`). */
const sanitize = (s: string): string => s.replace(/[^a-zA-Z0-9_]/g, '_')

/** Creates the registry and every metric; see the module comment. */
export function createMetrics (options: MetricsOptions) {
  const { telemetry, repo, destinationTypes, ownsClusterGauges, now } = options
  const registry = new Registry()
  const reg = { registers: [registry] }
  collectDefaultMetrics({ register: registry })

  const gaugePrefix = telemetry.disableHostname ? 'vault_' : `vault_${sanitize(hostname())}_`
  const perType = (g: Gauge<'destination_type'>, rows: Array<{ type: string, n: number }>): void => {
    g.reset()
    if (!ownsClusterGauges()) return
    const counts = new Map(rows.map((r) => [r.type, r.n]))
    for (const type of new Set([...destinationTypes, ...counts.keys()])) g.labels(type).set(counts.get(type) ?? 0)
  }
  new Gauge({
    name: `${gaugePrefix}secrets_sync_destinations_count`,
    help: 'Destinations per destination type',
    labelNames: ['destination_type'],
    ...reg,
    async collect () { perType(this, await repo.destinationsByType()) }
  })
  new Gauge({
    name: `${gaugePrefix}secrets_sync_associations_count`,
    help: 'Associations per destination type',
    labelNames: ['destination_type'],
    ...reg,
    async collect () { perType(this, await repo.associationsByType()) }
  })
  new Gauge({
    name: 'vaultsync_sync_associations',
    help: 'Associations per destination type and sync status',
    labelNames: ['destination_type', 'status'],
    ...reg,
    async collect () {
      const rows = ownsClusterGauges() ? await repo.associationsByStatus() : []
      this.reset()
      if (!ownsClusterGauges()) return
      for (const type of destinationTypes) for (const status of ASSOCIATION_STATUSES) this.labels(type, status).set(0)
      for (const r of rows) this.labels(r.type, r.status).set(r.n)
    }
  })
  // The three queue gauges share one query per scrape: prom-client starts every `collect` of a
  // scrape in registration order before awaiting any, so the first one's read is there to share.
  let queue: ReturnType<MetricsRepository['queueByDestination']> = Promise.resolve([])
  const queueGauge = (name: string, help: string, value: (r: Awaited<typeof queue>[number], at: number) => number, first = false): void => {
    new Gauge({
      name,
      help,
      labelNames: ['destination_type', 'destination'],
      ...reg,
      async collect () {
        const at = now()
        if (first && ownsClusterGauges()) queue = repo.queueByDestination(at)
        const rows = ownsClusterGauges() ? await queue : []
        this.reset()
        if (!ownsClusterGauges()) return
        for (const r of rows) this.labels(r.type, r.name).set(value(r, at))
      }
    })
  }
  queueGauge('vaultsync_sync_queue_depth', 'Queued sync operations (outbox rows) per destination', (r) => r.depth, true)
  queueGauge('vaultsync_sync_queue_oldest_age_seconds', 'Age of the oldest queued sync operation per destination, seconds (0 when empty)',
    (r, at) => r.oldest_at === null ? 0 : Math.max(0, (at - r.oldest_at) / 1000))
  queueGauge('vaultsync_sync_leased_rows', 'Queued sync operations currently leased by a worker, per destination', (r) => r.leased)

  const workerRunning = new Gauge({ name: 'vaultsync_worker_running', help: '1 when this process runs the sync worker', ...reg })
  workerRunning.set(0)
  new Gauge({
    name: 'vaultsync_cluster_gauges_owner',
    help: '1 when this process exports the cluster-wide gauges',
    ...reg,
    collect () { this.set(ownsClusterGauges() ? 1 : 0) }
  })

  const azureRequests = new Counter({
    name: 'vaultsync_azure_requests_total',
    help: 'HTTP requests the Azure SDK sent (each retry counted), by operation and status code',
    labelNames: ['operation', 'status'],
    ...reg
  })
  for (const op of AZURE_OPERATIONS) for (const status of ['200', '429']) azureRequests.labels(op, status).inc(0)
  const azureRequest: AzureRequestHook = (operation, status) => { azureRequests.labels(operation, status).inc() }

  const httpDuration = new HttpDurationHistogram('vaultsync_http_request_duration_seconds',
    'HTTP request duration by method, route template and status code, seconds', HTTP_BUCKETS).registerOn(registry)

  const driftDetected = new Counter({
    name: 'vaultsync_drift_detected_total',
    help: 'Targets found drifted by a drift sweep (each change kind of a new finding counted once), by kind',
    labelNames: ['kind'],
    ...reg
  })
  for (const kind of DRIFT_CHANGES) driftDetected.labels(kind).inc(0)

  const sync: SyncObserver = createSyncMetrics(registry, destinationTypes)
  return {
    registry,
    telemetry,
    /** Prometheus output is on (`prometheus_retention_time` > 0). */
    prometheusEnabled: telemetry.prometheusRetentionMs > 0,
    sync,
    azureRequest,
    /** Records one HTTP request; `route` is the route template, never the request path. */
    observeHttp (method: string, route: string, status: number, seconds: number): void {
      httpDuration.observe(method, route, status, seconds)
    },
    setWorkerRunning (running: boolean): void { workerRunning.set(running ? 1 : 0) },
    /** Counts one change kind of a newly drifted target (issue 21). */
    driftDetected (kind: DriftChange): void { driftDetected.labels(kind).inc() }
  }
}

export type Metrics = ReturnType<typeof createMetrics>
