/**
 * A classified sync failure, as drivers report it and the worker settles it (decisions D-13,
 * spec/vault-sync-api.md §6.3). `kind` is the Vault `sync_status` the association shows once
 * the error is no longer transient; `transient` failures are retried with backoff and keep the
 * association `PENDING` for a while; others wait for a change or the slow client-error retry.
 * `message` is shown to users: it never contains a secret value or credential.
 */
export const SYNC_ERROR_KINDS = ['CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR'] as const
export type SyncErrorKind = typeof SYNC_ERROR_KINDS[number]

export class SyncError extends Error {
  readonly kind: SyncErrorKind
  /** Retry soon with backoff (429, 5xx, timeouts, resets, objects being deleted/recovered). */
  readonly transient: boolean
  /** Deterministic local failure: do not retry until the secret, association or destination changes. */
  readonly permanent: boolean
  /** A server-sent retry delay floor (Retry-After / x-ms-retry-after-ms), in ms. */
  readonly retryAfterMs: number | undefined
  /** The HTTP status of the remote refusal, when the remote side answered one (401, 403...). */
  readonly status: number | undefined

  constructor (kind: SyncErrorKind, message: string, opts: { transient?: boolean, permanent?: boolean, retryAfterMs?: number, status?: number } = {}) {
    super(message)
    this.name = 'SyncError'
    this.kind = kind
    this.transient = opts.transient ?? false
    this.permanent = opts.permanent ?? false
    this.retryAfterMs = opts.retryAfterMs
    this.status = opts.status
  }
}

/** A deterministic configuration/data problem (bad name, too large, collision, certificate). */
export const localClientError = (message: string): SyncError =>
  new SyncError('CLIENT_SIDE_ERROR', message, { permanent: true })

/** A refusal by the remote side that a retry will not fix soon (401, 403; `status` when it answered one). */
export const remoteClientError = (message: string, status?: number): SyncError => new SyncError('CLIENT_SIDE_ERROR', message, { status })

/** An outage, throttling, timeout or reset: retry with backoff. */
export const transientError = (message: string, retryAfterMs?: number): SyncError =>
  new SyncError('EXTERNAL_SERVICE_ERROR', message, { transient: true, retryAfterMs })

/** A failure of our own. */
export const internalSyncError = (message: string): SyncError => new SyncError('INTERNAL_VAULT_ERROR', message, { transient: true })
