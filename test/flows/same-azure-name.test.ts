// Decisions D-20 (Azure names keep only [0-9A-Za-z-] and compare case-insensitively): a name
// still rendered by a current key of the association is never deleted, and a write and a delete
// of one Azure name never overlap, within an attempt or across associations on the same vault.
// It used to be: renaming `db-pass` to `db_pass` wrote `k-g3-db-pass`, then deleted it in the
// same batch; the entry showed SYNCED over an empty name, and re-writing the value never healed it.
import t, { type Test } from 'tap'
import { vault } from '../helper.js'
import { mergePatch } from '../sync-fixtures.js'
import { holdRequests, startSyncTestbed, type SyncTestbed } from '../sync-testbed.js'

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

/** Two destinations on one vault syncing under the secret's base name (D-20: last write wins). */
async function sharedName (t: Test, extra: Record<string, unknown> = {}): Promise<SyncTestbed> {
  const tb = await startSyncTestbed(t)
  for (const d of ['d1', 'd2']) await tb.destination(d, { secret_name_template: '{{ .SecretBaseName }}', ...extra })
  return tb
}

t.test('a shared name one destination renames away while the other is removed is deleted', async (t) => {
  // Fuzz explorer (seed 1101's last step): d1's rename left its old name in place for d2, and
  // d2's remove left it in place for d1, which still recorded it: "s1" stayed live, recorded by nobody.
  const tb = await sharedName(t)
  await tb.put('s1', { k1: 'a' })
  await tb.set('d1', 's1')
  await tb.set('d2', 's1')
  await tb.settle()
  t.equal((await vault(tb.server.app, 'PATCH', '/v1/sys/sync/destinations/azure-kv/d1', {
    body: { secret_name_template: '{{ .DestinationName }}-{{ .SecretPath }}' }, headers: { 'content-type': 'application/merge-patch+json' }
  })).statusCode, 200)
  await tb.set('d1', 's1') // d1 moves to d1-s1
  await tb.remove('d2', 's1') // no wait
  await tb.converge(() => true)
  await tb.advance(2_000)
  t.same(tb.names(), ['d1-s1'], 'the shared old name is deleted once nobody syncs it')
})

t.test('both holders of a shared name removed back to back: the one that did not write last deletes it', async (t) => {
  // Fuzz explorer: d2 wrote "s1" last and left it in place for d1; d1, removed before its
  // refresh ran, found d2's tag: "left in place: not owned by vault-sync", and "s1" stayed live.
  const tb = await sharedName(t)
  await tb.put('s1', { k1: 'a' })
  await tb.set('d1', 's1')
  await tb.settle()
  await tb.set('d2', 's1') // d2's tag on the latest version
  await tb.settle()
  await tb.advance(2_000)
  await tb.remove('d2', 's1')
  await tb.remove('d1', 's1') // no wait
  await tb.converge(() => true)
  await tb.advance(2_000)
  t.same(tb.names(), [], 'nothing stays live once both are removed')
  t.match(await tb.entry('d1', 's1'), { sync_status: 'UNSYNCED' })
})

t.test('secret-key: a key gone while the destination that wrote its shared name last is removed: the name is deleted', async (t) => {
  // Fuzz seed 4437: d1 (tag on "s1-k2") left the name in place for d2, whose unsync of the gone
  // key then found d1's tag and kept a value no KV version has.
  const tb = await sharedName(t, { granularity: 'secret-key', secret_name_template: '{{ .SecretBaseName }}-{{ .SecretKey }}' })
  await tb.put('x/s1', { k1: 'keep', k2: 'gone' })
  await tb.set('d2', 'x/s1')
  await tb.settle()
  await tb.set('d1', 'x/s1') // d1 writes s1-k1 and s1-k2 last
  await tb.settle()
  await tb.advance(2_000)
  await tb.remove('d1', 'x/s1')
  t.equal((await vault(tb.server.app, 'PATCH', '/v1/secret/data/x/s1', { body: { data: { k2: null } }, headers: { 'content-type': 'application/merge-patch+json' } })).statusCode, 200)
  await tb.converge(() => true)
  await tb.advance(2_000)
  t.same(tb.names(), ['s1-k1'], 's1-k2 is deleted')
  t.match(await tb.entry('d2', 'x/s1', 'k1'), { sync_status: 'SYNCED' })
})

// Fuzz explorer (session 20): d1 syncs x/s1 and d2 syncs y/s1 under one Azure name; the source
// went from both secrets at once, each unsync left the name in place for the other (which still
// recorded it), and the name stayed live with a value no KV version has, recorded by nobody.
for (const c of [
  { what: 'secret-key: two secrets sharing a key\'s name on one vault lose the key together', granularity: 'secret-key', name: 's1-k2', subKey: 'k2' },
  { what: 'two secrets sharing a name on one vault deleted together', granularity: 'secret-path', name: 's1', subKey: undefined }
]) {
  t.test(`${c.what}: the name is deleted`, async (t) => {
    const keyed = c.subKey !== undefined
    const tb = await sharedName(t, keyed ? { granularity: c.granularity, secret_name_template: '{{ .SecretBaseName }}-{{ .SecretKey }}' } : {})
    const paths = { d1: 'x/s1', d2: 'y/s1' }
    for (const [d, path] of Object.entries(paths)) {
      await tb.put(path, { [`${d}-key`]: d, k2: 'gone' })
      await tb.set(d, path)
      await tb.settle()
    }
    await tb.advance(2_000)
    t.ok(tb.names().includes(c.name), 'both sync the shared name')
    // Both attempts start together.
    await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: true })
    for (const path of Object.values(paths)) {
      const res = keyed
        ? await vault(tb.server.app, 'PATCH', `/v1/secret/data/${path}`, { body: { data: { k2: null } }, headers: { 'content-type': 'application/merge-patch+json' } })
        : await vault(tb.server.app, 'DELETE', `/v1/secret/data/${path}`)
      t.equal(res.statusCode, keyed ? 200 : 204)
    }
    await tb.advance(2_000)
    await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: false })
    await tb.converge(() => true)
    await tb.advance(2_000)
    t.same(tb.names(), keyed ? ['s1-d1-key', 's1-d2-key'] : [], `${c.name} is deleted once neither secret has it`)
    for (const [d, path] of Object.entries(paths)) t.match(await tb.entry(d, path, c.subKey), { sync_status: 'UNSYNCED' })
  })
}

t.test('a shared name left in place for a holder of another secret that then loses the key is deleted', async (t) => {
  // Fuzz explorer (session 21, seeds 416, 2165): d1 left "x-k1" in place for d3 and no longer
  // recorded it; d3's unsync then found d1's tag ("left in place: not owned by vault-sync").
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.destination('d3', { granularity: 'secret-key', secret_name_template: '{{ .SecretBaseName }}-{{ .SecretKey }}' })
  await tb.put('c/X', { k1: 'c1' })
  await tb.put('x-k1', { k1: 'one' })
  await tb.set('d3', 'c/X') // "X-k1"
  await tb.settle()
  await tb.set('d1', 'x-k1') // the same Azure name, d1 writes it last
  await tb.settle()
  await tb.advance(2_000)
  t.same(tb.names(), ['X-k1'])
  await tb.remove('d1', 'x-k1') // left in place: also synced by d3
  await tb.put('c/X', { k2: 'c2' }) // no wait: c/X loses k1 before its refresh ran
  await tb.converge(() => true)
  await tb.advance(2_000)
  await tb.converge(() => true)
  t.same(tb.names(), ['X-k2'], 'nobody syncs "x-k1" any more: it is deleted')
  t.match(await tb.entry('d3', 'c/X', 'k1'), { sync_status: 'UNSYNCED' })
})

t.test('a first write that recovered a soft-deleted name and failed: its unsync deletes the recovered value', async (t) => {
  // Fuzz explorer (session 21, seed 2139): the recovery brought back c/X's old value and tag;
  // x, deleted in KV before its retry, then left that value live ("not owned by vault-sync").
  const tb = await startSyncTestbed(t)
  await tb.destination('d3', { granularity: 'secret-key', secret_name_template: '{{ .SecretBaseName }}-{{ .SecretKey }}' })
  await tb.put('c/X', { k1: 'old', k2: 'c2' })
  await tb.set('d3', 'c/X')
  await tb.settle()
  await tb.put('c/X', { k2: 'c2' }) // k1 gone: "X-k1" soft-deleted
  await tb.settle()
  await tb.advance(2_000)
  await tb.put('x', { k1: 'new' })
  const slow = holdRequests(tb, 'POST', '^/deletedsecrets/x-k1/recover$', 200)
  await tb.set('d3', 'x')
  t.equal(await slow.sent(), 1, 'recovery in flight')
  const fail = tb.emu.faults.add({ match: { method: 'PUT', pathRegex: '^/secrets/x-k1$' }, action: { status: 503, code: 'ServiceUnavailable', message: 'busy' }, mode: { untilCleared: true } })
  slow.release()
  await tb.settle()
  t.match(await tb.entry('d3', 'x', 'k1'), { sync_status: 'PENDING' })
  t.equal(tb.latest('x-k1')?.value, 'old', 'the recovery brought the old value back')
  t.equal((await vault(tb.server.app, 'DELETE', '/v1/secret/data/x')).statusCode, 204)
  await tb.advance(1_000)
  tb.emu.faults.remove(fail.id)
  await tb.converge(() => true)
  await tb.advance(2_000)
  await tb.converge(() => true)
  t.same(tb.names(), ['X-k2'], 'the value c/X no longer has is not live again')
})
