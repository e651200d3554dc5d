// FR-03: names that collide after normalisation and case folding are refused before any write,
// inside one association and across associations of one destination.
import t from 'tap'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('inside one association: neither key is written, the message names both', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { granularity: 'secret-key', secret_name_template: '{{ .SecretKey }}' })
  await tb.put('app', { db_pass: 'A', 'db-pass': 'B', other: 'C' })
  await tb.set('d1', 'app')
  await tb.settle()
  for (const key of ['db_pass', 'db-pass']) {
    const e = await tb.entry('d1', 'app', key)
    t.equal(e?.sync_status, 'CLIENT_SIDE_ERROR', key)
    t.match(e?.message, /keys "db-pass" and "db_pass" map to the same Azure Key Vault name "db-pass"/)
  }
  t.match(await tb.entry('d1', 'app', 'other'), { sync_status: 'SYNCED' })
  t.same(tb.names(), ['other'], 'nothing written for the colliding keys')
  const puts = tb.emu.requestLog().filter((r) => r.method === 'PUT').length
  await tb.server.worker!.reconcileNow()
  await tb.settle()
  t.equal(tb.emu.requestLog().filter((r) => r.method === 'PUT').length, puts, 'no write retried while the secret is unchanged')
  // Case folding: API_KEY vs api_key.
  await tb.put('app', { API_KEY: 'A', api_key: 'B' })
  await tb.settle()
  t.match(await tb.entry('d1', 'app', 'API_KEY'), { sync_status: 'CLIENT_SIDE_ERROR', message: /"API_KEY" and "api_key"/ })
  t.equal(tb.azure('api-key'), undefined)
})

t.test('across associations of one destination: the later one is refused', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('a/x', { v: 'first' })
  await tb.put('b/x', { v: 'second' })
  await tb.set('d1', 'a/x')
  await tb.settle()
  await tb.set('d1', 'b/x')
  await tb.settle()
  t.match(await tb.entry('d1', 'a/x'), { sync_status: 'SYNCED' })
  t.match(await tb.entry('d1', 'b/x'), { sync_status: 'CLIENT_SIDE_ERROR', message: 'name "x" is owned by secret/a/x' })
  t.equal(tb.latest('x')!.value, '{"v":"first"}', 'the first owner\'s value is intact')
})
