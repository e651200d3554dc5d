// Vault's one time formatter (D-32.2): Go's RFC3339Nano in UTC from ms or µs, zeros dropped.
import t from 'tap'
import { formatMicros, vaultTime } from '../../../src/vault/time.js'
import { formatTime } from '../../../src/kv/kv-time.js'

t.test('milliseconds and microseconds format alike', async (t) => {
  t.equal(vaultTime(Date.UTC(2024, 4, 1, 10, 0, 0, 120)), '2024-05-01T10:00:00.12Z')
  t.equal(vaultTime(Date.UTC(2024, 4, 1, 10, 0, 0, 0)), '2024-05-01T10:00:00Z')
  t.equal(formatMicros(Date.UTC(2018, 2, 22, 2, 24, 6, 945) * 1000 + 319), '2018-03-22T02:24:06.945319Z')
  t.equal(formatMicros(Date.UTC(2024, 4, 1, 10, 0, 0, 120) * 1000), vaultTime(Date.UTC(2024, 4, 1, 10, 0, 0, 120)))
  t.equal(formatTime(null), '', 'an unset KV time is ""')
  t.equal(formatTime(1_000_001), '1970-01-01T00:00:01.000001Z')
})

// The date part of the last second is kept: every fraction, second and day boundary agrees with
// the formatter it replaced (Date#toISOString per call, zeros dropped by a RegExp).
t.test('the kept second gives the same text as formatting each time', async (t) => {
  const reference = (micros: number): string => {
    const ms = Math.floor(micros / 1000)
    const fraction = String(((ms % 1000) + 1000) % 1000 * 1000 + (micros - ms * 1000)).padStart(6, '0').replace(/0+$/, '')
    return `${new Date(ms).toISOString().slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`
  }
  const base = Date.UTC(2024, 11, 31, 23, 59, 59) * 1000
  const samples = [0, 1, 10, 100_000, 120_000, 999_999, 1_000_000, 1_000_001, 1_500_000, 2_000_010, -1, -1_000_000, -999_999]
  for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 3_000_000) - 1_000_000)
  let mismatches = 0
  for (const d of samples) if (formatMicros(base + d) !== reference(base + d)) mismatches++
  t.equal(mismatches, 0, 'around a year boundary, in and out of order')
  t.equal(formatMicros(base + 1_000_000), '2025-01-01T00:00:00Z')
  t.equal(formatMicros(base + 999_999), '2024-12-31T23:59:59.999999Z')
  t.equal(formatMicros(-1), '1969-12-31T23:59:59.999999Z', 'before the epoch')
  t.equal(formatMicros(1.5), reference(1.5), 'a fraction of a microsecond: as before')
  t.throws(() => formatMicros(8.7e21), RangeError, 'outside Date\'s range')
})
