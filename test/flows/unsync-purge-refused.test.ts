// Issue 14.1: a refused purge is not a failed unsync. With purge_on_unsync the driver deletes,
// then purges; when Key Vault refuses the purge (purge protection, or RBAC without
// secrets/purge/action) the delete still happened, so the association is UNSYNCED and its
// message says the purge was refused and why.
import t, { type Test } from 'tap'
import { adminClient } from '../akv-emulator/raw.js'
import { startSyncedTestbed, type SyncTestbed } from '../sync-testbed.js'

/** Changes the vault's settings through the emulator's admin API, as an operator would at Azure. */
async function azureSettings (t: Test, tb: SyncTestbed, patch: unknown): Promise<void> {
  const vault = tb.emu.info.vaults[0].name
  t.equal((await adminClient(t, tb.emu)('PATCH', `/vaults/${vault}/settings`, patch)).status, 200)
}

const syncedWithPurge = async (t: Test): Promise<SyncTestbed> =>
  await startSyncedTestbed(t, 'app', { secret_name_template: '{{ .SecretBaseName }}', purge_on_unsync: true })

t.test('purge protection turned on at Azure: UNSYNCED, purge refused and why', async (t) => {
  const tb = await syncedWithPurge(t)
  await azureSettings(t, tb, { purgeProtection: true })
  await tb.remove('d1', 'app')
  await tb.settle()
  const e = await tb.entry('d1', 'app')
  t.equal(e?.sync_status, 'UNSYNCED')
  t.match(e?.message, /purge refused/)
  t.match(e?.message, /purge protection|not allowed/i, 'says why')
  t.equal(tb.emu.vault().inspectSecret('app')?.state, 'deleted', 'deleted, left soft-deleted')
  const purges = tb.emu.requestLog().filter((r) => r.operation === 'PurgeDeletedSecret')
  t.same(purges.map((r) => r.status), [403], 'one purge, refused; not retried')
})

t.test('RBAC without secrets/purge/action: UNSYNCED, purge refused with ForbiddenByRbac', async (t) => {
  const tb = await syncedWithPurge(t)
  await azureSettings(t, tb, { policy: { rbacDenies: [{ dataAction: 'Microsoft.KeyVault/vaults/secrets/purge/action' }] } })
  await tb.remove('d1', 'app')
  await tb.settle()
  const e = await tb.entry('d1', 'app')
  t.equal(e?.sync_status, 'UNSYNCED')
  t.match(e?.message, /purge refused.*ForbiddenByRbac/)
  t.equal(tb.emu.vault().inspectSecret('app')?.state, 'deleted')
  const assoc = await tb.associations('d1')
  t.same(Object.values(assoc).map((a) => a.sync_status), ['UNSYNCED'])
})
