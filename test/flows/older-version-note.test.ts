// Issue 14.7: soft-deleting (or destroying) the newest KV version syncs the previous live one,
// as Vault does; the association entry's message says so, and that only a metadata delete (or
// deleting every version) removes the Azure secret. The note goes once the newest is live again.
import t from 'tap'
import { vault } from '../helper.js'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('the entry says an older version is synced, and why', async (t) => {
  const tb = await startSyncTestbed(t)
  const { app } = tb.server
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app', { v: 'A' })
  await tb.put('app', { v: 'B' })
  await tb.set('d1', 'app')
  await tb.settle()
  const synced = await tb.entry('d1', 'app')
  t.equal(synced?.sync_status, 'SYNCED')
  t.equal(synced?.message, undefined, 'no note while the newest is synced')

  t.equal((await vault(app, 'DELETE', '/v1/secret/data/app')).statusCode, 204)
  await tb.settle()
  t.equal(tb.latest('app')?.value, '{"v":"A"}', 'Azure holds version 1')
  t.match(await tb.entry('d1', 'app'), {
    sync_status: 'SYNCED',
    message: 'version 2 is deleted in KV, so version 1 (the newest live one) is synced; only deleting the secret\'s metadata (or every version) removes it from Azure'
  })

  t.equal((await vault(app, 'POST', '/v1/secret/undelete/app', { body: { versions: [2] } })).statusCode, 204)
  await tb.settle()
  t.equal(tb.latest('app')?.value, '{"v":"B"}')
  t.equal((await tb.entry('d1', 'app'))?.message, undefined, 'the note goes once the newest is live again')

  // A newest version with the same data as the one before: nothing to write, the note still comes.
  await tb.put('app', { v: 'B' })
  await tb.settle()
  t.equal((await vault(app, 'POST', '/v1/secret/destroy/app', { body: { versions: [3] } })).statusCode, 204)
  await tb.settle()
  t.match(await tb.entry('d1', 'app'), { sync_status: 'SYNCED', message: /^version 3 is deleted in KV, so version 2 / })
  await tb.put('app', { v: 'B' })
  await tb.settle()
  t.equal((await tb.entry('d1', 'app'))?.message, undefined, 'and goes with a new live version, even when nothing is written')
})
