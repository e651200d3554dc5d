// A token Key Vault refuses although the SDK still holds it as valid (revoked, or expired by Key
// Vault's clock): the next sync fetches a new token and succeeds at once, instead of repeating the
// refused token until the SDK's own clock says it expired (about an hour). The emulator's clock is
// moved past the token's lifetime; the worker's SDK clock is not.
import t from 'tap'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('a 401 from Key Vault: a new token, the refused write made, SYNCED', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app', { v: 1 })
  await tb.set('d1', 'app')
  await tb.settle()
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
