// FR-19 with a failing write: a rename (template or granularity change, then associations/set)
// writes the new name first and deletes the old name only once that write succeeded, so a
// refused write (a certificate holds the new name, a 403) leaves the old copy in Azure until a
// later attempt succeeds. It used to delete the old name first: Azure then held nothing.
// While the old name's delete keeps failing, the retries delete it again but do not write the new
// name again (it holds the value since the first attempt): each retry used to add an Azure version.
// A case-only rename is one Azure name (decisions D-20): it writes and deletes nothing.
import t from 'tap'
import { adminClient } from '../akv-emulator/raw.js'
import { mergePatch } from '../sync-fixtures.js'
import { startSyncTestbed, type SyncTestbed } from '../sync-testbed.js'

const lastSeq = (tb: SyncTestbed): number => tb.emu.requestLog().at(-1)?.seq ?? 0
/** The emulator's data-plane calls after `seq`, as `Operation name`. */
const callsSince = (tb: SyncTestbed, seq: number): string[] =>
  tb.emu.requestLog().filter((r) => r.seq > seq && r.operation !== undefined).map((r) => `${r.operation} ${r.path.split('/')[2]}`)

/** `q1` synced as `n2-q1`; then the destination's template becomes `template` (not yet applied). */
async function syncedThenPatched (t: Parameters<typeof startSyncTestbed>[0], template: string): Promise<SyncTestbed> {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: 'n2-{{ .SecretPath }}' })
  await tb.put('q1', { v: 1 })
  await tb.set('d1', 'q1')
  await tb.settle()
  t.same(tb.names(), ['n2-q1'])
  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/destinations/azure-kv/d1', { secret_name_template: template })).statusCode, 200)
  return tb
}

t.test('the new name is taken by a certificate: the old copy stays', async (t) => {
  const tb = await syncedThenPatched(t, 'n3-{{ .SecretPath }}')
  const admin = adminClient(t, tb.emu)
  const vaultName = tb.emu.info.vaults[0].name
  t.equal((await admin('POST', `/vaults/${vaultName}/secrets/n3-q1`, { managed: true, contentType: 'application/x-pkcs12', value: 'MIIC' })).status, 201)
  const seq = lastSeq(tb)
  await tb.set('d1', 'q1')
  await tb.settle()
  t.match(await tb.entry('d1', 'q1'), { sync_status: 'CLIENT_SIDE_ERROR', message: 'name "n3-q1" is taken by a certificate in Azure Key Vault' })
  t.equal(tb.latest('n2-q1')?.value, '{"v":1}', 'the old name still holds the secret')
  t.notOk(callsSince(tb, seq).some((c) => c.startsWith('DeleteSecret')), 'nothing deleted')
  // The certificate goes; the next set renames: the new name first, then the old one deleted.
  t.equal((await admin('DELETE', `/vaults/${vaultName}/secrets/n3-q1`)).status, 204)
  const seq2 = lastSeq(tb)
  await tb.set('d1', 'q1')
  await tb.settle()
  t.match(await tb.entry('d1', 'q1'), { sync_status: 'SYNCED' })
  t.same(tb.names(), ['n3-q1'])
  t.equal(tb.latest('n3-q1')?.value, '{"v":1}')
  const calls = callsSince(tb, seq2)
  t.ok(calls.indexOf('SetSecret n3-q1') >= 0 && calls.indexOf('SetSecret n3-q1') < calls.indexOf('DeleteSecret n2-q1'), `written before the delete: ${calls.join(', ')}`)
  await tb.remove('d1', 'q1')
  await tb.settle()
  t.same(tb.names(), [], 'remove deletes the new name')
})

t.test('a 403 on the new name: the old copy stays, and the retry renames', async (t) => {
  const tb = await syncedThenPatched(t, 'n3-{{ .SecretPath }}')
  tb.emu.faults.add({ match: { method: 'PUT', pathRegex: '^/secrets/n3-q1$' }, action: { status: 403, code: 'Forbidden', message: 'denied by policy' }, mode: { next: 1 } })
  await tb.put('q1', { v: 2 })
  await tb.settle()
  t.same(tb.names(), ['n2-q1'], 'a KV change still updates the old name (the template applies at set)')
  await tb.set('d1', 'q1')
  await tb.settle()
  t.match(await tb.entry('d1', 'q1'), { sync_status: 'CLIENT_SIDE_ERROR', message: /denied by policy/ })
  t.equal(tb.latest('n2-q1')?.value, '{"v":2}', 'the old name still holds the secret')
  await tb.advance(1000) // VAULT_SYNC_CLIENT_ERROR_RETRY (500 ms here)
  t.match(await tb.entry('d1', 'q1'), { sync_status: 'SYNCED' })
  t.same(tb.names(), ['n3-q1'])
  t.equal(tb.latest('n3-q1')?.value, '{"v":2}')
})

t.test('the old name\'s delete fails after the write: both stay until the retry deletes it', async (t) => {
  const tb = await syncedThenPatched(t, 'n3-{{ .SecretPath }}')
  tb.emu.faults.add({ match: { method: 'DELETE', pathRegex: '^/secrets/n2-q1$' }, action: { status: 403, code: 'Forbidden', message: 'no delete' }, mode: { next: 1 } })
  await tb.set('d1', 'q1')
  await tb.settle()
  t.match(await tb.entry('d1', 'q1'), { sync_status: 'CLIENT_SIDE_ERROR', message: /no delete/ })
  t.same(tb.names(), ['n2-q1', 'n3-q1'])
  await tb.advance(1000)
  t.match(await tb.entry('d1', 'q1'), { sync_status: 'SYNCED' })
  t.same(tb.names(), ['n3-q1'], 'the old name is deleted once its delete works')
  await tb.remove('d1', 'q1')
  await tb.settle()
  t.same(tb.names(), [])
})

t.test('the old name\'s delete keeps failing (403): the new name is written once, not by every retry', async (t) => {
  const tb = await syncedThenPatched(t, 'n3-{{ .SecretPath }}')
  const rule = tb.emu.faults.add({ match: { method: 'DELETE', pathRegex: '^/secrets/n2-q1$' }, action: { status: 403, code: 'Forbidden', message: 'no delete' }, mode: { untilCleared: true } })
  const seq = lastSeq(tb)
  await tb.set('d1', 'q1')
  await tb.settle()
  for (let i = 0; i < 3; i++) await tb.advance(1000) // VAULT_SYNC_CLIENT_ERROR_RETRY (500 ms here): three retries
  const calls = callsSince(tb, seq)
  t.equal(calls.filter((c) => c === 'DeleteSecret n2-q1').length, 4, 'the first attempt and each retry tried the old name\'s delete')
  t.same(calls.filter((c) => c.startsWith('SetSecret')), ['SetSecret n3-q1'], 'the new name written by the first attempt only')
  t.equal(tb.azure('n3-q1')!.versions.length, 1, 'one Azure version under the new name')
  t.match(await tb.entry('d1', 'q1'), { sync_status: 'CLIENT_SIDE_ERROR', message: /no delete/ })
  t.same(tb.names(), ['n2-q1', 'n3-q1'])
  // A KV change meanwhile is written under the new name (one version), the old name's delete retried after it.
  const seq2 = lastSeq(tb)
  await tb.put('q1', { v: 2 })
  await tb.settle()
  const changed = callsSince(tb, seq2).filter((c) => !c.startsWith('GetSecret'))
  t.same(changed, ['SetSecret n3-q1', 'DeleteSecret n2-q1'], 'the new value first, then the old name\'s delete')
  t.equal(tb.latest('n3-q1')?.value, '{"v":2}')
  t.equal(tb.azure('n3-q1')!.versions.length, 2)
  tb.emu.faults.remove(rule.id)
  await tb.advance(1000)
  const healed = await tb.entry('d1', 'q1')
  t.match(healed, { sync_status: 'SYNCED' })
  t.notOk(healed?.message, 'SYNCED again without the old delete\'s error message')
  t.same(tb.names(), ['n3-q1'], 'the old name deleted once its delete is allowed')
  t.equal(tb.azure('n3-q1')!.versions.length, 2, 'and still no extra version')
  await tb.remove('d1', 'q1')
  await tb.settle()
  t.same(tb.names(), [])
})

t.test('removed while the old name\'s delete keeps failing: the remove deletes the new name too', async (t) => {
  const tb = await syncedThenPatched(t, 'n3-{{ .SecretPath }}')
  tb.emu.faults.add({ match: { method: 'DELETE', pathRegex: '^/secrets/n2-q1$' }, action: { status: 403, code: 'Forbidden', message: 'no delete' }, mode: { next: 1 } })
  await tb.set('d1', 'q1')
  await tb.settle()
  t.same(tb.names(), ['n2-q1', 'n3-q1'], 'written under the new name; the old one still recorded')
  await tb.remove('d1', 'q1')
  await tb.settle()
  t.same(tb.names(), [], 'both gone: the new name is not left in Azure untracked')
})

t.test('a case-only rename is one Azure name: written, nothing deleted', async (t) => {
  const tb = await syncedThenPatched(t, 'N2-{{ .SecretPath }}')
  const versions = tb.azure('n2-q1')!.versions.length
  const seq = lastSeq(tb)
  await tb.set('d1', 'q1')
  await tb.settle()
  t.match(await tb.entry('d1', 'q1'), { sync_status: 'SYNCED' })
  t.same(callsSince(tb, seq).filter((c) => !c.startsWith('GetSecret')), ['SetSecret N2-q1'], 'one write, no delete, no recovery')
  t.equal(tb.azure('N2-q1')!.versions.length, versions + 1)
  await tb.remove('d1', 'q1')
  await tb.settle()
  t.same(tb.names(), [], 'remove deletes it under its new spelling')
})

t.test('granularity switch: the secret-path copy stays until every key is written', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app', { user: 'u', pass: 'p' })
  await tb.set('d1', 'app')
  await tb.settle()
  tb.emu.vault().putManagedSecret('app-pass', { value: 'MIIC', contentType: 'application/x-pkcs12' })
  await mergePatch(tb.server.app, '/v1/sys/sync/destinations/azure-kv/d1', { granularity: 'secret-key', secret_name_template: '{{ .SecretBaseName }}-{{ .SecretKey }}' })
  await tb.set('d1', 'app')
  await tb.settle()
  t.match(await tb.entry('d1', 'app', 'pass'), { sync_status: 'CLIENT_SIDE_ERROR' })
  t.match(await tb.entry('d1', 'app', 'user'), { sync_status: 'SYNCED' })
  t.equal(tb.latest('app')?.value, '{"pass":"p","user":"u"}', 'the whole secret is still in Azure')
  tb.emu.vault().removeSecret('app-pass')
  await tb.set('d1', 'app')
  await tb.settle()
  t.same(tb.names(), ['app-pass', 'app-user'], 'every key written, then the old name deleted')
  t.equal(tb.latest('app-pass')?.value, 'p')
})
