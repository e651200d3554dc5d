// Removing an association whose Azure secret someone disabled (explorer): Get Secret of a disabled
// latest version answers 403 SecretDisabled, so the ownership check could not read its tags and
// the secret (value included) was left in Azure, UNSYNCED with "left in place: its latest version
// is disabled". The check now reads the latest version's tags from Get Secret Versions (metadata
// only, readMetadata): ours is deleted (and purged with purge_on_unsync) like any owned secret;
// someone else's disabled secret under the name stays, with the ownership note.
import t, { type Test } from 'tap'
import { startSyncedTestbed, vaultCallsOn, type SyncTestbed } from '../sync-testbed.js'

/** A testbed with `app` synced by d1 to the Azure name `app`. */
const synced = async (t: Test, extra: Record<string, unknown> = {}): Promise<SyncTestbed> =>
  await startSyncedTestbed(t, 'app', { secret_name_template: '{{ .SecretBaseName }}', ...extra })

/** `operation status` of the Key Vault calls on `app` logged after `from`. */
const callsOn = (tb: SyncTestbed, from: number): string[] => vaultCallsOn(tb, from, 'app')

const seqNow = (tb: SyncTestbed): number => tb.emu.requestLog().at(-1)?.seq ?? 0

t.test('disabled out of band (emulator admin), then removed: the secret is deleted, UNSYNCED without a note', async (t) => {
  const tb = await synced(t)
  t.equal(tb.emu.vault().edit('app', { op: 'disable' }).enabled, false)
  const from = seqNow(tb)
  await tb.remove('d1', 'app')
  await tb.settle()
  const entry = await tb.entry('d1', 'app')
  t.equal(entry?.sync_status, 'UNSYNCED')
  t.notOk(entry?.message, 'no "left in place" note')
  t.equal(tb.azure('app'), undefined, 'no live secret in Azure')
  t.equal(tb.emu.vault().inspectSecret('app')?.state, 'deleted', 'soft-deleted, as any unsynced secret')
  t.same(callsOn(tb, from).slice(0, 3), ['GetSecret 403', 'GetSecretVersions 200', 'DeleteSecret 200'],
    'Get Secret refused (disabled), the tags read from the version listing, then the delete')
})

t.test('disabled with the SDK (update properties enabled=false), purge_on_unsync: deleted and purged', async (t) => {
  const tb = await synced(t, { purge_on_unsync: true })
  const version = tb.latest('app')!.version
  await tb.sdk().updateSecretProperties('app', version, { enabled: false })
  await tb.remove('d1', 'app')
  await tb.settle()
  const entry = await tb.entry('d1', 'app')
  t.equal(entry?.sync_status, 'UNSYNCED')
  t.notOk(entry?.message, 'no note')
  t.equal(tb.emu.vault().inspectSecret('app'), undefined, 'purged: neither active nor soft-deleted')
})

t.test('someone else\'s disabled secret under the name stays in place, with the ownership note', async (t) => {
  const tb = await synced(t, { purge_on_unsync: true })
  // Someone re-creates the name with their own secret and disables it.
  const theirs = tb.emu.vault().edit('app', { op: 'recreate', value: 'theirs', tags: { owner: 'team-x' } })
  tb.emu.vault().edit('app', { op: 'disable' })
  await tb.remove('d1', 'app')
  await tb.settle()
  t.match(await tb.entry('d1', 'app'), { sync_status: 'UNSYNCED', message: 'left in place: not owned by vault-sync' })
  t.match(tb.latest('app'), { version: theirs.version, value: 'theirs', enabled: false, tags: { owner: 'team-x' } }, 'not deleted, still disabled')
})

t.test('a disabled foreign version on top of ours (tagged by another owner): left in place', async (t) => {
  const tb = await synced(t)
  const ours = tb.latest('app')!.version
  const top = tb.emu.vault().edit('app', { op: 'new-version', value: 'pipeline', tags: { 'hashicorp:vault': 'someone-else' } })
  tb.emu.vault().edit('app', { op: 'disable' })
  await tb.remove('d1', 'app')
  await tb.settle()
  t.match(await tb.entry('d1', 'app'), { sync_status: 'UNSYNCED', message: 'left in place: not owned by vault-sync' })
  const s = tb.azure('app')
  t.same(s?.versions.map((v) => v.version), [ours, top.version], 'both versions still there')
})
