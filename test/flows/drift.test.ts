// Drift (issue 21) end to end: a dev server whose worker syncs into the Key Vault emulator over
// HTTPS with the real SDK; out-of-band edits made through the emulator's admin side (a new
// untagged version, a tag-only patch, a disable, a delete, a purge, a purge and re-create) are
// found by one sweep, shown in the plan (sys/sync-ext) with the right state, left alone in detect
// mode, repaired in repair mode through ordinary sync jobs (current KV value, ownership tag), never
// re-created when missing unless repair_missing is set, never taken over when ownership is lost.
// Azure calls are counted by the emulator's request log.
import t from 'tap'
import type { Test } from 'tap'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { startServer } from '../../src/server.js'
import { emulatorWorkerEnv, startSyncTestbed, type SyncTestbed } from '../sync-testbed.js'
import { ROOT_TOKEN, vault } from '../helper.js'
import { mergePatch } from '../sync-fixtures.js'

const NAMES = ['nv', 'tg', 'ds', 'dl', 'pg', 'rc', 'ok']
const kvValue = (n: string, round = 0): string => JSON.stringify({ v: `kv-${n}-${round}` })
const DEST = '/v1/sys/sync-ext/destinations/azure-kv/d1'

interface PlanTarget { name: string, state: string, changes: string[], action: string, reason: string, recorded_version: string, remote_version: string, mount: string, secret_name: string }

async function setup (t: Test): Promise<SyncTestbed> {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  for (const n of NAMES) {
    t.equal((await tb.put(n, { v: `kv-${n}-0` })).statusCode, 200)
    t.equal((await tb.set('d1', n)).statusCode, 200)
  }
  await tb.settle()
  for (const n of NAMES) t.equal(tb.latest(n)?.value, kvValue(n), `${n} synced`)
  return tb
}

/** The out-of-band edits, one per target (`ok` is left alone). */
function editAll (tb: SyncTestbed): void {
  const v = tb.emu.vault()
  v.edit('nv', { op: 'new-version', value: 'from-a-pipeline' })
  v.edit('tg', { op: 'patch', tags: { env: 'portal' } })
  v.edit('ds', { op: 'disable' })
  v.edit('dl', { op: 'delete' })
  v.edit('pg', { op: 'purge' })
  v.edit('rc', { op: 'recreate', value: 'someone-elses' })
}

/** Key Vault calls that reached the service since `seq`, by method. */
function calls (tb: SyncTestbed, since: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const e of tb.emu.requestLog({ since })) if (e.family === 'vault' && e.outcome === undefined) out[e.method] = (out[e.method] ?? 0) + 1
  return out
}
const lastSeq = (tb: SyncTestbed): number => tb.emu.requestLog().at(-1)?.seq ?? 0
const writes = (c: Record<string, number>): number => (c.PUT ?? 0) + (c.PATCH ?? 0) + (c.POST ?? 0) + (c.DELETE ?? 0)

async function plan (tb: SyncTestbed, query = ''): Promise<{ mode: string, targets: PlanTarget[], unchecked: unknown[] }> {
  const res = await vault(tb.server.app, 'GET', `${DEST}/plan${query}`)
  if (res.statusCode !== 200) throw new Error(`plan: ${res.statusCode} ${res.body}`)
  return res.json().data
}
const byName = (targets: PlanTarget[]): Record<string, PlanTarget> => Object.fromEntries(targets.map((e) => [e.name, e]))
const sweep = async (tb: SyncTestbed) => (await tb.server.drift!.sweepNow()).get('azure-kv/d1')

t.test('detect (the default): each edit found by one sweep, shown in the plan, nothing written', async (t) => {
  const tb = await setup(t)
  const before = Object.fromEntries(NAMES.map((n) => [n, tb.latest(n)?.version]))
  editAll(tb)
  const seq = lastSeq(tb)
  const summary = await sweep(tb)
  t.ok(summary?.complete, 'the LIST was read to its end')
  t.equal(summary?.error, null)
  t.equal(summary?.checked, NAMES.length, 'every target got a finding')
  const c = calls(tb, seq)
  t.equal(writes(c), 0, 'a sweep never writes')
  t.equal(c.GET, (summary?.list_calls ?? 0) + (summary?.reads ?? 0), 'every call is the sweep\'s (LIST pages + suspect reads)')
  t.ok((summary?.reads ?? 0) <= 2 * 6, 'at most two reads per suspect, none for the untouched target')

  const p = byName((await plan(tb)).targets)
  t.equal(p.nv.state, 'drifted-value')
  t.same(p.nv.changes, ['new-version', 'value', 'tags', 'content-type'], 'an untagged version of another value, without a content type')
  t.equal(p.nv.action, 'write')
  t.not(p.nv.remote_version, p.nv.recorded_version)
  t.equal(p.tg.state, 'drifted-metadata')
  t.same(p.tg.changes, ['tags'])
  t.equal(p.tg.action, 'update-properties')
  t.equal(p.ds.state, 'drifted-metadata')
  t.same(p.ds.changes, ['disabled'])
  t.equal(p.dl.state, 'remote-missing')
  t.equal(p.dl.action, 'none')
  t.match(p.dl.reason, /repair_missing/)
  t.equal(p.pg.state, 'remote-missing')
  t.equal(p.rc.state, 'ownership-lost')
  t.same(p.rc.changes, ['recreated'])
  t.match(p.rc.reason, /never taken over/)
  t.equal(p.ok.state, 'in-sync')
  t.equal(p.ok.action, 'none')
  t.notMatch(JSON.stringify(p), /hmac|kv-nv|from-a-pipeline|someone-elses/, 'never a value or a digest')

  const one = await plan(tb, '?mount=secret&secret_name=nv')
  t.same(one.targets.map((e) => e.name), ['nv'], 'the per-secret plan')
  t.equal((await vault(tb.server.app, 'GET', `${DEST}/plan?mount=secret`)).statusCode, 400, 'mount without secret_name is a 400')
  t.equal((await vault(tb.server.app, 'GET', '/v1/sys/sync-ext/destinations/azure-kv/nope/plan')).statusCode, 404)

  await tb.settle()
  t.equal(await tb.server.services.store.repos.outbox.count(), 0, 'detect mode queues nothing')
  t.equal(tb.latest('nv')?.value, 'from-a-pipeline', 'left alone')
  t.same(tb.latest('tg')?.tags, { env: 'portal' }, 'left alone')
  t.equal(tb.latest('ok')?.version, before.ok)

  const status = (await vault(tb.server.app, 'GET', '/v1/sys/sync-ext/status')).json().data
  const d = status.destinations.find((x: { name: string }) => x.name === 'd1')
  t.equal(d.drift.mode, 'detect')
  t.equal(d.drift.drifted, 6)
  t.same(d.drift.states, { 'in-sync': 1, 'drifted-metadata': 2, 'drifted-value': 1, 'remote-missing': 2, 'ownership-lost': 1 })
  const metric = await tb.server.app.metrics.registry.getSingleMetricAsString('vaultsync_drift_detected_total')
  t.match(metric, /vaultsync_drift_detected_total\{kind="value"\} 1/)
  t.match(metric, /vaultsync_drift_detected_total\{kind="missing"\} 2/)
  t.match(metric, /vaultsync_drift_detected_total\{kind="recreated"\} 1/)

  // A second sweep finds the same drift: no new detections counted, still nothing written.
  const seq2 = lastSeq(tb)
  await sweep(tb)
  t.equal(writes(calls(tb, seq2)), 0)
  t.match(await tb.server.app.metrics.registry.getSingleMetricAsString('vaultsync_drift_detected_total'), /kind="value"\} 1/, 'a known finding is not counted again')

  // Mode off: no sweep at all.
  t.equal((await vault(tb.server.app, 'POST', `${DEST}/drift`, { body: { mode: 'off' } })).statusCode, 200)
  const seq3 = lastSeq(tb)
  t.equal(await sweep(tb), undefined, 'off: not swept')
  t.same(calls(tb, seq3), {}, 'off: no Azure call')
})

t.test('repair: drifted targets rewritten to the current KV value with the ownership tag; missing not re-created; lost not taken over', async (t) => {
  const tb = await setup(t)
  const set = await vault(tb.server.app, 'POST', `${DEST}/drift`, { body: { mode: 'repair' } })
  t.equal(set.statusCode, 200)
  t.same(set.json().data.overridden, ['mode'])
  const okVersion = tb.latest('ok')?.version
  editAll(tb)
  const summary = await sweep(tb)
  t.equal(summary?.repairs_queued, 3, 'new version, tags and disable are queued; missing and lost are not')
  await tb.settle()
  const owner = (n: string): string | undefined => tb.latest(n)?.tags?.['hashicorp:vault']
  for (const n of ['nv', 'tg', 'ds']) {
    t.equal(tb.latest(n)?.value, kvValue(n), `${n}: the current KV value again`)
    t.ok(owner(n)?.startsWith('vault-sync') ?? false, `${n}: carries the ownership tag`)
    t.equal(tb.latest(n)?.enabled, true)
  }
  t.equal(tb.azure('dl'), undefined, 'a deleted secret is not re-created without repair_missing')
  t.equal(tb.azure('pg'), undefined, 'nor a purged one')
  t.equal(tb.latest('rc')?.value, 'someone-elses', 'a purged-and-re-created name is never taken over')
  t.equal(owner('rc'), undefined)
  t.equal(tb.latest('ok')?.version, okVersion, 'the untouched target got no new version')
  const entries = await tb.associations('d1')
  t.ok(Object.values(entries).every((e) => e.sync_status === 'SYNCED'), 'Vault\'s sync_status keeps its meaning')

  const seq = lastSeq(tb)
  await sweep(tb)
  await tb.settle()
  t.equal(writes(calls(tb, seq)), 0, 'the next sweep finds nothing to repair')
  const p = byName((await plan(tb)).targets)
  for (const n of ['nv', 'tg', 'ds', 'ok']) t.equal(p[n].state, 'in-sync', `${n} in sync after the repair`)
  t.equal(p.dl.state, 'remote-missing')
  t.equal(p.rc.state, 'ownership-lost')
})

t.test('repair with repair_missing: deleted and purged secrets are re-created from KV', async (t) => {
  const tb = await setup(t)
  t.equal((await vault(tb.server.app, 'PUT', `${DEST}/drift`, { body: { mode: 'repair', repair_missing: true, interval: '10m' } })).statusCode, 200)
  const settings = (await vault(tb.server.app, 'GET', `${DEST}/drift`)).json().data
  t.same(settings, { mode: 'repair', interval: '10m0s', repair_missing: true, overridden: ['interval', 'mode', 'repair_missing'], supported: true })
  t.equal((await vault(tb.server.app, 'POST', `${DEST}/drift`, { body: { interval: '5s' } })).statusCode, 400, 'interval under 1m is a 400')
  t.equal((await vault(tb.server.app, 'POST', `${DEST}/drift`, { body: { mode: 'fix' } })).statusCode, 400)
  const v = tb.emu.vault()
  v.edit('dl', { op: 'delete' })
  v.edit('pg', { op: 'purge' })
  v.edit('rc', { op: 'recreate', value: 'someone-elses' })
  const summary = await sweep(tb)
  t.equal(summary?.repairs_queued, 2)
  await tb.settle()
  for (const n of ['dl', 'pg']) {
    t.equal(tb.latest(n)?.value, kvValue(n), `${n} re-created with the current KV value`)
    t.ok(tb.latest(n)?.tags?.['hashicorp:vault'] !== undefined, `${n} with the ownership tag`)
  }
  t.equal(tb.latest('rc')?.value, 'someone-elses', 'ownership lost: still never taken over')
  t.equal((await vault(tb.server.app, 'DELETE', `${DEST}/drift`)).statusCode, 204)
  t.equal((await vault(tb.server.app, 'GET', `${DEST}/drift`)).json().data.mode, 'detect', 'back to the server default')
})

t.test('a reconciliation, a sweep and a restart with no drift write no Azure version', async (t) => {
  const tb = await setup(t)
  const versions = (): string[] => NAMES.map((n) => tb.latest(n)?.version ?? '')
  const before = versions()
  const seq = lastSeq(tb)
  await tb.server.worker!.reconcileNow()
  await tb.settle()
  const first = await sweep(tb)
  t.same(first?.states, { 'in-sync': NAMES.length }, 'every target in sync')
  t.equal(first?.reads, 0, 'unchanged LIST items cost no read')
  // Restart: a new server process on the same database and seal key, worker on.
  await tb.server.close()
  const config = loadConfig({ dbPath: tb.server.dbPath, listenAddress: '127.0.0.1:0', sealKeyFile: join(tb.server.dir, 'seal.key') },
    { VAULT_SYNC_LOG_LEVEL: 'silent', VAULT_SYNC_WORKER: 'on', ...tb.server.storageEnv, ...emulatorWorkerEnv(tb.emu.info) })
  const again = await startServer({ config, dev: { rootTokenId: ROOT_TOKEN } })
  t.teardown(async () => { await again.close() })
  await again.worker!.whenIdle()
  await again.worker!.reconcileNow()
  await again.worker!.whenIdle()
  const second = (await again.drift!.sweepNow()).get('azure-kv/d1')
  t.same(second?.states, { 'in-sync': NAMES.length }, 'still in sync after the restart (evidence survived it)')
  await again.worker!.whenIdle()
  t.equal(writes(calls(tb, seq)), 0, 'no write, no property update, no delete')
  t.same(versions(), before, 'no new Azure version')
})

t.test('sweeps run per destination when their interval has passed (server default 1h, or the override)', async (t) => {
  const tb = await setup(t)
  await tb.destination('d2', { secret_name_template: 'd2-{{ .SecretBaseName }}' })
  t.equal((await tb.set('d2', 'ok')).statusCode, 200)
  await tb.settle()
  t.equal((await vault(tb.server.app, 'POST', '/v1/sys/sync-ext/destinations/azure-kv/d2/drift', { body: { interval: '2h' } })).statusCode, 200)
  const due = async (): Promise<string[]> => [...(await tb.server.drift!.sweepDue()).keys()]
  t.same(await due(), [], 'nothing is due right after start')
  await tb.advance(61 * 60_000)
  t.same(await due(), ['azure-kv/d1'], 'd1 after the server\'s hour; d2 waits for its 2h')
  t.same(await due(), [], 'd1 swept: due again an hour later')
  await tb.advance(60 * 60_000)
  t.same(await due(), ['azure-kv/d1', 'azure-kv/d2'])
  const status = (await vault(tb.server.app, 'GET', '/v1/sys/sync-ext/status')).json().data
  for (const d of status.destinations) t.not(d.drift.last_sweep_at, null, `${d.name} shows its last sweep`)
})

t.test('a queued repair passes every gate: held while sync is disabled, and refused once ownership is lost', async (t) => {
  const tb = await setup(t)
  t.equal((await vault(tb.server.app, 'POST', `${DEST}/drift`, { body: { mode: 'repair' } })).statusCode, 200)
  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: true })).statusCode, 200)
  const v = tb.emu.vault()
  v.edit('nv', { op: 'new-version', value: 'from-a-pipeline' })
  v.edit('tg', { op: 'patch', tags: { env: 'portal' } })
  const summary = await sweep(tb)
  t.equal(summary?.repairs_queued, 2)
  await tb.settle()
  t.equal(tb.latest('nv')?.value, 'from-a-pipeline', 'sync disabled: the repair waits')
  // Before the repair runs, someone purges the secret and creates their own under the name.
  v.edit('nv', { op: 'recreate', value: 'someone-elses' })
  t.equal((await mergePatch(tb.server.app, '/v1/sys/sync/config', { disabled: false })).statusCode, 200)
  await tb.settle()
  t.equal(tb.latest('nv')?.value, 'someone-elses', 'ownership lost between the sweep and the repair: not overwritten')
  t.equal(tb.latest('nv')?.tags?.['hashicorp:vault'], undefined)
  const entry = await tb.entry('d1', 'nv')
  t.equal(entry?.sync_status, 'CLIENT_SIDE_ERROR')
  t.match(entry?.message, /ownership lost/)
  t.equal(tb.latest('tg')?.value, kvValue('tg'), 'the other repair went through')
  t.ok(tb.latest('tg')?.tags?.['hashicorp:vault'] !== undefined)
})
