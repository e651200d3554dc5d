// FR-01: a soft-deleted Azure name blocks the write: recover, wait, then write; a forbidden
// recover is CLIENT_SIDE_ERROR naming the secret and the right, with no hot retry loop.
// A recovered secret that is not vault-sync's is adopted with a note (FR-25), as a live one is:
// it used to be adopted silently, also when the recovery outlasted the attempt's poll.
import t from 'tap'
import { adminClient } from '../akv-emulator/raw.js'
import { startSyncTestbed } from '../sync-testbed.js'

const RECOVERED_NOTE = 'adopted pre-existing secret (recovered from soft-delete)'

t.test('a soft-deleted name is recovered, then written', async (t) => {
  const tb = await startSyncTestbed(t)
  const sdk = tb.sdk()
  await sdk.setSecret('app-db', 'old-by-hand')
  await (await sdk.beginDeleteSecret('app-db', { intervalInMs: 10 })).pollUntilDone()
  t.equal(tb.emu.vault().inspectSecret('app-db')?.state, 'deleted')
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app-db', { password: 'p1' })
  await tb.set('d1', 'app-db')
  await tb.settle()
  t.match(await tb.entry('d1', 'app-db'), { sync_status: 'SYNCED', message: RECOVERED_NOTE }, 'a hand-made secret: adopted, and the status says so')
  const s = tb.azure('app-db')!
  t.equal(s.versions.length, 2, 'the recovered secret keeps its old version and gains ours')
  t.equal(tb.latest('app-db')!.value, '{"password":"p1"}')
  t.ok(tb.emu.requestLog().some((e) => e.method === 'POST' && /\/deletedsecrets\/app-db\/recover/.test(e.path)), 'recover was called')
})

t.test('the recovery outlasts the attempt\'s poll: the retry writes onto the recovered secret, with the note', async (t) => {
  const tb = await startSyncTestbed(t, { env: { VAULT_SYNC_AZURE_POLL_TIMEOUT: '200ms' } })
  const sdk = tb.sdk()
  await sdk.setSecret('app-db', 'old-by-hand', { tags: { owner: 'dba' } })
  await (await sdk.beginDeleteSecret('app-db', { intervalInMs: 10 })).pollUntilDone()
  t.equal((await adminClient(t, tb.emu)('PATCH', `/vaults/${tb.emu.info.vaults[0].name}/settings`, { beingRecoveredMs: 1000 })).status, 200)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app-db', { password: 'p1' })
  await tb.set('d1', 'app-db')
  await tb.converge(async () => (await tb.entry('d1', 'app-db'))?.sync_status === 'SYNCED', 30_000)
  t.match(await tb.entry('d1', 'app-db'), { sync_status: 'SYNCED', message: RECOVERED_NOTE })
  t.equal(tb.latest('app-db')?.value, '{"password":"p1"}')
  t.equal(tb.emu.requestLog().filter((r) => r.method === 'POST' && /\/deletedsecrets\/app-db\/recover/.test(r.path)).length, 1, 'recovered once')
})

t.test('a soft-deleted secret vault-sync wrote is recovered without a note', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app-db', { password: 'p1' })
  await tb.set('d1', 'app-db')
  await tb.settle()
  await tb.remove('d1', 'app-db')
  await tb.settle()
  t.equal(tb.emu.vault().inspectSecret('app-db')?.state, 'deleted', 'the unsync soft-deleted it')
  await tb.set('d1', 'app-db')
  await tb.settle()
  const e = await tb.entry('d1', 'app-db')
  t.equal(e?.sync_status, 'SYNCED')
  t.notOk(e?.message, 'our own secret: nothing adopted')
  t.ok(tb.emu.requestLog().some((r) => r.method === 'POST' && /\/deletedsecrets\/app-db\/recover/.test(r.path)), 'recovered')
})

t.test('recover forbidden: CLIENT_SIDE_ERROR naming the secret and the missing right', async (t) => {
  const tb = await startSyncTestbed(t)
  const sdk = tb.sdk()
  await sdk.setSecret('app-db', 'old-by-hand')
  await (await sdk.beginDeleteSecret('app-db', { intervalInMs: 10 })).pollUntilDone()
  tb.emu.vault().updateSettings({ policy: { rbacDenies: [{ dataAction: 'Microsoft.KeyVault/vaults/secrets/recover/action' }] } })
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app-db', { password: 'p1' })
  await tb.set('d1', 'app-db')
  await tb.settle()
  const e = await tb.entry('d1', 'app-db')
  t.equal(e?.sync_status, 'CLIENT_SIDE_ERROR')
  t.match(e?.message, /"app-db" is soft-deleted .*secrets\/recover\/action/)
  t.equal(tb.emu.vault().inspectSecret('app-db')?.state, 'deleted', 'never reported SYNCED without a write')
  const recovers = tb.emu.requestLog().filter((r) => /recover/.test(r.path)).length
  await tb.advance(200)
  t.equal(tb.emu.requestLog().filter((r) => /recover/.test(r.path)).length, recovers, 'no hot retry loop (retried only after VAULT_SYNC_CLIENT_ERROR_RETRY)')
})
