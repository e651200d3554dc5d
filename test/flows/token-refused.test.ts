// A token Key Vault refuses although the SDK still holds it as valid (revoked, or expired by Key
// Vault's clock): the next sync fetches a new token and succeeds at once, instead of repeating the
// refused token until the SDK's own clock says it expired (about an hour). The emulator's clock is
// moved past the token's lifetime; the worker's SDK clock is not.
import t, { type Test } from 'tap'
import { startSyncTestbed, type SyncTestbed } from '../sync-testbed.js'

/** A testbed whose destination `d1` holds `secret/app` (v 1), synced with the worker's first token. */
async function syncedApp (t: Test): Promise<SyncTestbed> {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app', { v: 1 })
  await tb.set('d1', 'app')
  await tb.settle()
  return tb
}

t.test('a 401 from Key Vault: a new token, the refused write made, SYNCED', async (t) => {
  const tb = await syncedApp(t)
  t.equal(tb.latest('app')?.value, '{"v":1}')

  const from = tb.emu.requestLog().at(-1)?.seq ?? 0
  tb.emu.clock.advance(3_700_000) // past the token's lifetime (3599 s), at Key Vault only
  await tb.put('app', { v: 2 })
  await tb.settle()
  t.equal(tb.latest('app')?.value, '{"v":2}', 'the new version reached Azure in the same attempt')
  t.match(await tb.entry('d1', 'app'), { sync_status: 'SYNCED' })
  const log = tb.emu.requestLog({ since: from })
  t.equal(log.filter((e) => e.family === 'entra' && e.path.endsWith('/oauth2/v2.0/token')).length, 1, 'one new token')
  t.ok(log.some((e) => e.family === 'vault' && e.status === 401), 'after Key Vault refused the old one')
})

t.test('many writes refused at once: one new token, all of them made', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  const names = Array.from({ length: 24 }, (_, i) => `app${i}`)
  for (const n of names) await tb.put(n, { v: 1 })
  for (const n of names) await tb.set('d1', n)
  await tb.settle()
  const from = tb.emu.requestLog().at(-1)?.seq ?? 0
  tb.emu.clock.advance(3_700_000)
  await Promise.all(names.map(async (n) => await tb.put(n, { v: 2 })))
  await tb.settle()
  t.same(names.filter((n) => tb.latest(n)?.value !== '{"v":2}'), [], 'every new version reached Azure')
  const log = tb.emu.requestLog({ since: from })
  t.ok(log.filter((e) => e.family === 'vault' && e.status === 401).length > 1, 'several calls were refused')
  t.equal(log.filter((e) => e.family === 'entra' && e.path.endsWith('/oauth2/v2.0/token')).length, 1, 'and one new token served them all')
})

t.test('a vault that refuses every token: one new credential a minute, not one per call', async (t) => {
  const tb = await syncedApp(t)
  const from = tb.emu.requestLog().at(-1)?.seq ?? 0
  tb.emu.clock.advance(3_700_000)
  await tb.put('app', { v: 2 }) // refused once: a new credential and token, then made
  await tb.settle()
  tb.emu.clock.advance(3_700_000) // the new token is refused too, within the minute
  await tb.put('app', { v: 3 })
  await tb.settle()
  t.match(await tb.entry('d1', 'app'), { sync_status: 'CLIENT_SIDE_ERROR', message: /401/ }, 'the refusal stands')
  const log = tb.emu.requestLog({ since: from })
  t.equal(log.filter((e) => e.family === 'entra' && e.path.endsWith('/oauth2/v2.0/token')).length, 1, 'no second new credential within the minute')
  t.equal(tb.latest('app')?.value, '{"v":2}')
})

t.test('a drift sweep refused by Key Vault: the next sweep lists the vault with a new token', async (t) => {
  const tb = await syncedApp(t)
  const from = tb.emu.requestLog().at(-1)?.seq ?? 0
  tb.emu.clock.advance(3_700_000)
  await tb.server.drift!.sweepNow()
  const between = tb.emu.requestLog().at(-1)?.seq ?? 0
  await tb.server.drift!.sweepNow()
  const refused = tb.emu.requestLog({ since: from }).filter((e) => e.family === 'vault' && e.status === 401 && e.seq <= between)
  t.ok(refused.length > 0, 'the first sweep was refused')
  const second = tb.emu.requestLog({ since: between })
  t.equal(second.filter((e) => e.family === 'entra' && e.path.endsWith('/oauth2/v2.0/token')).length, 1, 'a new token')
  t.ok(second.some((e) => e.family === 'vault' && e.method === 'GET' && e.status === 200), 'and the vault listed with it')
})
