// FR-17: a value over 25,600 characters is CLIENT_SIDE_ERROR (size and limit in the message)
// with no Azure call; other associations are unaffected; secret-key fits; shrinking clears it.
import t from 'tap'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('too large under secret-path, fine under secret-key, recovers when it shrinks', async (t) => {
  const tb = await startSyncTestbed(t)
  const big: Record<string, string> = {}
  for (let i = 0; i < 30; i++) big[`k${String(i).padStart(2, '0')}`] = 'x'.repeat(1000)
  await tb.put('big', big)
  await tb.put('small', { v: 1 })
  await tb.destination('path', { secret_name_template: 'p-{{ .SecretBaseName }}' })
  await tb.destination('keys', { granularity: 'secret-key', secret_name_template: 'k-{{ .SecretKey }}' })
  await tb.set('path', 'big')
  await tb.set('path', 'small')
  await tb.set('keys', 'big')
  await tb.settle()
  const e = await tb.entry('path', 'big')
  t.equal(e?.sync_status, 'CLIENT_SIDE_ERROR')
  t.match(e?.message, /is 30\d{3} characters; Azure Key Vault allows at most 25600/)
  t.equal(tb.azure('p-big'), undefined)
  t.notOk(tb.emu.requestLog().some((r) => r.method === 'PUT' && r.path.startsWith('/secrets/p-big')), 'no Azure write was tried')
  t.match(await tb.entry('path', 'small'), { sync_status: 'SYNCED' })
  t.equal(tb.names().filter((n) => n.startsWith('k-')).length, 30, 'secret-key: 30 secrets of 1,000 characters')
  await tb.put('big', { k00: 'small now' })
  await tb.settle()
  t.match(await tb.entry('path', 'big'), { sync_status: 'SYNCED' })
  t.equal(tb.latest('p-big')!.value, '{"k00":"small now"}')
})
