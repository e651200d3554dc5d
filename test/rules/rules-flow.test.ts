// Association rules end to end (issue 22): the HTTP API, the real worker and the Key Vault
// emulator over HTTPS with the Azure SDK. A rule's associations sync like any other; a new
// matching secret syncs without another call; a metadata filter follows custom_metadata;
// colliding names error per secret while the rest sync; exclusions hold; deleting a rule unsyncs
// exactly its own associations.
import t from 'tap'
import { vault } from '../helper.js'
import { json } from '../sync-fixtures.js'
import { startSyncTestbed, type SyncTestbed } from '../sync-testbed.js'

const RULES = '/v1/sys/sync-ext/destinations/azure-kv/d1/rules'

async function rule (tb: SyncTestbed, name: string, body: Record<string, unknown>): Promise<any> {
  const res = await vault(tb.server.app, 'POST', `${RULES}/${name}`, { body })
  if (res.statusCode !== 200) throw new Error(`rule ${name}: ${res.statusCode} ${res.body}`)
  return json(res).data
}

/** Waits until every association of d1 has left PENDING/UNSYNCING. */
async function quiet (tb: SyncTestbed): Promise<Record<string, { sync_status: string, message?: string, secret_name: string }>> {
  await tb.converge(async () => Object.values(await tb.associations('d1')).every((e) => e.sync_status !== 'PENDING' && e.sync_status !== 'UNSYNCING'))
  const out: Record<string, { sync_status: string, message?: string, secret_name: string }> = {}
  for (const e of Object.values(await tb.associations('d1'))) out[e.secret_name] = e
  return out
}

t.test('a rule syncs a folder; a new secret joins by itself; exclusions hold; delete unsyncs only its own', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  for (const p of ['team/a', 'team/b', 'team/c', 'team/deep/d', 'manual']) await tb.put(p, { v: p })
  t.equal((await tb.set('d1', 'manual')).statusCode, 200)
  t.equal((await rule(tb, 'team', { mount: 'secret', path_prefix: 'team/', recursive: true })).total, 4)
  let e = await quiet(tb)
  for (const p of ['team/a', 'team/b', 'team/c', 'team/deep/d', 'manual']) t.equal(e[p].sync_status, 'SYNCED', p)
  t.same(tb.names(), ['a', 'b', 'c', 'd', 'manual'])

  await tb.put('team/new', { v: 'fresh' })
  e = await quiet(tb)
  t.equal(e['team/new'].sync_status, 'SYNCED', 'a new matching secret syncs without another call')
  t.equal(tb.latest('new')?.value, '{"v":"fresh"}')

  t.equal((await tb.remove('d1', 'team/b')).statusCode, 200)
  await quiet(tb)
  t.equal(tb.azure('b'), undefined, 'the removed association is unsynced')
  await tb.put('team/b', { v: 'changed' })
  e = await quiet(tb)
  t.equal(tb.azure('b'), undefined, 'and the rule does not bring it back on a write')
  t.equal(e['team/b'].sync_status, 'UNSYNCED')

  t.equal((await vault(tb.server.app, 'DELETE', `${RULES}/team`)).statusCode, 204)
  e = await quiet(tb)
  t.same(tb.names(), ['manual'], 'deleting the rule unsyncs exactly its own associations')
  t.equal(e.manual.sync_status, 'SYNCED')
  await tb.put('team/later', { v: 1 })
  await quiet(tb)
  t.equal(tb.azure('later'), undefined, 'a deleted rule associates nothing more')
})

t.test('a metadata-filtered rule follows custom_metadata changes', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  const app = tb.server.app
  for (const p of ['svc/one', 'svc/two']) await tb.put(p, { v: p })
  await vault(app, 'POST', '/v1/secret/metadata/svc/one', { body: { custom_metadata: { sync: 'azure' } } })
  await rule(tb, 'tagged', { mount: 'secret', path_prefix: 'svc/', custom_metadata: { sync: 'azure' } })
  await quiet(tb)
  t.same(tb.names(), ['one'])
  await vault(app, 'POST', '/v1/secret/metadata/svc/two', { body: { custom_metadata: { sync: 'azure' } } })
  await quiet(tb)
  t.same(tb.names(), ['one', 'two'], 'tagging a secret syncs it')
  await vault(app, 'POST', '/v1/secret/metadata/svc/one', { body: { custom_metadata: { sync: 'off' } } })
  const e = await quiet(tb)
  t.same(tb.names(), ['two'], 'untagging unsyncs it')
  t.equal(e['svc/one'].sync_status, 'UNSYNCED')
  await vault(app, 'DELETE', '/v1/secret/metadata/svc/two')
  await quiet(tb)
  t.same(tb.names(), [], 'deleting the secret\'s metadata removes it as Vault does')
})

t.test('two secrets rendering to one Azure name: one error each, every other secret syncs', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  const paths = ['x/db', 'y/DB', ...Array.from({ length: 20 }, (_, i) => `x/s${i}`)]
  for (const p of paths) await tb.put(p, { v: p })
  const plan = await rule(tb, 'all', { mount: 'secret', recursive: true })
  t.equal(plan.errors, 2)
  const e = await quiet(tb)
  for (const p of ['x/db', 'y/DB']) {
    t.equal(e[p].sync_status, 'CLIENT_SIDE_ERROR', p)
    t.match(e[p].message, /^name collision: secret\/x\/db, secret\/y\/DB map to the same Azure Key Vault name/)
  }
  for (let i = 0; i < 20; i++) t.equal(e[`x/s${i}`].sync_status, 'SYNCED')
  t.equal(tb.azure('db'), undefined, 'neither colliding secret is written')
  t.equal(tb.names().length, 20)
})

t.test('a rule over 2,000 secrets syncs them all within Key Vault\'s write limit plus 10 %', async (t) => {
  const throttle = { writeLimit: 300, otherLimit: 4000, windowMs: 10_000 }
  const tb = await startSyncTestbed(t, { emulator: { vaultDefaults: { throttle } } })
  await tb.destination('d1')
  const n = 2000
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: 50 }, async (_, j) => await tb.put(`bulk/s${String(i + j).padStart(4, '0')}`, { v: i + j })))
  }
  const started = Date.now()
  t.equal((await rule(tb, 'bulk', { mount: 'secret', path_prefix: 'bulk/' })).total, n)
  const e = await quiet(tb)
  const elapsedMs = Date.now() - started
  const boundMs = n / throttle.writeLimit * throttle.windowMs * 1.1
  t.equal(Object.values(e).filter((x) => x.sync_status === 'SYNCED').length, n, 'every secret SYNCED')
  t.equal(tb.names().length, n)
  t.ok(elapsedMs <= boundMs, `synced in ${elapsedMs} ms; Key Vault's limit (${throttle.writeLimit} writes per ${throttle.windowMs} ms) plus 10 % allows ${Math.round(boundMs)} ms`)
})
