/**
 * The sync engine's metrics (round2.md R2-5; PG-7): Vault's secrets-sync counters under Vault's
 * names as its Prometheus sink renders them (`vault.secrets-sync.reconciliation.retry` ->
 * `vault_secrets_sync_reconciliation_retry`, no `_total`), and `vaultsync_*` counters and a
 * histogram in base units. Every label set that can occur is created at 0 up front, so the first
 * event shows in `increase()`. Labels are bounded: destination type, operation kind, status
 * class; never a secret path or name.
 */
import { Counter, Histogram, type Registry } from 'prom-client'

/** What one settled attempt reports (the worker's settle point calls `onSettled` once). */
export interface SettledAttempt {
  destinationType: string
  /** One entry per target the driver was called for: `write`, `unsync` or `cleanup`, and `success` or the error kind. */
  ops: Array<{ operation: string, status: string }>
  /** True when at least one KV version reached the destination in this attempt. */
  wroteVersion: boolean
  /** When the change was queued (the outbox row's creation), epoch ms. */
  queuedAt: number
  /** Settle time, epoch ms. */
  settledAt: number
  /** The attempt retried an earlier failure (the row had failed attempts). */
  retry: boolean
  /** The attempt ended with a failure (it will be retried). */
  failed: boolean
  /** The association's status before the attempt and after it settled. */
  statusBefore: string
  statusAfter: string
}

/** The hooks the worker calls; all synchronous and cheap. */
export interface SyncObserver {
  onSettled: (attempt: SettledAttempt) => void
  /** Reconciliation found a secret out of step and queued a correction (sync or unsync). */
  onCorrection: (destinationType: string) => void
}

export const SYNC_OPERATIONS = ['write', 'unsync', 'cleanup'] as const
export const OP_STATUSES = ['success', 'CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR'] as const
const ERROR_STATUSES: readonly string[] = OP_STATUSES.slice(1)

/** Upper bounds of the KV-write-to-destination latency histogram, seconds. */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]

/** Registers the sync counters on `registry` for `destinationTypes`; returns the observer. */
export function createSyncMetrics (registry: Registry, destinationTypes: readonly string[]): SyncObserver {
  const reg = { registers: [registry] }
  const vaultCounter = (name: string, help: string): Counter<'destination_type'> =>
    new Counter({ name: `vault_secrets_sync_reconciliation_${name}`, help, labelNames: ['destination_type'], ...reg })
  const correction = vaultCounter('correction', 'Secrets that required correction (sync or unsync) during reconciliation')
  const retry = vaultCounter('retry', 'Retry attempts made for previously failed secrets')
  const retrySuccess = vaultCounter('retry_success', 'Secrets synced or unsynced by a retry attempt')
  const retryFailure = vaultCounter('retry_failure', 'Retry attempts that failed again')
  const operations = new Counter({
    name: 'vaultsync_sync_operations_total',
    help: 'Driver operations per target by kind and outcome',
    labelNames: ['operation', 'status', 'destination_type'],
    ...reg
  })
  const latency = new Histogram({
    name: 'vaultsync_sync_latency_seconds',
    help: 'Time from a KV change being queued to its version being written to the destination, once per synced version',
    labelNames: ['destination_type'],
    buckets: LATENCY_BUCKETS,
    ...reg
  })
  const transitions = new Counter({
    name: 'vaultsync_sync_error_transitions_total',
    help: 'Association status changes into an error status (direction "into", status = the error) or out of one ("out_of", status = the error left)',
    labelNames: ['destination_type', 'direction', 'status'],
    ...reg
  })
  for (const type of destinationTypes) {
    for (const direction of ['into', 'out_of']) for (const status of ERROR_STATUSES) transitions.labels(type, direction, status).inc(0)
    for (const c of [correction, retry, retrySuccess, retryFailure]) c.labels(type).inc(0)
    for (const operation of SYNC_OPERATIONS) for (const status of OP_STATUSES) operations.labels(operation, status, type).inc(0)
    latency.zero({ destination_type: type })
  }
  return {
    onSettled (a) {
      for (const op of a.ops) operations.labels(op.operation, op.status, a.destinationType).inc()
      if (a.wroteVersion) latency.labels(a.destinationType).observe(Math.max(0, (a.settledAt - a.queuedAt) / 1000))
      const [was, is] = [ERROR_STATUSES.includes(a.statusBefore), ERROR_STATUSES.includes(a.statusAfter)]
      if (is && a.statusBefore !== a.statusAfter) transitions.labels(a.destinationType, 'into', a.statusAfter).inc()
      if (was && a.statusBefore !== a.statusAfter) transitions.labels(a.destinationType, 'out_of', a.statusBefore).inc()
      if (a.retry) {
        retry.labels(a.destinationType).inc()
        ;(a.failed ? retryFailure : retrySuccess).labels(a.destinationType).inc()
      }
    },
    onCorrection (type) { correction.labels(type).inc() }
  }
}
