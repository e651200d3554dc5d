// purge_on_unsync survives a failed purge: when the attempt that deleted the Azure secret could not
// purge it (a 5xx, a crash or a timeout between the delete and the purge), the retry finds the
// live secret gone and looks at the soft-deleted one (Get Deleted Secret): this association's,
// it is purged; still being deleted, the retry comes later; someone else's, it is left alone.
// Before, the retry saw 404 on the live secret and reported UNSYNCED, leaving the secret
// recoverable for 90 days. That the delete was ours while Azure still deletes it (Get Deleted
// Secret 404) is stored with the association (its leftover names), so a restarted server purges
// it too: before, only the driver's memory knew, and the new process reported UNSYNCED.
import t, { type Test } from 'tap'
import { adminClient } from '../akv-emulator/raw.js'
import { startTestServer, vault } from '../helper.js'
import { emulatorWorkerEnv, startSyncedTestbed, vaultCallsOn, type SyncTestbed } from '../sync-testbed.js'

const syncedWithPurge = async (t: Test, env: Record<string, string> = {}): Promise<SyncTestbed> =>
  await startSyncedTestbed(t, 'p0', { secret_name_template: 'p-{{ .SecretBaseName }}', purge_on_unsync: true }, env)

/** `operation status` of the Key Vault calls on `p-p0` logged after `from`. */
const callsOn = (tb: SyncTestbed, from: number): string[] => vaultCallsOn(tb, from, 'p-p0')

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

t.test('a restart while Azure is still deleting: the new process purges the secret once Azure is done', async (t) => {
  const env = { VAULT_SYNC_AZURE_POLL_TIMEOUT: '200ms' }
  const tb = await syncedWithPurge(t, env)
  // Azure keeps the deleted name "being deleted" (Get Deleted Secret 404, purge 409) until the
  // emulator's clock moves ten minutes on.
  t.equal((await adminClient(t, tb.emu)('PATCH', `/vaults/${tb.emu.info.vaults[0].name}/settings`, { beingDeletedMs: 600_000 })).status, 200)
  const accessor = (await vault(tb.server.app, 'GET', '/v1/sys/mounts/secret')).json().data.accessor as string
  const from = tb.emu.requestLog().at(-1)?.seq ?? 0
  await tb.remove('d1', 'p0')
  // The deleting attempt timed out polling; a retry found the soft-deleted secret unreadable, and
  // its purge was answered 409: Azure is still deleting it.
  await waitFor(() => callsOn(tb, from).includes('PurgeDeletedSecret 409'), () => `a purge tried: ${callsOn(tb, from).join(', ')}`)
  t.same(callsOn(tb, from).filter((c) => c.startsWith('DeleteSecret')), ['DeleteSecret 200'], 'deleted, not purged yet')

  // Restart: a new server on the same storage and seal key, while Azure is still deleting.
  await tb.server.close()
  const restarted = tb.emu.requestLog().at(-1)?.seq ?? 0
  const again = await startTestServer(t, { VAULT_SYNC_WORKER: 'on', ...emulatorWorkerEnv(tb.emu.info), ...env, ...tb.server.storageEnv }, { dir: tb.server.dir })
  const entry = async (): Promise<{ sync_status: string, message?: string } | undefined> =>
    (await vault(again.app, 'GET', '/v1/sys/sync/destinations/azure-kv/d1/associations')).json().data.associated_secrets[`${accessor}/p0`]
  const after = (): string[] => callsOn(tb, restarted)
  // The new process knows the delete was this association's (stored with it): it tries the purge
  // (409 while Azure deletes). It used to take the unreadable soft-deleted secret for someone
  // else's and settle UNSYNCED, leaving it recoverable once Azure was done.
  await waitFor(async () => after().includes('PurgeDeletedSecret 409') || (await entry())?.sync_status === 'UNSYNCED', () => `the restarted worker's calls: ${after().join(', ')}`, again)
  t.ok(after().includes('PurgeDeletedSecret 409'), `the restarted worker tried the purge: ${after().join(', ')}`)
  tb.emu.clock.advance(600_000) // Azure is done deleting
  await waitFor(async () => await again.services.store.repos.outbox.count() === 0 && (await entry())?.sync_status === 'UNSYNCED', async () => JSON.stringify(await entry()), again)
  t.equal(tb.emu.vault().inspectSecret('p-p0'), undefined, 'purged: neither active nor soft-deleted')
  t.same(after().slice(-2), ['GetDeletedSecret 200', 'PurgeDeletedSecret 204'], 'this association\'s soft-deleted secret, purged')
  t.notOk((await entry())?.message, 'no note')
  const [association] = await again.services.store.repos.associations.ofDestination((await again.services.store.repos.destinations.live('azure-kv', 'd1'))!.id)
  t.equal(association.leftover_names, null, 'nothing left to remove once purged')
  await again.close() // before the emulator does (the testbed's teardown)
})

/** Polls `done` every 25 ms (waking `server`'s worker) for up to 60 s; throws with `what()` when it never holds. */
async function waitFor (done: () => boolean | Promise<boolean>, what: () => string | Promise<string>, server?: { worker?: { wake: () => void } }): Promise<void> {
  const until = Date.now() + 60_000
  while (!await done()) {
    if (Date.now() > until) throw new Error(`timed out waiting: ${await what()}`)
    server?.worker?.wake()
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
