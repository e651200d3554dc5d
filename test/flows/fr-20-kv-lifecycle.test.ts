// FR-20: deleting the latest KV version falls back to the highest active version (Vault's
// Jan-2026 fix); undelete restores it; destroy falls back again; metadata delete unsyncs.
import t from 'tap'
import { vault } from '../helper.js'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('delete, undelete, destroy, metadata delete', async (t) => {
  const tb = await startSyncTestbed(t)
  const { app } = tb.server
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app', { v: 'A' })
  await tb.put('app', { v: 'B' })
  await tb.set('d1', 'app')
  await tb.settle()
  const value = (): string | undefined => tb.latest('app')?.value
  t.equal(value(), '{"v":"B"}')
  t.equal((await vault(app, 'DELETE', '/v1/secret/data/app')).statusCode, 204)
  await tb.settle()
  t.equal(value(), '{"v":"A"}', '(a) soft delete of v2: Azure gets A')
  t.equal((await vault(app, 'POST', '/v1/secret/undelete/app', { body: { versions: [2] } })).statusCode, 204)
  await tb.settle()
  t.equal(value(), '{"v":"B"}', '(b) undelete: B again')
  t.equal((await vault(app, 'POST', '/v1/secret/destroy/app', { body: { versions: [2] } })).statusCode, 204)
  await tb.settle()
  t.equal(value(), '{"v":"A"}', '(c) destroy: A')
  t.equal((await vault(app, 'POST', '/v1/secret/destroy/app', { body: { versions: [1] } })).statusCode, 204)
  await tb.settle()
  t.equal(tb.azure('app'), undefined, 'no active version left: unsync')
  t.match(await tb.entry('d1', 'app'), { sync_status: 'UNSYNCED' })
  await tb.put('app', { v: 'C' })
  await tb.settle()
  t.equal(value(), '{"v":"C"}', 'a new version syncs again')
  t.equal((await vault(app, 'DELETE', '/v1/secret/metadata/app')).statusCode, 204)
  await tb.settle()
  t.equal(tb.azure('app'), undefined, '(d) metadata delete: unsynced')
  t.match(await tb.entry('d1', 'app'), { sync_status: 'UNSYNCED' })
})
