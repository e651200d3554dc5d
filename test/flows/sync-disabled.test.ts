// sys/sync/config disabled=true holds all work as PENDING; clearing it resumes at once
// (spec/vault-sync-api.md §3.2, §7; decisions D-32.7).
import t from 'tap'
import { mergePatch } from '../sync-fixtures.js'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('disabled holds work, enabling resumes it', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app', { v: 1 })
  await tb.set('d1', 'app')
  await tb.settle()
  t.equal(tb.latest('app')?.value, '{"v":1}')
  await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: true })
  await tb.put('app', { v: 2 })
  await tb.put('other', { v: 1 })
  await tb.set('d1', 'other')
  await tb.settle()
  t.match(await tb.entry('d1', 'app'), { sync_status: 'PENDING' })
  t.match(await tb.entry('d1', 'other'), { sync_status: 'PENDING' })
  t.equal(tb.latest('app')?.value, '{"v":1}', 'nothing pushed while disabled')
  t.equal(tb.azure('other'), undefined)
  await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: false })
  await tb.settle()
  t.equal(tb.latest('app')?.value, '{"v":2}')
  t.equal(tb.latest('other')?.value, '{"v":1}')
  t.match(await tb.entry('d1', 'app'), { sync_status: 'SYNCED' })
})

t.test('purge_on_unsync also purges the soft-deleted secret', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}', purge_on_unsync: true })
  await tb.put('app', { v: 1 })
  await tb.set('d1', 'app')
  await tb.settle()
  await tb.remove('d1', 'app')
  await tb.settle()
  t.equal(tb.emu.vault().inspectSecret('app'), undefined, 'deleted and purged')
})
