// FR-19: a template (or granularity) change applies to new or refreshed associations only:
// (a) a KV change still updates the old name, (b) a re-set deletes the old name and writes the
// new one, (c) remove deletes whatever the association owns now. Never both names alive.
import t from 'tap'
import { mergePatch } from '../sync-fixtures.js'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('template change, then value change, refresh and remove', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1')
  await tb.put('app', { v: 1 })
  await tb.set('d1', 'app')
  await tb.settle()
  const oldName = await tb.defaultName('app')
  t.same(tb.names(), [oldName])
  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/destinations/azure-kv/d1', { secret_name_template: '{{ .SecretBaseName }}' })).statusCode, 200)
  await tb.put('app', { v: 2 })
  await tb.settle()
  t.same(tb.names(), [oldName], '(a) the old name is updated')
  t.equal(tb.latest(oldName)!.value, '{"v":2}')
  await tb.set('d1', 'app')
  await tb.settle()
  t.same(tb.names(), ['app'], '(b) refresh: old name deleted, new name written')
  t.equal(tb.latest('app')!.value, '{"v":2}')
  t.match(await tb.entry('d1', 'app'), { sync_status: 'SYNCED' })
  await tb.remove('d1', 'app')
  await tb.settle()
  t.same(tb.names(), [], '(c) remove deletes the current name')
})

t.test('granularity switch secret-path -> secret-key on refresh', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app', { user: 'u', pass: 'p' })
  await tb.set('d1', 'app')
  await tb.settle()
  t.same(tb.names(), ['app'])
  await mergePatch(tb.server.app, '/v1/sys/sync/destinations/azure-kv/d1', { granularity: 'secret-key', secret_name_template: '{{ .SecretBaseName }}-{{ .SecretKey }}' })
  await tb.set('d1', 'app')
  await tb.settle()
  t.same(tb.names(), ['app-pass', 'app-user'])
  t.match(await tb.entry('d1', 'app', 'user'), { sync_status: 'SYNCED' })
})
