// What a drift finding changes about the worker's next write (issue 21), end to end: a dev server
// whose worker syncs into the Key Vault emulator over HTTPS with the real SDK, out-of-band edits
// made through the emulator's admin side. A target a sweep found `ownership-lost` is never written
// over by an ordinary KV-driven sync (CLIENT_SIDE_ERROR naming why), while an explicit
// `associations/set` adopts it (D-8) and a name shared with another destination on the same vault
// stays last-write-wins. A repair of a metadata drift is the property PATCH the plan shows (no new
// version). Azure calls are counted by the emulator's request log.
import t from 'tap'
import type { Test } from 'tap'
import { startSyncTestbed, type SyncTestbed } from '../sync-testbed.js'
import { vault } from '../helper.js'
import { mergePatch } from '../sync-fixtures.js'

const DEST = '/v1/sys/sync-ext/destinations/azure-kv/d1'
const kvValue = (v: string): string => JSON.stringify({ v })
const owner = (tb: SyncTestbed, n: string): string | undefined => tb.latest(n)?.tags?.['hashicorp:vault']

async function setup (t: Test, names: string[]): Promise<SyncTestbed> {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  for (const n of names) {
    t.equal((await tb.put(n, { v: `${n}-0` })).statusCode, 200)
    t.equal((await tb.set('d1', n)).statusCode, 200)
  }
  await tb.settle()
  return tb
}

/** Key Vault calls that reached the service since `seq`, by method. */
function calls (tb: SyncTestbed, since: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const e of tb.emu.requestLog({ since })) if (e.family === 'vault' && e.outcome === undefined) out[e.method] = (out[e.method] ?? 0) + 1
  return out
}
const lastSeq = (tb: SyncTestbed): number => tb.emu.requestLog().at(-1)?.seq ?? 0
const sweep = async (tb: SyncTestbed) => (await tb.server.drift!.sweepNow()).get('azure-kv/d1')
async function planOf (tb: SyncTestbed, n: string): Promise<{ state: string, action: string, action_version: string, reason: string }> {
  const res = await vault(tb.server.app, 'GET', `${DEST}/plan?mount=secret&secret_name=${n}`)
  return res.json().data.targets[0]
}

t.test('ownership lost (re-created, foreign tag): a new KV version is not written over it; associations/set adopts it', async (t) => {
  const tb = await setup(t, ['rc', 'fo', 'ok'])
  const v = tb.emu.vault()
  v.edit('rc', { op: 'recreate', value: 'someone-elses' })
  v.edit('fo', { op: 'new-version', value: 'theirs', tags: { 'hashicorp:vault': 'vault-sync:another-server:x' } })
  await sweep(tb)
  for (const n of ['rc', 'fo']) t.match(await planOf(tb, n), { state: 'ownership-lost', action: 'none', reason: /never taken over/ }, `${n}: ownership lost`)

  for (const n of ['rc', 'fo', 'ok']) t.equal((await tb.put(n, { v: `${n}-1` })).statusCode, 200)
  await tb.settle()
  t.equal(tb.latest('rc')?.value, 'someone-elses', 're-created name: not written over')
  t.equal(owner(tb, 'rc'), undefined, 'nor tagged as ours')
  t.equal(tb.latest('fo')?.value, 'theirs', 'foreign-tagged name: not written over')
  t.equal(owner(tb, 'fo'), 'vault-sync:another-server:x')
  for (const n of ['rc', 'fo']) {
    const entry = await tb.entry('d1', n)
    t.equal(entry?.sync_status, 'CLIENT_SIDE_ERROR', `${n}: refused`)
    t.match(entry?.message, new RegExp(`^name "${n}" is owned by someone else in Azure Key Vault \\(ownership lost\\).*associations/set adopts it`))
  }
  t.equal(tb.latest('ok')?.value, kvValue('ok-1'), 'an unflagged target syncs as before')
  t.equal((await tb.entry('d1', 'ok'))?.sync_status, 'SYNCED')

  // An unflagged write costs no ownership read: one PUT, no GET.
  let seq = lastSeq(tb)
  t.equal((await tb.put('ok', { v: 'ok-2' })).statusCode, 200)
  await tb.settle()
  t.same(calls(tb, seq), { PUT: 1 }, 'an ordinary write makes no extra read')

  // An explicit associations/set takes the name over (D-8: last write wins on set).
  seq = lastSeq(tb)
  t.equal((await tb.set('d1', 'rc')).statusCode, 200)
  await tb.settle()
  t.equal(tb.latest('rc')?.value, kvValue('rc-1'), 'set adopts the re-created name')
  t.ok(owner(tb, 'rc')?.startsWith('vault-sync:') ?? false, 'with our tag')
  t.equal((await tb.entry('d1', 'rc'))?.sync_status, 'SYNCED')
  t.equal(calls(tb, seq).GET ?? 0, 0, 'the set checks nothing first')
  t.equal((await tb.entry('d1', 'fo'))?.sync_status, 'CLIENT_SIDE_ERROR', 'the other stays refused')
  const after = await sweep(tb)
  t.equal(after?.states['ownership-lost'], 1, 'only fo is still lost after the next sweep')
  t.equal((await planOf(tb, 'rc')).state, 'in-sync')
})

t.test('ownership lost to a disabled version (foreign tag): still never written over', async (t) => {
  // Get Secret of the disabled latest version answers 403 SecretDisabled: the guard reads its tags
  // from the version listing instead (before, it took "disabled" as "may write" and took the name over).
  const tb = await setup(t, ['fd'])
  const v = tb.emu.vault()
  const theirs = v.edit('fd', { op: 'new-version', value: 'theirs', tags: { 'hashicorp:vault': 'vault-sync:another-server:x' } })
  v.edit('fd', { op: 'disable' })
  await sweep(tb)
  t.match(await planOf(tb, 'fd'), { state: 'ownership-lost', action: 'none' })
  t.equal((await tb.put('fd', { v: 'fd-1' })).statusCode, 200)
  await tb.settle()
  t.match(tb.latest('fd'), { version: theirs.version, value: 'theirs', enabled: false }, 'not written over')
  t.match(await tb.entry('d1', 'fd'), { sync_status: 'CLIENT_SIDE_ERROR', message: /^name "fd" is owned by someone else in Azure Key Vault \(ownership lost\)/ })
})

t.test('a name shared with another destination on the same vault stays last-write-wins after a sweep', async (t) => {
  const tb = await setup(t, ['sh'])
  await tb.destination('d2', { secret_name_template: '{{ .SecretBaseName }}' })
  t.equal((await tb.set('d2', 'sh')).statusCode, 200)
  await tb.settle()
  await sweep(tb)
  t.equal((await planOf(tb, 'sh')).state, 'ownership-lost', 'd2 wrote last: d1 sees another owner tag')
  t.equal((await tb.put('sh', { v: 'sh-1' })).statusCode, 200)
  await tb.settle()
  t.equal(tb.latest('sh')?.value, kvValue('sh-1'))
  t.equal((await tb.entry('d1', 'sh'))?.sync_status, 'SYNCED', 'd1 may write over its sibling association\'s version')
  t.equal((await tb.entry('d2', 'sh'))?.sync_status, 'SYNCED')
})

t.test('a repair refused because ownership was lost is adopted by an explicit associations/set', async (t) => {
  const tb = await setup(t, ['nv'])
  t.equal((await vault(tb.server.app, 'POST', `${DEST}/drift`, { body: { mode: 'repair' } })).statusCode, 200)
  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: true })).statusCode, 200)
  const v = tb.emu.vault()
  v.edit('nv', { op: 'new-version', value: 'from-a-pipeline' })
  t.equal((await sweep(tb))?.repairs_queued, 1)
  v.edit('nv', { op: 'recreate', value: 'someone-elses' })
  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: false })).statusCode, 200)
  await tb.settle()
  t.equal(tb.latest('nv')?.value, 'someone-elses')
  t.match(await tb.entry('d1', 'nv'), { sync_status: 'CLIENT_SIDE_ERROR', message: /ownership lost.*associations\/set adopts it/ })
  t.equal((await tb.set('d1', 'nv')).statusCode, 200)
  await tb.settle()
  t.equal(tb.latest('nv')?.value, kvValue('nv-0'), 'set adopts it')
  t.equal((await tb.entry('d1', 'nv'))?.sync_status, 'SYNCED')
})

t.test('repair of a metadata drift is one property PATCH of the version the plan names: no new version', async (t) => {
  const tb = await setup(t, ['tg', 'ct', 'ds'])
  t.equal((await vault(tb.server.app, 'POST', `${DEST}/drift`, { body: { mode: 'repair' } })).statusCode, 200)
  const before = Object.fromEntries(['tg', 'ct', 'ds'].map((n) => [n, { version: tb.latest(n)!.version, tags: tb.latest(n)!.tags, contentType: tb.latest(n)!.contentType }]))
  const v = tb.emu.vault()
  v.edit('tg', { op: 'patch', tags: { env: 'portal' } })
  v.edit('ct', { op: 'patch', contentType: 'text/x-edited' })
  v.edit('ds', { op: 'disable' })
  // The plan is computed before the repair runs (sync disabled meanwhile, so the queued jobs wait).
  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: true })).statusCode, 200)
  t.equal((await sweep(tb))?.repairs_queued, 3)
  for (const n of ['tg', 'ct', 'ds']) t.match(await planOf(tb, n), { state: 'drifted-metadata', action: 'update-properties', action_version: before[n].version }, `${n}: the plan says update-properties`)
  const seq = lastSeq(tb)
  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: false })).statusCode, 200)
  await tb.settle()
  const c = calls(tb, seq)
  t.equal(c.PUT ?? 0, 0, 'no set-secret: no new version')
  t.equal(c.PATCH, 3, 'one property update each')
  for (const n of ['tg', 'ct', 'ds']) {
    const latest = tb.latest(n)!
    t.equal(tb.azure(n)?.versions.length, 1, `${n}: still one version`)
    t.equal(latest.version, before[n].version, `${n}: the recorded version, repaired in place`)
    t.same(latest.tags, before[n].tags, `${n}: tags back`)
    t.equal(latest.contentType, before[n].contentType, `${n}: content type back`)
    t.equal(latest.enabled, true, `${n}: enabled`)
    t.equal((await tb.entry('d1', n))?.sync_status, 'SYNCED')
  }
  const next = await sweep(tb)
  t.same(next?.states, { 'in-sync': 3 }, 'the next sweep finds them in sync (evidence moved to the PATCH)')

  // A KV change made before the repair runs: the value differs from the version's, so repair writes.
  v.edit('tg', { op: 'patch', tags: { env: 'portal' } })
  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: true })).statusCode, 200)
  t.equal((await sweep(tb))?.repairs_queued, 1)
  t.equal((await tb.put('tg', { v: 'tg-1' })).statusCode, 200)
  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: false })).statusCode, 200)
  await tb.settle()
  t.equal(tb.latest('tg')?.value, kvValue('tg-1'), 'the current KV value, in a new version')
  t.equal(tb.azure('tg')?.versions.length, 2)
  t.ok(owner(tb, 'tg')?.startsWith('vault-sync:') ?? false)
})
