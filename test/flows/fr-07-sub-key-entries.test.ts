// FR-07: per-sub-key association entries under secret-key; a key removed from KV is unsynced,
// its entry goes UNSYNCED (then disappears after the retention), other keys are untouched.
import t from 'tap'
import { vault } from '../helper.js'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('sub-key entries, and a removed key', async (t) => {
  const tb = await startSyncTestbed(t, { env: { VAULT_SYNC_UNSYNCED_RETENTION: '0s' } })
  await tb.destination('d1', { granularity: 'secret-key', secret_name_template: '{{ .SecretKey }}' })
  await tb.put('tok', { dev: 'a', prod: 'b' })
  await tb.set('d1', 'tok')
  await tb.settle()
  const accessor = (await vault(tb.server.app, 'GET', '/v1/sys/mounts/secret')).json().data.accessor as string
  const entries = await tb.associations('d1')
  t.same(Object.keys(entries).sort(), [`${accessor}/tok/dev`, `${accessor}/tok/prod`])
  for (const key of ['dev', 'prod']) {
    t.match(entries[`${accessor}/tok/${key}`], { accessor, secret_name: 'tok', sub_key: key, sync_status: 'SYNCED', updated_at: /^\d{4}-/ })
  }
  t.same(tb.names(), ['dev', 'prod'])
  const devVersions = tb.azure('dev')!.versions.length
  await tb.put('tok', { dev: 'a' })
  await tb.settle()
  t.match((await tb.associations('d1'))[`${accessor}/tok/prod`], { sync_status: 'UNSYNCED' })
  t.same(tb.names(), ['dev'], 'prod unsynced')
  t.equal(tb.azure('dev')!.versions.length, devVersions, 'dev untouched')
  await tb.server.worker!.reconcileNow()
  t.same(Object.keys(await tb.associations('d1')), [`${accessor}/tok/dev`], 'the UNSYNCED entry disappears after the retention')
})
