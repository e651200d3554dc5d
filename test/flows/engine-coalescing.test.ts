// Issue 17 through the real server, worker, SDK and emulator: a burst of updates to one secret
// folds into few Azure writes (minimum interval per association) and ends on the newest value;
// a first write that fails transiently does not repeat its ownership read on the retry; two
// destinations on one vault share its ledger and a Key Vault 429 is absorbed by the limiter.
import t from 'tap'
import { vault } from '../helper.js'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('200 updates of one secret: a handful of writes, the newest value wins', async (t) => {
  const tb = await startSyncTestbed(t, { env: { VAULT_SYNC_MIN_WRITE_INTERVAL: '300ms' } })
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('hot', { v: -1 })
  await tb.set('d1', 'hot')
  await tb.settle()
  const before = tb.emu.requestLog({ limit: 100_000 }).length
  const writes: Array<Promise<unknown>> = []
  const started = Date.now()
  for (let i = 0; i < 200; i++) {
    writes.push(tb.put('hot', { v: i }))
    if (i % 20 === 19) { await Promise.all(writes.splice(0)); await new Promise((resolve) => setTimeout(resolve, 5)) }
  }
  // The promise (write-spacing.ts): at most one write per 300 ms interval of the burst, plus the
  // final one. The burst's length depends on the engine and the machine (about 1 s on SQLite,
  // several on a loaded PostgreSQL), so the bound follows it; folding must happen whatever it is.
  const burstMs = Date.now() - started
  await tb.converge(async () => (await tb.entry('d1', 'hot'))?.sync_status === 'SYNCED')
  // The newest KV version: writes of one batch run concurrently, and on PostgreSQL they take the
  // key's lock in any order, so the last version is not always `v: 199`.
  const newest = JSON.parse((await vault(tb.server.app, 'GET', '/v1/secret/data/hot')).body).data.data as { v: number }
  t.equal(tb.latest('hot')?.value, JSON.stringify(newest), `Azure holds the newest value (v ${newest.v})`)
  const sets = tb.emu.requestLog({ limit: 100_000 }).slice(before).filter((r) => r.operation === 'SetSecret' && r.status === 200)
  t.ok(sets.length >= 1 && sets.length <= Math.floor(burstMs / 300) + 2 && sets.length < 100, `200 updates in ${burstMs} ms became ${sets.length} Azure writes`)
  t.equal(tb.azure('hot')?.versions.length, 1 + sets.length, 'one Azure version per write')
})

t.test('a first write retried after a transient failure reads ownership once', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('fresh', { v: 1 })
  tb.emu.faults.add({ match: { method: 'PUT', pathRegex: '^/secrets/fresh' }, action: { status: 503, code: 'ServiceUnavailable', message: 'try later' }, mode: { next: 2 } })
  await tb.set('d1', 'fresh')
  await tb.converge(async () => (await tb.entry('d1', 'fresh'))?.sync_status === 'SYNCED')
  const log = tb.emu.requestLog({ limit: 100_000 }).filter((r) => r.secretName === 'fresh')
  t.equal(log.filter((r) => r.operation === 'SetSecret' && r.status === 503).length, 2, 'two attempts failed')
  t.equal(log.filter((r) => r.operation === 'SetSecret' && r.status === 200).length, 1, 'the third wrote')
  t.equal(log.filter((r) => r.operation === 'GetSecret' && r.status !== 401).length, 1, 'the ownership read ran once')
})

t.test('two destinations on one vault: 429s absorbed, every association SYNCED', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('a', { secret_name_template: 'a-{{ .SecretBaseName }}' })
  await tb.destination('b', { secret_name_template: 'b-{{ .SecretBaseName }}' })
  tb.emu.faults.add({
    match: { method: 'PUT', pathRegex: '^/secrets/' },
    action: { status: 429, code: 'Throttled', message: 'Request was not processed because too many requests were received.' },
    mode: { next: 3 }
  })
  for (let i = 0; i < 20; i++) await tb.put(`s${i}`, { v: i })
  for (let i = 0; i < 20; i++) { await tb.set('a', `s${i}`); await tb.set('b', `s${i}`) }
  await tb.converge(async () => [...Object.values(await tb.associations('a')), ...Object.values(await tb.associations('b'))]
    .every((e) => e.sync_status === 'SYNCED'))
  t.equal(tb.names().length, 40, 'both destinations wrote every secret')
  const log = tb.emu.requestLog({ limit: 100_000 })
  t.equal(log.filter((r) => r.status === 429).length, 3, 'the three 429s happened')
  const entries = [...Object.values(await tb.associations('a')), ...Object.values(await tb.associations('b'))]
  t.notOk(entries.some((e) => (e.message ?? '') !== ''), 'no association shows an error from them')
})
