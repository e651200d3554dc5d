// FR-21: bursts against a throttling Key Vault: 429s with and without Retry-After are retried
// (Retry-After honoured, else backoff with jitter); updates of one secret coalesce; every
// association ends SYNCED with the latest KV version, never a stale one. The burst lands while
// sync is paused (sys/sync/config disabled=true), so coalescing does not depend on timing.
import t from 'tap'
import { mergePatch } from '../sync-fixtures.js'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('50 associations, 300 updates, 20 % of writes throttled', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  const names = Array.from({ length: 50 }, (_, i) => `s${String(i).padStart(2, '0')}`)
  for (const n of names) await tb.put(n, { v: 0 })
  for (const n of names) await tb.set('d1', n)
  await tb.converge(() => true)
  const throttled = { status: 429, code: 'Throttled', message: 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached' }
  tb.emu.faults.add({ match: { method: 'PUT', pathRegex: '^/secrets/' }, action: { ...throttled, retryAfterSec: 2 }, mode: { probability: 0.1, seed: 21 } })
  tb.emu.faults.add({ match: { method: 'PUT', pathRegex: '^/secrets/' }, action: throttled, mode: { probability: 0.11, seed: 22 } })
  await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: true })
  const latest = new Map<string, number>()
  const writes: Array<Promise<unknown>> = []
  for (let i = 1; i <= 300; i++) {
    const n = names[i % names.length]
    latest.set(n, i)
    writes.push(tb.put(n, { v: i }))
    if (i % 25 === 0) await Promise.all(writes.splice(0))
  }
  await Promise.all(writes)
  await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: false })
  await tb.converge(async () => {
    const entries = Object.values(await tb.associations('d1'))
    return entries.every((e) => e.sync_status === 'SYNCED')
  })
  for (const n of names) t.equal(tb.latest(n)?.value, `{"v":${latest.get(n)}}`, `${n} holds its latest KV version`)
  const log = tb.emu.requestLog({ limit: 100_000 })
  t.ok(log.some((r) => r.status === 429), 'the emulator did throttle')
  const puts = log.filter((r) => r.method === 'PUT' && r.status === 200 && r.path.startsWith('/secrets/')).length
  t.ok(puts < 50 + 300, `updates were coalesced (${puts} successful writes for 300 updates)`)
})
