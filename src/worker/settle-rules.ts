/**
 * Pure settle rules of the worker (decisions D-13): which `sync_status` a failed operation
 * leaves on its target, and when the outbox row is tried again.
 * - Transient (429, 5xx, timeouts, resets, objects being deleted/recovered): `PENDING` with the
 *   message for the first `PENDING_FAILURES` consecutive failures within `PENDING_WINDOW_MS`,
 *   then `EXTERNAL_SERVICE_ERROR`; retried with backoff (Retry-After as a floor).
 * - Remote client errors (401/403/400 from Azure or Entra): `CLIENT_SIDE_ERROR`, retried every
 *   `clientErrorRetryMs` (or at once on any change).
 * - Deterministic local errors (invalid name, collision, too large, certificate): `CLIENT_SIDE_ERROR`,
 *   not retried until the secret, association or destination changes.
 * - Our own failures: `INTERNAL_VAULT_ERROR`, retried with backoff.
 */
import type { SyncError } from '../drivers/sync-error.js'
import { PENDING_FAILURES, PENDING_WINDOW_MS, backoffDelayMs, type BackoffSettings } from './backoff.js'

export interface FailureContext {
  /** Consecutive failed attempts before this one. */
  attempts: number
  /** When the current run of failures began (ms), or null if this is the first. */
  firstFailureAt: number | null
  now: number
}

/** The status a target shows after `error`. */
export function failureStatus (error: SyncError, ctx: FailureContext): string {
  if (error.kind === 'CLIENT_SIDE_ERROR') return 'CLIENT_SIDE_ERROR'
  if (error.kind === 'INTERNAL_VAULT_ERROR') return 'INTERNAL_VAULT_ERROR'
  const failures = ctx.attempts + 1
  const since = ctx.firstFailureAt ?? ctx.now
  return failures < PENDING_FAILURES && ctx.now - since < PENDING_WINDOW_MS ? 'PENDING' : 'EXTERNAL_SERVICE_ERROR'
}

/**
 * When the row should run again after these failures (ms from now), or `undefined` when none
 * of them is worth retrying before a change (only permanent local errors).
 */
export function retryDelayMs (errors: SyncError[], attempts: number, backoff: BackoffSettings, clientErrorRetryMs: number, random?: () => number): number | undefined {
  let delay: number | undefined
  const consider = (d: number): void => { delay = delay === undefined ? d : Math.min(delay, d) }
  for (const e of errors) {
    if (e.permanent) continue
    if (e.kind === 'CLIENT_SIDE_ERROR') consider(clientErrorRetryMs)
    else consider(backoffDelayMs(attempts + 1, backoff, e.retryAfterMs, random))
  }
  return delay
}
