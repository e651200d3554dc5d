// purge_on_unsync survives a failed purge: when the attempt that deleted the Azure secret could not
// purge it (a 5xx, a crash or a timeout between the delete and the purge), the retry finds the
// live secret gone and looks at the soft-deleted one (Get Deleted Secret): this association's,
// it is purged; still being deleted, the retry comes later; someone else's, it is left alone.
// Before, the retry saw 404 on the live secret and reported UNSYNCED, leaving the secret
// recoverable for 90 days.
import t, { type Test } from 'tap'
import { adminClient } from '../akv-emulator/raw.js'
import { startSyncTestbed, type SyncTestbed } from '../sync-testbed.js'

async function syncedWithPurge (t: Test, env: Record<string, string> = {}): Promise<SyncTestbed> {
  const tb = await startSyncTestbed(t, { env })
  await tb.destination('d1', { secret_name_template: 'p-{{ .SecretBaseName }}', purge_on_unsync: true })
  await tb.put('p0', { v: 1 })
  await tb.set('d1', 'p0')
  await tb.settle()
  t.match(await tb.entry('d1', 'p0'), { sync_status: 'SYNCED' })
  return tb
}

/** `operation status` of the Key Vault calls on `p-p0` logged after `from`. */
const callsOn = (tb: SyncTestbed, from: number): string[] => tb.emu.requestLog({ since: from })
  .filter((r) => r.family === 'vault' && r.outcome !== 'unauthorized' && /\/p-p0(\/|$)/.test(r.path))
  .map((r) => `${r.operation} ${r.status}`)

t.test('a purge that failed with 500: the retry purges the soft-deleted secret', async (t) => {
  const tb = await syncedWithPurge(t)
  const from = tb.emu.requestLog().at(-1)?.seq ?? 0
  tb.emu.faults.add({ match: { method: 'DELETE', pathRegex: 'deletedsecrets/p-p0' }, action: { status: 500 }, mode: { next: 1 } })
  await tb.remove('d1', 'p0')
  await tb.converge(async () => (await tb.entry('d1', 'p0'))?.sync_status === 'UNSYNCED', 30_000)
  t.equal(tb.emu.vault().inspectSecret('p-p0'), undefined, 'purged: neither active nor soft-deleted')
  const calls = callsOn(tb, from)
  t.same(calls.filter((c) => c.startsWith('PurgeDeletedSecret')), ['PurgeDeletedSecret 500', 'PurgeDeletedSecret 204'], 'purged on the retry')
  t.same(calls.slice(calls.indexOf('PurgeDeletedSecret 500') + 1), ['GetSecret 404', 'GetDeletedSecret 200', 'PurgeDeletedSecret 204'],
    'the retry: live secret gone, the soft-deleted one read (this association\'s), purged')
  t.notOk((await tb.entry('d1', 'p0'))?.message, 'no note')
})

t.test('deleted, then the attempt timed out while Azure was still deleting: purged once the delete is done', async (t) => {
  // The emulator keeps a deleted name "being deleted" for 1.5 s (Get Deleted Secret 404, purge
  // 409 ObjectIsBeingDeleted), longer than the delete poller may wait here (200 ms).
  const tb = await syncedWithPurge(t, { VAULT_SYNC_AZURE_POLL_TIMEOUT: '200ms' })
  const vault = tb.emu.info.vaults[0].name
  t.equal((await adminClient(t, tb.emu)('PATCH', `/vaults/${vault}/settings`, { beingDeletedMs: 1500 })).status, 200)
  const from = tb.emu.requestLog().at(-1)?.seq ?? 0
  await tb.remove('d1', 'p0')
  await tb.converge(async () => (await tb.entry('d1', 'p0'))?.sync_status === 'UNSYNCED', 30_000)
  t.equal(tb.emu.vault().inspectSecret('p-p0'), undefined, 'purged: neither active nor soft-deleted')
  const calls = callsOn(tb, from)
  t.same(calls.filter((c) => c.startsWith('DeleteSecret')), ['DeleteSecret 200'], 'deleted once')
  t.ok(calls.includes('PurgeDeletedSecret 409'), 'a purge while Azure was still deleting was answered 409, and retried')
  t.equal(calls.at(-1), 'PurgeDeletedSecret 204')
})

t.test('a soft-deleted secret that is not this association\'s is never purged', async (t) => {
  const tb = await syncedWithPurge(t)
  // Someone replaces the secret with their own, then deletes it: the name holds a foreign soft-deleted secret.
  tb.emu.vault().edit('p-p0', { op: 'recreate', value: 'theirs' })
  tb.emu.vault().edit('p-p0', { op: 'delete' })
  const from = tb.emu.requestLog().at(-1)?.seq ?? 0
  await tb.remove('d1', 'p0')
  await tb.settle()
  t.equal((await tb.entry('d1', 'p0'))?.sync_status, 'UNSYNCED')
  t.equal(tb.emu.vault().inspectSecret('p-p0')?.state, 'deleted', 'still soft-deleted, recoverable by its owner')
  const calls = callsOn(tb, from)
  t.same(calls, ['GetSecret 404', 'GetDeletedSecret 200'], 'looked, did not purge')
})
