// Drift at scale (issue 21): one sweep over a vault of 5,000 secrets, 1,000 of them synced by
// vault-sync (10 secret-key associations of 100 keys), listed in pages of 25 with empty pages
// that carry a nextLink, stays within its budget: every call counted by the emulator is the
// sweep's own (LIST pages plus one or two reads per suspect), none writes, and no 10 s window
// holds more than the drift share (10 %) of the vault's 4,000 other calls. A KV write made while
// the sweep runs is synced before the sweep ends: sync traffic is never queued behind it.
import t from 'tap'
import { startSyncTestbed } from '../sync-testbed.js'

const SECRETS = 10
const KEYS = 100
const FOREIGN = 4_000
const key = (k: number): string => `k${String(k).padStart(3, '0')}`
const data = (s: number, round = 0): Record<string, string> => Object.fromEntries(Array.from({ length: KEYS }, (_, k) => [key(k), `v-${s}-${k}-${round}`]))

t.test('a sweep of 5,000 secrets (1,000 ours), pages of 25 with empty pages, within budget', async (t) => {
  const tb = await startSyncTestbed(t, { emulator: { vaultDefaults: { paging: { pageSize: 25, emptyPageEvery: 4 } } } })
  await tb.destination('d1', { granularity: 'secret-key', secret_name_template: '{{ .SecretBaseName }}-{{ .SecretKey }}' })
  for (let s = 0; s < SECRETS; s++) {
    t.equal((await tb.put(`s${s}`, data(s))).statusCode, 200)
    t.equal((await tb.set('d1', `s${s}`)).statusCode, 200)
  }
  await tb.converge(() => tb.azure(`s${SECRETS - 1}-${key(KEYS - 1)}`) !== undefined && tb.names().length === SECRETS * KEYS)
  const v = tb.emu.vault()
  for (let i = 0; i < FOREIGN; i++) v.edit(`other-${String(i).padStart(4, '0')}`, { op: 'new-version', value: `x${i}` })
  t.equal(tb.names().length, 5_000)
  // Three out-of-band edits among ours: suspects that need reads.
  v.edit('s1-k001', { op: 'new-version', value: 'pipeline' })
  v.edit('s2-k002', { op: 'patch', tags: { env: 'portal' } })
  v.edit('s3-k003', { op: 'disable' })

  const seq = tb.emu.requestLog().at(-1)?.seq ?? 0
  const vaultCalls = () => tb.emu.requestLog({ since: seq }).filter((e) => e.family === 'vault' && e.outcome === undefined)
  const isList = (e: { method: string, path: string }): boolean => e.method === 'GET' && /^\/secrets\/?$/.test(e.path)
  let sweepDone = false
  const sweeping = tb.server.drift!.sweepNow().then((m) => { sweepDone = true; return m.get('azure-kv/d1') })
  // Once the sweep is under way, a KV write: its sync must not wait for the sweep.
  while (vaultCalls().filter(isList).length < 20) await new Promise((resolve) => setTimeout(resolve, 5))
  t.equal((await tb.put('s0', { ...data(0), [key(0)]: 'changed-during-the-sweep' })).statusCode, 200)
  await tb.settle()
  t.equal(tb.latest(`s0-${key(0)}`)?.value, 'changed-during-the-sweep', 'the concurrent KV write is synced')
  t.notOk(sweepDone, 'before the sweep ended: sync traffic is not queued behind drift')
  const summary = await sweeping
  t.ok(summary !== undefined)
  if (summary === undefined) return

  const all = vaultCalls()
  const put = all.find((e) => e.method === 'PUT')
  const lists = all.filter(isList)
  t.ok(put !== undefined && put.seq < lists[lists.length - 1].seq, 'the sync write reached Azure while the sweep was still listing')
  t.equal(all.filter((e) => e.method !== 'GET').length, 1, 'the one write is the concurrent sync\'s; the sweep writes nothing')
  t.ok(summary.complete, 'the LIST was followed to its end')
  t.equal(summary.list_calls, lists.length, 'every LIST page counted, empty ones included')
  t.ok(summary.list_calls > 5_000 / 25, 'more pages than 5,000 / 25: the empty pages were followed')
  const driftGets = all.filter((e) => e.method === 'GET').length
  t.equal(driftGets, summary.list_calls + summary.reads, 'every GET is the sweep\'s (the sync of an existing name reads nothing)')
  t.ok(summary.reads >= 3 && summary.reads <= 6, `one or two reads per suspect (${summary.reads})`)
  t.ok(driftGets <= 2_400, 'within the per-sweep call budget (VAULT_SYNC_DRIFT_MAX_CALLS)')
  const times = all.filter((e) => e.method === 'GET').map((e) => Date.parse(e.time))
  let busiest = 0
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j] <= times[i] - 10_000) j++
    busiest = Math.max(busiest, i - j + 1)
  }
  t.ok(busiest <= 400, `no 10 s window holds more than 10 % of the vault's 4,000 other calls (${busiest})`)
  t.equal(summary.states['drifted-value'], 1)
  t.equal(summary.states['drifted-metadata'], 2)
  t.comment(`sweep: ${summary.list_calls} LIST + ${summary.reads} GET over ${summary.targets} targets; ${summary.skipped} skipped (sync queued)`)
})
