// With the emulator failing 30 % of Key Vault requests (429 with and without Retry-After, 500,
// 503, connection resets), 100 associations and 500 updates converge to the latest values with
// no error status left (Sync engine issue, Done-when).
import t from 'tap'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('30 % mixed failures: convergence, no error left', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  const names = Array.from({ length: 100 }, (_, i) => `f${String(i).padStart(3, '0')}`)
  for (const n of names) await tb.put(n, { v: 0 })
  const match = { pathRegex: '^/(secrets|deletedsecrets)/' }
  // Five rules, each failing ~6 % of all requests (conditional probabilities): about 30 % in all.
  const p = 0.06
  tb.emu.faults.add({ match, action: { status: 429, code: 'Throttled', message: 'throttled', retryAfterMs: 20 }, mode: { probability: p, seed: 1 } })
  tb.emu.faults.add({ match, action: { status: 429, code: 'Throttled', message: 'throttled' }, mode: { probability: p / (1 - p), seed: 2 } })
  tb.emu.faults.add({ match, action: { status: 500, code: 'InternalServerError', message: 'boom' }, mode: { probability: p / (1 - 2 * p), seed: 3 } })
  tb.emu.faults.add({ match, action: { status: 503, code: 'ServiceUnavailable', message: 'unavailable' }, mode: { probability: p / (1 - 3 * p), seed: 4 } })
  tb.emu.faults.add({ match, action: { reset: true }, mode: { probability: p / (1 - 4 * p) * 0.999, seed: 5 } })
  for (const n of names) await tb.set('d1', n)
  const latest = new Map<string, number>()
  const writes: Array<Promise<unknown>> = []
  for (let i = 1; i <= 500; i++) {
    const n = names[(i * 7) % names.length]
    latest.set(n, i)
    writes.push(tb.put(n, { v: i }))
    if (i % 50 === 0) await Promise.all(writes.splice(0))
  }
  await Promise.all(writes)
  await tb.converge(async () => Object.values(await tb.associations('d1')).every((e) => e.sync_status === 'SYNCED'), 240_000)
  const log = tb.emu.requestLog({ limit: 100_000 })
  const vaultCalls = log.filter((r) => r.family === 'vault' && r.outcome !== 'unauthorized')
  const failed = vaultCalls.filter((r) => r.outcome === 'fault' || r.outcome === 'reset').length
  t.ok(failed / vaultCalls.length > 0.2, `the emulator failed ${failed} of ${vaultCalls.length} requests`)
  for (const n of names) t.equal(tb.latest(n)?.value, `{"v":${latest.get(n) ?? 0}}`, `${n} holds its latest value`)
  const statuses = new Set(Object.values(await tb.associations('d1')).map((e) => e.sync_status))
  t.same([...statuses], ['SYNCED'], 'no error status left')
})
