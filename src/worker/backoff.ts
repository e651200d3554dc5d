/**
 * Retry timing for failed sync attempts (decisions D-13; Azure's guidance of exponential
 * backoff for 429, spec/azure-keyvault-api.md §4): exponential from `baseMs`, doubling per
 * consecutive failure, capped at `maxMs`, with full jitter; a server-sent Retry-After is a floor.
 */

export interface BackoffSettings {
  /** First retry delay, ms (`VAULT_SYNC_BACKOFF_BASE`, default 1 s). */
  baseMs: number
  /** Largest delay, ms (`VAULT_SYNC_BACKOFF_MAX`, default 5 min). */
  maxMs: number
}

/**
 * Delay before retry number `attempt` (1 = first retry), in ms: a uniform random value in
 * `[0, min(max, base * 2^(attempt-1))]`, but at least `retryAfterMs` when given.
 * `random` is injectable for deterministic tests.
 */
export function backoffDelayMs (attempt: number, settings: BackoffSettings, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)))
  const jittered = Math.floor(random() * ceiling)
  return Math.max(jittered, retryAfterMs ?? 0)
}

/** Transient failures keep an association `PENDING` for this many consecutive failures (D-13). */
export const PENDING_FAILURES = 5
/** ... or for this long since the first failure, ms (D-13). */
export const PENDING_WINDOW_MS = 60_000
