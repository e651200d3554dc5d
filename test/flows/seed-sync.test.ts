// The seed workflow end to end (issue 6 Done-when): secret, destination, association -> in Azure;
// new KV version -> new Azure version; remove -> deleted; KV metadata delete -> deleted.
import t from 'tap'
import { vault } from '../helper.js'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('seed flow against the emulator', async (t) => {
  const tb = await startSyncTestbed(t)
  const { app } = tb.server
  t.equal((await tb.put('my-secret', { foo: 'bar' })).statusCode, 200)
  await tb.destination('my-azure-1')
  t.equal((await tb.set('my-azure-1', 'my-secret')).statusCode, 200)
  await tb.settle()

  const accessor = (await vault(app, 'GET', '/v1/sys/mounts/secret')).json().data.accessor as string
  const name = `vault-${accessor.replace('_', '-')}-my-secret`
  t.same(tb.names(), [name], 'one Azure secret, named by the default template')
  const v1 = tb.latest(name)!
  t.equal(v1.value, '{"foo":"bar"}')
  t.equal(v1.contentType, 'application/json')
  t.match(v1.tags, { 'hashicorp:vault': /^vault-sync:[0-9a-f-]{36}:[0-9a-f-]{36}$/ })
  const entries = await tb.associations('my-azure-1')
  t.match(entries[`${accessor}/my-secret`], { sync_status: 'SYNCED', secret_name: 'my-secret', accessor })

  t.equal((await tb.put('my-secret', { foo: 'baz' })).statusCode, 200)
  await tb.settle()
  const s = tb.azure(name)!
  t.equal(s.versions.length, 2, 'a new Azure version')
  t.equal(tb.latest(name)!.value, '{"foo":"baz"}')
  t.same(tb.latest(name)!.tags, v1.tags, 'every version carries the full tag set')

  t.equal((await tb.remove('my-azure-1', 'my-secret')).statusCode, 200)
  await tb.settle()
  t.equal(tb.azure(name), undefined, 'removed association: the Azure secret is deleted')
  t.equal(tb.emu.vault().inspectSecret(name)?.state, 'deleted', 'soft-deleted, not purged (purge_on_unsync is off)')
  t.match((await tb.associations('my-azure-1'))[`${accessor}/my-secret`], { sync_status: 'UNSYNCED' })

  // Associate again, then delete the KV metadata: unsync, the association stays UNSYNCED (D-2).
  t.equal((await tb.set('my-azure-1', 'my-secret')).statusCode, 200)
  await tb.settle()
  t.equal(tb.latest(name)?.value, '{"foo":"baz"}', 'a soft-deleted name is recovered, then written (FR-01)')
  t.equal((await vault(app, 'DELETE', '/v1/secret/metadata/my-secret')).statusCode, 204)
  await tb.settle()
  t.equal(tb.azure(name), undefined, 'metadata delete: the Azure secret is deleted')
  t.match((await tb.associations('my-azure-1'))[`${accessor}/my-secret`], { sync_status: 'UNSYNCED' })
})
