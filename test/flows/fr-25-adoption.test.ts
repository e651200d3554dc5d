// FR-25: an existing hand-made secret is adopted: new version with our value and tags (foreign
// tags dropped, decisions D-3), the old value kept as an older version, a note in the status.
import t from 'tap'
import { vault } from '../helper.js'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('adopting billing-key', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.sdk().setSecret('billing-key', 'X', { tags: { owner: 'finance' } })
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}', custom_tags: { team: 'pay' } })
  await tb.put('billing-key', { v: 'Y' })
  await tb.set('d1', 'billing-key')
  await tb.settle()
  const s = tb.azure('billing-key')!
  t.equal(s.versions.length, 2)
  t.equal(s.versions[0].value, 'X', 'X stays retrievable as an older version')
  t.equal(tb.latest('billing-key')!.value, '{"v":"Y"}')
  t.same(Object.keys(tb.latest('billing-key')!.tags!).sort(), ['hashicorp:vault', 'team'], 'custom tags + the built-in tag only')
  t.match(await tb.entry('d1', 'billing-key'), { sync_status: 'SYNCED', message: 'adopted pre-existing secret' })
  const bySecret = await vault(tb.server.app, 'GET', '/v1/sys/sync/associations/destinations?mount=secret&secret_name=billing-key')
  t.match(bySecret.json().data.associated_destinations['azure-kv/d1'], { sync_status: 'SYNCED', message: 'adopted pre-existing secret' },
    'the by-secret view shows the note too (README: both views carry errors and notes)')
  await tb.remove('d1', 'billing-key')
  await tb.settle()
  t.equal(tb.azure('billing-key'), undefined, 'adopted and owned: a later unsync deletes it (FR-12 rules)')
})

t.test('adopting a disabled hand-made secret: its tags read from the version listing, the note says so', async (t) => {
  const tb = await startSyncTestbed(t)
  const theirs = await tb.sdk().setSecret('legacy-key', 'X', { tags: { owner: 'finance' } })
  await tb.sdk().updateSecretProperties('legacy-key', theirs.properties.version!, { enabled: false })
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('legacy-key', { v: 'Y' })
  await tb.set('d1', 'legacy-key')
  await tb.settle()
  t.match(await tb.entry('d1', 'legacy-key'), { sync_status: 'SYNCED', message: 'adopted pre-existing secret' },
    'Get Secret answers 403 SecretDisabled; the listing shows a foreign latest version')
  const s = tb.azure('legacy-key')!
  t.match(s.versions, [{ value: 'X', enabled: false }, { value: '{"v":"Y"}', enabled: true }], 'ours on top, theirs kept (disabled)')
})
