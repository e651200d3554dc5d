/**
 * Vault's timestamps (decisions D-32.2): Go `time.Time` JSON, i.e. RFC 3339 with up to nine
 * fractional digits (trailing zeros dropped, as Go's RFC3339Nano does), always in UTC (`Z`).
 */

/** Formats epoch milliseconds, e.g. `2024-05-01T10:00:00.12Z`, `2024-05-01T10:00:00Z`. */
export function vaultTime (epochMs: number): string {
  const iso = new Date(epochMs).toISOString() // 2024-05-01T10:00:00.120Z
  const [whole, frac] = iso.slice(0, -1).split('.')
  const digits = (frac ?? '').replace(/0+$/, '')
  return digits === '' ? `${whole}Z` : `${whole}.${digits}Z`
}
