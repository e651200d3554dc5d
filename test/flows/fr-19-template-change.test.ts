// FR-19: a template (or granularity) change applies to new or refreshed associations only:
// (a) a KV change still updates the old name, (b) a re-set deletes the old name and writes the
// new one, (c) remove deletes whatever the association owns now. Never both names alive.
import t from 'tap'
import { adminClient } from '../akv-emulator/raw.js'
import { startTestServer, vault, type TestServer } from '../helper.js'
import { mergePatch } from '../sync-fixtures.js'
import { emulatorWorkerEnv, startSyncTestbed } from '../sync-testbed.js'

t.test('template change, then value change, refresh and remove', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1')
  await tb.put('app', { v: 1 })
  await tb.set('d1', 'app')
  await tb.settle()
  const oldName = await tb.defaultName('app')
  t.same(tb.names(), [oldName])
  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/destinations/azure-kv/d1', { secret_name_template: '{{ .SecretBaseName }}' })).statusCode, 200)
  await tb.put('app', { v: 2 })
  await tb.settle()
  t.same(tb.names(), [oldName], '(a) the old name is updated')
  t.equal(tb.latest(oldName)!.value, '{"v":2}')
  await tb.set('d1', 'app')
  await tb.settle()
  t.same(tb.names(), ['app'], '(b) refresh: old name deleted, new name written')
  t.equal(tb.latest('app')!.value, '{"v":2}')
  t.match(await tb.entry('d1', 'app'), { sync_status: 'SYNCED' })
  await tb.remove('d1', 'app')
  await tb.settle()
  t.same(tb.names(), [], '(c) remove deletes the current name')
})

t.test('granularity switch secret-path -> secret-key on refresh', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app', { user: 'u', pass: 'p' })
  await tb.set('d1', 'app')
  await tb.settle()
  t.same(tb.names(), ['app'])
  await mergePatch(tb.server.app, '/v1/sys/sync/destinations/azure-kv/d1', { granularity: 'secret-key', secret_name_template: '{{ .SecretBaseName }}-{{ .SecretKey }}' })
  await tb.set('d1', 'app')
  await tb.settle()
  t.same(tb.names(), ['app-pass', 'app-user'])
  t.match(await tb.entry('d1', 'app', 'user'), { sync_status: 'SYNCED' })
})

t.test('a crash while a rename recovers the new (soft-deleted) name: after the restart, neither name is left behind', async (t) => {
  const tb = await startSyncTestbed(t, { env: { VAULT_SYNC_AZURE_POLL_TIMEOUT: '10m' } })
  const D1 = '/v1/sys/sync/destinations/azure-kv/d1'
  const template = async (prefix: string): Promise<void> => {
    t.equal((await mergePatch(tb.server.app, D1, { secret_name_template: `${prefix}-{{ .SecretBaseName }}` })).statusCode, 200)
  }
  await tb.destination('d1', { secret_name_template: 'r-{{ .SecretBaseName }}' })
  await tb.put('app', { v: 1 })
  await tb.set('d1', 'app')
  await tb.settle()
  await template('s')
  await tb.set('d1', 'app')
  await tb.settle()
  t.same(tb.names(), ['s-app'], 'renamed: r-app deleted (soft-deleted, ours)')
  // Back to r-: the write finds r-app soft-deleted and recovers it; Azure takes ten minutes.
  t.equal((await adminClient(t, tb.emu)('PATCH', `/vaults/${tb.emu.info.vaults[0].name}/settings`, { beingRecoveredMs: 600_000 })).status, 200)
  await template('r')
  const from = tb.emu.requestLog().at(-1)?.seq ?? 0
  await tb.set('d1', 'app')
  for (let i = 0; i < 400 && !tb.emu.requestLog({ since: from }).some((r) => r.operation === 'RecoverDeletedSecret'); i++) await new Promise((resolve) => setTimeout(resolve, 25))
  t.ok(tb.emu.requestLog({ since: from }).some((r) => r.operation === 'RecoverDeletedSecret'), 'the recovery is under way')
  // The server goes away before the attempt settles (as a crash would: nothing settled records r-app).
  await tb.server.close()
  // Meanwhile (a restart without the worker, so nothing retries first) the user renames back to s-
  // and removes the association.
  const restart = async (env: Record<string, string>): Promise<TestServer> => await startTestServer(t, { ...emulatorWorkerEnv(tb.emu.info), ...tb.server.storageEnv, ...env }, { dir: tb.server.dir })
  const api = await restart({})
  t.equal((await mergePatch(api.app, D1, { secret_name_template: 's-{{ .SecretBaseName }}' })).statusCode, 200)
  t.equal((await vault(api.app, 'POST', `${D1}/associations/set`, { body: { mount: 'secret', secret_name: 'app' } })).statusCode, 200)
  t.equal((await vault(api.app, 'POST', `${D1}/associations/remove`, { body: { mount: 'secret', secret_name: 'app' } })).statusCode, 200)
  await api.close()
  tb.emu.clock.advance(600_000) // Azure is done recovering: r-app is live again, with the old value
  const again = await restart({ VAULT_SYNC_WORKER: 'on' })
  for (let i = 0; i < 1200 && (await again.services.store.repos.outbox.count() > 0 || tb.names().length > 0); i++) {
    again.worker?.wake()
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  // r-app was recovered by an attempt that never settled: nothing recorded it, and it stayed live.
  t.same(tb.names(), [], 'neither name is live in Azure')
  await again.close()
})
