/**
 * Listener limits, after Vault's `listener "tcp"` stanza (configuration/listener/tcp):
 * - timeouts: `http_read_header_timeout` (10s: the request head), `http_read_timeout` (30s:
 *   the whole request, body included; over it the client gets 408), `http_idle_timeout` (5m:
 *   a keep-alive connection with no request). Node's checker runs every `checkIntervalMs`.
 * - JSON limits (Vault 1.16.25+ / 1.21): `max_json_depth` 500, `max_json_string_value_length`
 *   1 MiB (raw bytes, escapes counted), `max_json_object_entry_count` 10,000,
 *   `max_json_array_element_count` 10,000, `max_json_token` 500,000; checked by
 *   `json-limits.ts` before a body is parsed.
 * Set with `VAULT_SYNC_HTTP_*_TIMEOUT` and `VAULT_SYNC_MAX_JSON_*` (`config.ts`).
 */

/** Request timeouts, ms. */
export interface HttpTimeouts {
  headersMs: number
  requestMs: number
  idleMs: number
}

/** The JSON limits; 0 disables a limit. */
export interface JsonLimits {
  maxDepth: number
  maxStringValueLength: number
  maxObjectEntryCount: number
  maxArrayElementCount: number
  maxTokens: number
}

export const DEFAULT_TIMEOUTS: Readonly<HttpTimeouts> = Object.freeze({ headersMs: 10_000, requestMs: 30_000, idleMs: 300_000 })

export const DEFAULT_JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({
  maxDepth: 500,
  maxStringValueLength: 1024 * 1024,
  maxObjectEntryCount: 10_000,
  maxArrayElementCount: 10_000,
  maxTokens: 500_000
})

/** Node `http.createServer` options for `t` (the timeout checker runs at least every second). */
export function serverTimeoutOptions (t: HttpTimeouts): { headersTimeout: number, requestTimeout: number, keepAliveTimeout: number, connectionsCheckingInterval: number } {
  const headersTimeout = t.requestMs > 0 ? Math.min(t.headersMs, t.requestMs) : t.headersMs
  return {
    headersTimeout,
    requestTimeout: t.requestMs,
    keepAliveTimeout: t.idleMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4) || 1000))
  }
}
