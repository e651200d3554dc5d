// FR-03: names that collide after normalisation and case folding are refused before any write,
// inside one association and across associations of one destination.
import t, { type Test } from 'tap'
import { vault } from '../helper.js'
import { mergePatch } from '../sync-fixtures.js'
import { holdRequests, startSyncTestbed, type SyncTestbed } from '../sync-testbed.js'

t.test('inside one association: neither key is written, the message names both', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { granularity: 'secret-key', secret_name_template: '{{ .SecretKey }}' })
  await tb.put('app', { db_pass: 'A', 'db-pass': 'B', other: 'C' })
  await tb.set('d1', 'app')
  await tb.settle()
  for (const key of ['db_pass', 'db-pass']) {
    const e = await tb.entry('d1', 'app', key)
    t.equal(e?.sync_status, 'CLIENT_SIDE_ERROR', key)
    t.match(e?.message, /keys "db-pass" and "db_pass" map to the same Azure Key Vault name "db-pass"/)
  }
  t.match(await tb.entry('d1', 'app', 'other'), { sync_status: 'SYNCED' })
  t.same(tb.names(), ['other'], 'nothing written for the colliding keys')
  const puts = tb.emu.requestLog().filter((r) => r.method === 'PUT').length
  await tb.server.worker!.reconcileNow()
  await tb.settle()
  t.equal(tb.emu.requestLog().filter((r) => r.method === 'PUT').length, puts, 'no write retried while the secret is unchanged')
  // Case folding: API_KEY vs api_key.
  await tb.put('app', { API_KEY: 'A', api_key: 'B' })
  await tb.settle()
  t.match(await tb.entry('d1', 'app', 'API_KEY'), { sync_status: 'CLIENT_SIDE_ERROR', message: /"API_KEY" and "api_key"/ })
  t.equal(tb.azure('api-key'), undefined)
})

t.test('across associations of one destination: the later one is refused', async (t) => {
  const tb = await secondRefused(t)
  t.match(await tb.entry('d1', 'a/x'), { sync_status: 'SYNCED' })
  t.match(await tb.entry('d1', 'b/x'), { sync_status: 'CLIENT_SIDE_ERROR', message: 'name "x" is owned by secret/a/x' })
  t.equal(tb.latest('x')!.value, '{"v":"first"}', 'the first owner\'s value is intact')
})

t.test('across associations of one destination, both first writes in one worker pass: the later one is refused', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('s1', { v: 'from-s1' })
  await tb.put('x/s1', { v: 'from-x-s1' })
  // No settle between the two sets: both attempts are loaded before either has recorded the
  // name. Both used to write it and show SYNCED, x/s1 over s1's value.
  await tb.set('d1', 'x/s1')
  await tb.set('d1', 's1')
  await tb.settle()
  const statuses = [(await tb.entry('d1', 'x/s1'))?.sync_status, (await tb.entry('d1', 's1'))?.sync_status].sort()
  t.same(statuses, ['CLIENT_SIDE_ERROR', 'SYNCED'], 'one of the two reports the collision')
  t.equal(tb.azure('s1')?.versions.length, 1, 'only the first wrote the name')
  await tb.advance(2_000)
  t.equal((await vault(tb.server.app, 'DELETE', '/v1/sys/sync/destinations/azure-kv/d1?purge=true')).statusCode, 204)
  await tb.converge(() => true)
  t.same(tb.names(), [], 'the purge leaves nothing live')
})

t.test('across destinations on one vault, both purged at once: the shared name goes', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.destination('d2', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app', { v: 1 })
  await tb.set('d2', 'app')
  await tb.settle()
  await tb.set('d1', 'app') // d1 writes last: the secret carries its tag
  await tb.settle()
  await tb.advance(2_000)
  for (const d of ['d1', 'd2']) t.equal((await vault(tb.server.app, 'DELETE', `/v1/sys/sync/destinations/azure-kv/${d}?purge=true`)).statusCode, 204)
  await tb.converge(() => true)
  t.same(tb.names(), [], 'nothing left live in Azure')
  for (const d of ['d1', 'd2']) t.equal((await vault(tb.server.app, 'GET', `/v1/sys/sync/destinations/azure-kv/${d}`)).statusCode, 404, `${d} purged`)
})

/**
 * Seed 1101's start: s1 syncs "s1", is removed, x/s1 takes the name and s1 is set again, with no
 * settle between: s1's unsync is still queued when x/s1 takes the name (s1 no longer holds it
 * once removed) and when s1 is set again, still recording the name.
 */
async function takenWhileRemoved (t: Test): Promise<SyncTestbed> {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('s1', { v: 'from-s1' })
  await tb.put('x/s1', { v: 'from-x-s1' })
  await tb.set('d1', 's1')
  await tb.settle()
  await tb.remove('d1', 's1')
  await tb.set('d1', 'x/s1')
  await tb.set('d1', 's1')
  await tb.settle()
  return tb
}

t.test('a name taken while its holder was removed stays with the taker when the holder is set again', async (t) => {
  // Both used to write it, each over the other's value, and both showed SYNCED (seed 1101).
  const tb = await takenWhileRemoved(t)
  t.match(await tb.entry('d1', 'x/s1'), { sync_status: 'SYNCED' })
  t.match(await tb.entry('d1', 's1'), { sync_status: 'CLIENT_SIDE_ERROR', message: 'name "s1" is owned by secret/x/s1' })
  t.equal(tb.latest('s1')!.value, '{"v":"from-x-s1"}', "the taker's value is live")
  await tb.put('s1', { v: 'from-s1-again' })
  await tb.put('x/s1', { v: 'from-x-s1-again' })
  await tb.settle()
  t.equal(tb.latest('s1')!.value, '{"v":"from-x-s1-again"}', 'later writes of the refused association are refused too')
  t.match(await tb.entry('d1', 's1'), { sync_status: 'CLIENT_SIDE_ERROR' })
  // The taker leaves: the name goes back to the association still recording it.
  await tb.remove('d1', 'x/s1')
  await tb.converge(async () => (await tb.entry('d1', 's1'))?.sync_status === 'SYNCED')
  t.equal(tb.latest('s1')!.value, '{"v":"from-s1-again"}', 's1 writes its own value once the name is free')
})

t.test('the holder renames away while the refused association is removed: the old name is deleted', async (t) => {
  // Fuzz seed 1101's last step: x/s1 held "s1" (s1, set again, was refused). x/s1's rename left
  // its old name in place for s1, still recording it, and s1's remove found x/s1's tag on it
  // ("not owned"): "s1" stayed live with x/s1's old value, recorded by nobody.
  const tb = await takenWhileRemoved(t)
  t.match(await tb.entry('d1', 's1'), { sync_status: 'CLIENT_SIDE_ERROR' })
  t.equal((await vault(tb.server.app, 'PATCH', '/v1/sys/sync/destinations/azure-kv/d1', {
    body: { secret_name_template: '{{ .DestinationName }}-{{ .SecretPath }}' }, headers: { 'content-type': 'application/merge-patch+json' }
  })).statusCode, 200)
  // x/s1's rename is loaded (its old name left in place for s1, which records it) before s1's remove.
  const slow = holdRequests(tb, 'PUT', '^/secrets/d1-x-s1$', 500)
  await tb.set('d1', 'x/s1') // x/s1 moves to d1-x-s1
  t.equal(await slow.sent(), 1, 'x/s1\'s rename in flight')
  await tb.remove('d1', 's1')
  slow.release()
  await tb.converge(() => true)
  await tb.advance(2_000)
  t.same(tb.names(), ['d1-x-s1'], 'nobody syncs "s1" any more: it is deleted')
})

// Session 21: the refused association used to wait for a change of its own, in error naming a
// holder that no longer held the name, its secret never in Azure.
for (const [how, letGo] of [
  ['is removed', async (tb: SyncTestbed) => await tb.remove('d1', 'a/x')],
  ['has its secret deleted', async (tb: SyncTestbed) => await vault(tb.server.app, 'DELETE', '/v1/secret/data/a/x')]
] as const) {
  t.test(`across associations of one destination: the refused one takes the name once its holder ${how}`, async (t) => {
    const tb = await secondRefused(t)
    t.match(await tb.entry('d1', 'b/x'), { sync_status: 'CLIENT_SIDE_ERROR', message: 'name "x" is owned by secret/a/x' })
    await letGo(tb)
    await tb.converge(async () => (await tb.entry('d1', 'b/x'))?.sync_status === 'SYNCED', 5_000)
    t.equal(tb.latest('x')!.value, '{"v":"second"}', 'the refused association\'s value is live')
    t.notOk((await tb.entry('d1', 'b/x'))?.message, 'no message left naming the old holder')
  })
}

t.test('across associations of one destination: refused while the holder lets the name go, it takes the name', async (t) => {
  // Fuzz explorer (session 21): the refusal, decided at load, was stored after the holder's
  // settle had looked for refused associations; nothing woke it.
  const tb = await startSyncTestbed(t)
  await tb.destination('d3', { granularity: 'secret-key', secret_name_template: '{{ .SecretBaseName }}-{{ .SecretKey }}' })
  await tb.put('a/x', { k1: 'a1' })
  await tb.put('b/x', { k2: 'b2' })
  await tb.set('d3', 'a/x') // a/x holds "x-k1"
  await tb.settle()
  await tb.set('d3', 'b/x') // b/x syncs "x-k2"
  await tb.settle()
  await tb.advance(2_000)
  // b/x now wants "x-k1" too (refused at load: a/x holds it); its delete of "x-k2" keeps it out.
  const slow = holdRequests(tb, 'DELETE', '^/secrets/x-k2$', 500)
  await tb.put('b/x', { k1: 'b1' })
  t.equal(await slow.sent(), 1, "b/x's attempt in flight")
  await tb.remove('d3', 'a/x')
  await tb.converge(async () => (await tb.entry('d3', 'a/x', 'k1'))?.sync_status === 'UNSYNCED', 10_000)
  slow.release()
  await tb.converge(async () => (await tb.entry('d3', 'b/x', 'k1'))?.sync_status === 'SYNCED', 10_000)
  t.equal(tb.latest('x-k1')?.value, 'b1', 'b/x takes the freed name')
})

t.test('refused for a name whose first write was in flight: takes it once that writer leaves without recording it', async (t) => {
  // Fuzz explorer (session 21, seed 2055): c/X only claimed the name; its remove freed nothing recorded.
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('c/X', { v: 'c' })
  await tb.put('a/x', { v: 'a' })
  // c/X's first write of "X" is slow and fails (503) while a/x is loaded.
  const failing = tb.emu.faults.add({ match: { method: 'PUT', pathRegex: '^/secrets/X$' }, action: { latencyMs: 300, status: 503, code: 'ServiceUnavailable', message: 'busy' }, mode: { untilCleared: true } })
  await tb.set('d1', 'c/X')
  for (let i = 0; i < 400 && (tb.emu.faults.list().find((r) => r.id === failing.id)?.hits ?? 0) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25))
  await tb.set('d1', 'a/x')
  await tb.settle()
  t.match(await tb.entry('d1', 'a/x'), { sync_status: 'CLIENT_SIDE_ERROR', message: 'name "x" is owned by secret/c/X' })
  t.match(await tb.entry('d1', 'c/X'), { sync_status: 'PENDING' }, 'c/X still trying')
  await tb.remove('d1', 'c/X')
  tb.emu.faults.remove(failing.id)
  await tb.converge(async () => (await tb.entry('d1', 'a/x'))?.sync_status === 'SYNCED', 10_000)
  t.equal(tb.latest('x')?.value, '{"v":"a"}', 'a/x takes the name nobody holds')
})

t.test('refused while its holder let the name go and another took it: the refusal names the new holder', async (t) => {
  // Fuzz explorer (session 21, seed 192): x was refused naming c/X, which let "X-k1" go while
  // a/x's first write of it was in flight; x's look after its settle saw a/x's claim and stopped.
  const tb = await startSyncTestbed(t)
  await tb.destination('d3', { granularity: 'secret-key', secret_name_template: '{{ .SecretBaseName }}-{{ .SecretKey }}' })
  await tb.put('c/X', { k1: 'c' })
  await tb.set('d3', 'c/X') // c/X holds "X-k1"
  await tb.settle()
  await tb.put('a/x', { k1: 'a' })
  await tb.set('d3', 'a/x') // refused naming c/X (stored)
  await tb.put('x', { k2: 'one' })
  await tb.set('d3', 'x')
  await tb.settle()
  await tb.advance(2_000)
  await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: true })
  t.equal((await vault(tb.server.app, 'PATCH', '/v1/secret/data/c/X', { body: { data: { k1: null, k2: 'c2' } }, headers: { 'content-type': 'application/merge-patch+json' } })).statusCode, 200)
  await tb.put('x', { k1: 'x', k2: 'two' }) // x wants "x-k1" now: refused at load, c/X still records it
  const holds = [holdRequests(tb, 'DELETE', '^/secrets/X-k1$', 300), holdRequests(tb, 'PUT', '^/secrets/x-k2$', 700), holdRequests(tb, 'PUT', '^/secrets/x-k1$', 1_500)]
  await tb.advance(2_000)
  await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: false })
  t.ok(await holds[2].sent() > 0, "a/x's first write of x-k1 in flight")
  for (const h of holds) h.release()
  await tb.converge(() => true, 10_000)
  await tb.advance(2_000)
  await tb.converge(() => true, 10_000)
  t.match(await tb.entry('d3', 'a/x', 'k1'), { sync_status: 'SYNCED' })
  t.match(await tb.entry('d3', 'x', 'k1'), { sync_status: 'CLIENT_SIDE_ERROR', message: 'name "x-k1" is owned by secret/a/x' })
})

/** d1 syncs a/x and b/x under their base name "x": a/x, set first, holds it; b/x is refused. */
async function secondRefused (t: Test): Promise<SyncTestbed> {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('a/x', { v: 'first' })
  await tb.put('b/x', { v: 'second' })
  await tb.set('d1', 'a/x')
  await tb.settle()
  await tb.set('d1', 'b/x')
  await tb.settle()
  return tb
}
