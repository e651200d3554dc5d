// Decisions D-20 (Azure names keep only [0-9A-Za-z-] and compare case-insensitively): a name
// still rendered by a current key of the association is never deleted, and a write and a delete
// of one Azure name never overlap, within an attempt or across associations on the same vault.
// It used to be: renaming `db-pass` to `db_pass` wrote `k-g3-db-pass`, then deleted it in the
// same batch; the entry showed SYNCED over an empty name, and re-writing the value never healed it.
import t from 'tap'
import { mergePatch } from '../sync-fixtures.js'
import { startSyncTestbed, type SyncTestbed } from '../sync-testbed.js'

/** The emulator's requests after `seq`, as `Operation name` (the name is the path's second segment). */
const callsSince = (tb: SyncTestbed, seq: number): string[] =>
  tb.emu.requestLog().filter((r) => r.seq > seq).map((r) => `${r.operation} ${r.path.split('/')[2]}`)
const lastSeq = (tb: SyncTestbed): number => tb.emu.requestLog().at(-1)?.seq ?? 0

for (const [from, to, name] of [['db-pass', 'db_pass', 'k-g3-db-pass'], ['Key', 'key', 'k-g3-key']]) {
  t.test(`secret-key: renaming key ${from} to ${to} (one Azure name) keeps the secret`, async (t) => {
    const tb = await startSyncTestbed(t)
    await tb.destination('d1', { granularity: 'secret-key', secret_name_template: 'k-{{ .SecretPath }}-{{ .SecretKey }}' })
    await tb.put('g3', { [from]: 'one' })
    await tb.set('d1', 'g3')
    await tb.settle()
    t.equal(tb.latest(name)?.value, 'one')
    const seq = lastSeq(tb)
    await tb.put('g3', { [to]: 'two' })
    await tb.settle()
    t.equal(tb.latest(name)?.value, 'two', 'Azure holds the new key\'s value')
    t.notOk(callsSince(tb, seq).some((c) => c.startsWith('DeleteSecret')), `no delete: ${callsSince(tb, seq).join(', ')}`)
    t.match(await tb.entry('d1', 'g3', to), { sync_status: 'SYNCED' })
    t.match(await tb.entry('d1', 'g3', from), { sync_status: 'UNSYNCED', message: `left in place: now synced for key "${to}"` })
    // The name is the new key's now: a value change writes it, and remove deletes it.
    await tb.put('g3', { [to]: 'three' })
    await tb.settle()
    t.equal(tb.latest(name)?.value, 'three')
    await tb.remove('d1', 'g3')
    await tb.settle()
    t.equal(tb.azure(name), undefined, 'remove deletes the name the new key recorded')
  })
}

t.test('secret-key: a gone key\'s name taken by a key that cannot be written stays in Azure', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { granularity: 'secret-key', secret_name_template: 'k-{{ .SecretKey }}' })
  await tb.put('g4', { 'db-pass': 'one' })
  await tb.set('d1', 'g4')
  await tb.settle()
  tb.emu.faults.add({ match: { method: 'PUT', pathRegex: '^/secrets/k-db-pass$' }, action: { status: 403, code: 'Forbidden', message: 'denied' }, mode: { next: 1 } })
  await tb.put('g4', { db_pass: 'two' })
  await tb.settle()
  t.match(await tb.entry('d1', 'g4', 'db_pass'), { sync_status: 'CLIENT_SIDE_ERROR' })
  t.equal(tb.latest('k-db-pass')?.value, 'one', 'the old value stays until the new one is written')
  t.notMatch(await tb.entry('d1', 'g4', 'db-pass'), { sync_status: 'UNSYNCED' }, 'the gone key still holds the name')
  await tb.advance(1000) // VAULT_SYNC_CLIENT_ERROR_RETRY (500 ms here)
  t.equal(tb.latest('k-db-pass')?.value, 'two')
  t.match(await tb.entry('d1', 'g4', 'db-pass'), { sync_status: 'UNSYNCED' })
  t.match(await tb.entry('d1', 'g4', 'db_pass'), { sync_status: 'SYNCED' })
})

t.test('an unsync on one destination and a first write of the same name on another never overlap', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.destination('d2', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('a/x', { v: 'old' })
  await tb.put('b/X', { v: 'new' })
  await tb.set('d1', 'a/x')
  await tb.settle()
  // Both attempts start together: d1's unsync of `x` reads its owner tag at once, and its
  // delete arrives late; d2 writes `X` (the same Azure name) meanwhile.
  await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: true })
  await tb.remove('d1', 'a/x')
  await tb.set('d2', 'b/X')
  tb.emu.faults.add({ match: { method: 'DELETE', pathRegex: '^/secrets/x$' }, action: { latencyMs: 300 }, mode: { next: 1 } })
  await tb.advance(1000) // past d1's write spacing (VAULT_SYNC_MIN_WRITE_INTERVAL), so both start at once
  await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: false })
  await tb.settle()
  t.match(await tb.entry('d2', 'b/X'), { sync_status: 'SYNCED' })
  t.equal(tb.latest('x')?.value, '{"v":"new"}', 'd2\'s write survives d1\'s unsync')
  t.match(await tb.entry('d1', 'a/x'), { sync_status: 'UNSYNCED' })
})

t.test('a removed association whose failed first write of a shared name is left in place settles its entry UNSYNCED', async (t) => {
  // Fuzz seeds 4676 and 4680: d2's first write of "s1" (which d1 syncs) failed and stayed its
  // leftover; its remove only had that leftover to clean up, left in place for d1, and the entry
  // kept PENDING with the failed write's error (or UNSYNCING) forever.
  const tb = await startSyncTestbed(t)
  const opts = { secret_name_template: '{{ .SecretBaseName }}' }
  await tb.destination('d1', opts)
  await tb.destination('d2', opts)
  await tb.put('s1', { k1: 'a' })
  await tb.set('d1', 's1')
  await tb.settle()
  await tb.advance(2_000)
  const reset = tb.emu.faults.add({ match: { pathRegex: '^/secrets/' }, action: { reset: true }, mode: { untilCleared: true } })
  await tb.set('d2', 's1')
  await tb.settle()
  t.match(await tb.entry('d2', 's1'), { sync_status: 'PENDING' }, 'the first write failed (a transient error)')
  tb.emu.faults.remove(reset.id)
  await tb.remove('d2', 's1')
  await tb.converge(async () => (await tb.entry('d2', 's1'))?.sync_status !== 'UNSYNCING')
  t.match(await tb.entry('d2', 's1'), { sync_status: 'UNSYNCED', message: 'left in place: also synced by d1' })
  t.same(tb.names(), ['s1'], 'd1 still syncs s1')
  t.match(await tb.entry('d1', 's1'), { sync_status: 'SYNCED' })
})
