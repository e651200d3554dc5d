/**
 * Vault's timestamps (decisions D-32.2; spec/vault-core-kv-api.md §3.2): Go `time.Time` JSON,
 * i.e. RFC 3339 with fractional seconds and trailing zeros dropped (Go's `RFC3339Nano`), always
 * in UTC (`Z`). The one formatter: epoch milliseconds (`vaultTime`) and microseconds (KV's
 * resolution, `formatMicros`) both go through it.
 */

/**
 * Formats microseconds since the epoch, e.g. `2018-03-22T02:24:06.945319Z`,
 * `2024-05-01T10:00:00.12Z`, `2024-05-01T10:00:00Z` (at most six fraction digits).
 */
export function formatMicros (micros: number): string {
  const ms = Math.floor(micros / 1000)
  const iso = new Date(ms).toISOString() // YYYY-MM-DDTHH:MM:SS.mmmZ
  const fraction = String(((ms % 1000) + 1000) % 1000 * 1000 + (micros - ms * 1000)).padStart(6, '0').replace(/0+$/, '')
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`
}

/** Formats epoch milliseconds, e.g. `2024-05-01T10:00:00.12Z`, `2024-05-01T10:00:00Z`. */
export function vaultTime (epochMs: number): string {
  return formatMicros(Math.floor(epochMs) * 1000)
}
