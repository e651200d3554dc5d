/**
 * Vault's timestamps (decisions D-32.2; spec/vault-core-kv-api.md §3.2): Go `time.Time` JSON,
 * i.e. RFC 3339 with fractional seconds and trailing zeros dropped (Go's `RFC3339Nano`), always
 * in UTC (`Z`). The one formatter: epoch milliseconds (`vaultTime`) and microseconds (KV's
 * resolution, `formatMicros`) both go through it.
 */

/** The `YYYY-MM-DDTHH:MM:SS` of the second last formatted (a KV write formats its times each request). */
let lastSecond = NaN
let lastPrefix = ''

/**
 * Formats microseconds since the epoch, e.g. `2018-03-22T02:24:06.945319Z`,
 * `2024-05-01T10:00:00.12Z`, `2024-05-01T10:00:00Z` (at most six fraction digits). The date
 * part of the last second formatted is kept (`Date#toISOString` was ~1 % of a KV write's CPU).
 * @throws RangeError for a time outside `Date`'s range, as `toISOString` does.
 */
export function formatMicros (micros: number): string {
  const second = Math.floor(micros / 1_000_000)
  if (second !== lastSecond) {
    const prefix = new Date(second * 1000).toISOString().slice(0, 19) // YYYY-MM-DDTHH:MM:SS
    lastSecond = second
    lastPrefix = prefix
  }
  let fraction = micros - second * 1_000_000
  if (!Number.isInteger(fraction)) return formatFractional(micros)
  if (fraction === 0) return `${lastPrefix}Z`
  let digits = 6
  while (fraction % 10 === 0) { fraction /= 10; digits-- }
  return `${lastPrefix}.${String(fraction).padStart(digits, '0')}Z`
}

/** `formatMicros` of a time that is not a whole number of microseconds (the fraction as JavaScript prints it). */
function formatFractional (micros: number): string {
  const ms = Math.floor(micros / 1000)
  const iso = new Date(ms).toISOString()
  const fraction = String(((ms % 1000) + 1000) % 1000 * 1000 + (micros - ms * 1000)).padStart(6, '0').replace(/0+$/, '')
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`
}

/** Formats epoch milliseconds, e.g. `2024-05-01T10:00:00.12Z`, `2024-05-01T10:00:00Z`. */
export function vaultTime (epochMs: number): string {
  return formatMicros(Math.floor(epochMs) * 1000)
}
