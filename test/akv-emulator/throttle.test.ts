// Throttling at the service's defaults (decisions D-12): 300 writes and 4,000 other calls per vault
// per sliding 10-second window. The clock is a manual one, so "inside one window" is exact and the
// test has no timing assumptions; SDK retries are off so every 429 is visible.
import t from 'tap'
import { Agent, request } from 'undici'
import { createManualClock } from '../../src/akv-emulator/index.js'
import { clientFor, credentialFor, startEmulator } from './helpers.js'

type Outcome = { ok: true } | { ok: false, statusCode?: number, code?: string }
const settle = async (p: Promise<unknown>): Promise<Outcome> =>
  await p.then(() => ({ ok: true as const }), (e: { statusCode?: number, code?: string }) => ({ ok: false as const, statusCode: e.statusCode, code: e.code }))

t.test('400 writes inside one window: exactly the 100 over the limit get 429', async (t) => {
  const clock = createManualClock(Date.UTC(2026, 0, 1))
  const emu = await startEmulator(t, { clock })
  const client = clientFor(emu) // maxRetries: 0
  await client.getSecret('warm-up').catch(() => {}) // challenge + token, outside the write bucket

  // 25 requests in flight at a time (few TLS handshakes); the clock stands still, so all 400 fall in one window.
  const results: Outcome[] = []
  let next = 0
  await Promise.all(Array.from({ length: 25 }, async () => {
    while (next < 400) { const i = next++; results.push(await settle(client.setSecret(`s-${i}`, 'v'))) }
  }))
  t.equal(results.length, 400)
  const throttled = results.filter((r) => !r.ok)
  t.equal(results.filter((r) => r.ok).length, 300)
  t.equal(throttled.length, 100)
  t.ok(throttled.every((r) => !r.ok && r.statusCode === 429 && r.code === 'Throttled'))
  t.equal(emu.requestLog().filter((e) => e.outcome === 'throttled').length, 100)

  t.equal((await client.getSecret('s-1')).value, 'v', 'reads use the other bucket and still pass')
  t.equal((await settle(client.setSecret('one-more', 'v'))).ok, false, 'still inside the window')
  clock.tick(10_000)
  t.equal((await settle(client.setSecret('one-more', 'v'))).ok, true, 'a new window admits writes again')
})

t.test('the window slides, and refused requests do not count', async (t) => {
  const clock = createManualClock(Date.UTC(2026, 0, 1))
  const emu = await startEmulator(t, { clock, vaultDefaults: { throttle: { writeLimit: 10 } } })
  const client = clientFor(emu)
  const write = async (n: number, tag: string): Promise<number> =>
    (await Promise.all(Array.from({ length: n }, async (_, i) => await settle(client.setSecret(`${tag}-${i}`, 'v'))))).filter((r) => r.ok).length

  t.equal(await write(6, 'a'), 6) // at T
  clock.tick(5_000)
  t.equal(await write(6, 'b'), 4) // at T+5 s: 4 fit, 2 refused (not counted)
  clock.tick(4_999)
  t.equal(await write(1, 'c'), 0, 'T+9.999 s: the first six are still inside the window')
  clock.tick(1)
  t.equal(await write(7, 'd'), 6, 'T+10 s: the six from T left the window, six slots free')
})

t.test('a throttled answer can carry Retry-After or x-ms-retry-after-ms', async (t) => {
  const clock = createManualClock(Date.UTC(2026, 0, 1))
  const emu = await startEmulator(t, { clock, vaultDefaults: { throttle: { writeLimit: 1, retryAfter: 'seconds' } } })
  const token = await credentialFor(emu).getToken('https://vault.azure.net/.default')
  const dispatcher = new Agent({ connect: { ca: emu.caPem } })
  t.teardown(async () => { await dispatcher.close() })
  const put = async (): Promise<{ status: number, headers: Record<string, unknown>, body: { error?: { code?: string } } }> => {
    const r = await request(`${emu.info.vault_uri}/secrets/x?api-version=7.5`, {
      method: 'PUT', dispatcher, headers: { authorization: `Bearer ${token!.token}`, 'content-type': 'application/json' }, body: '{"value":"v"}'
    })
    return { status: r.statusCode, headers: r.headers, body: await r.body.json() as { error?: { code?: string } } }
  }
  t.equal((await put()).status, 200)
  clock.tick(2_500)
  const r1 = await put()
  t.equal(r1.status, 429)
  t.equal(r1.body.error?.code, 'Throttled')
  t.equal(r1.headers['retry-after'], '8', 'seconds until the oldest admitted write leaves the window, rounded up')
  emu.vault().updateSettings({ throttle: { retryAfter: 'milliseconds' } })
  const r2 = await put()
  t.equal(r2.headers['x-ms-retry-after-ms'], '7500')
  t.equal(r2.headers['retry-after'], undefined)
  emu.vault().updateSettings({ throttle: { retryAfter: 'none' } })
  const r3 = await put()
  t.equal(r3.status, 429)
  t.equal(r3.headers['retry-after'], undefined, 'by default, like captured real 429s, no Retry-After')
  t.equal(r3.headers['x-ms-retry-after-ms'], undefined)
  emu.vault().updateSettings({ throttle: { enabled: false } })
  t.equal((await put()).status, 200, 'throttling can be switched off')
})
