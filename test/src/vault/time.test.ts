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
