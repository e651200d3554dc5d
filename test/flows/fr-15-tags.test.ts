// FR-15: every version carries the full tag set; a tag-only change is applied (tags-only
// update of the recorded version, decisions D-8); a removed tag disappears.
import t from 'tap'
import { mergePatch } from '../sync-fixtures.js'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('tags on new versions, tag changes, tag removal', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}', custom_tags: { team: 'a', env: 'prod' } })
  await tb.put('x', { v: 1 })
  await tb.set('d1', 'x')
  await tb.settle()
  t.match(tb.latest('x')!.tags, { team: 'a', env: 'prod', 'hashicorp:vault': /^vault-sync:/ })
  await tb.put('x', { v: 2 })
  await tb.settle()
  t.equal(tb.azure('x')!.versions.length, 2)
  t.match(tb.latest('x')!.tags, { team: 'a', env: 'prod', 'hashicorp:vault': /^vault-sync:/ }, 'v2 keeps every tag')

  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/destinations/azure-kv/d1', { custom_tags: { team: 'b' } })).statusCode, 200)
  await tb.settle()
  t.equal(tb.azure('x')!.versions.length, 2, 'a tag-only change makes no new version')
  t.match(tb.latest('x')!.tags, { team: 'b', env: 'prod' }, 'applied on the next sync after the destination change')

  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/destinations/azure-kv/d1', { tags_to_remove: ['team'] })).statusCode, 200)
  await tb.set('d1', 'x')
  await tb.settle()
  const tags = tb.latest('x')!.tags!
  t.notOk('team' in tags, 'removed tag is gone')
  t.equal(tags.env, 'prod')
  t.match(await tb.entry('d1', 'x'), { sync_status: 'SYNCED' })
})
