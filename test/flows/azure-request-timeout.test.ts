// A Key Vault request that never gets an answer is bounded by VAULT_SYNC_AZURE_REQUEST_TIMEOUT
// (300 ms here, 30 s by default): the attempt fails as a transient error (PENDING, then
// EXTERNAL_SERVICE_ERROR, retried with backoff, README "Sync statuses"), and the vault's write
// slots it held are free again, so the vault's other secrets keep syncing. Before, such a call
// kept its association SYNCING until the server restarted, and eight of them held all eight of
// the vault's write slots.
import t from 'tap'
import { startSyncTestbed } from '../sync-testbed.js'

interface Entry { sync_status: string, message?: string }

t.test('writes Key Vault never answers: timed out, PENDING then EXTERNAL_SERVICE_ERROR; the vault\'s other secrets still sync', async (t) => {
  const tb = await startSyncTestbed(t, { env: { VAULT_SYNC_AZURE_REQUEST_TIMEOUT: '300ms' } })
  await tb.destination('d1', { secret_name_template: 'kv-{{ .SecretBaseName }}' })
  const hung = Array.from({ length: 8 }, (_, i) => `b${i}`) // as many as the vault's write slots (VAULT_SYNC_AZURE_MAX_CONCURRENCY)
  for (const n of [...hung, 'a0']) await tb.put(n, { v: 1 })
  const rule = tb.emu.faults.add({ match: { method: 'PUT', pathRegex: '/secrets/kv-b\\d$' }, action: { latencyMs: 400_000 }, mode: { untilCleared: true } })
  t.teardown(() => { tb.emu.faults.clear() })
  const unanswered = (): number => tb.emu.faults.list().find((r) => r.id === rule.id)?.hits ?? 0 // PUTs sent into the fault
  for (const n of hung) await tb.set('d1', n)

  // b0's statuses as they change; the unrelated a0 is associated once all eight write slots hold an unanswered PUT.
  const seen: Entry[] = []
  let associated = false
  const deadline = Date.now() + 20_000
  for (;;) {
    const e = await tb.entry('d1', 'b0')
    if (e !== undefined && (seen.at(-1)?.sync_status !== e.sync_status || seen.at(-1)?.message !== e.message)) seen.push({ sync_status: e.sync_status, message: e.message })
    if (!associated && unanswered() >= 8) { await tb.set('d1', 'a0'); associated = true }
    if ((e?.sync_status === 'EXTERNAL_SERVICE_ERROR' && tb.latest('kv-a0') !== undefined) || Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  t.ok(associated, 'eight PUTs were sent and left unanswered')
  t.equal(tb.latest('kv-a0')?.value, '{"v":1}', 'the unrelated secret reached Azure')
  t.equal((await tb.entry('d1', 'a0'))?.sync_status, 'SYNCED')
  const statuses = seen.map((e) => e.sync_status)
  t.equal(statuses.at(-1), 'EXTERNAL_SERVICE_ERROR', `the unanswered one ends EXTERNAL_SERVICE_ERROR (${JSON.stringify(seen)})`)
  t.match(seen.find((e) => e.sync_status === 'PENDING')?.message, /^setSecret "kv-b0": no response from 127\.0\.0\.1:\d+ within 300ms$/, 'PENDING first, saying it timed out')
  t.notOk(statuses.includes('CLIENT_SIDE_ERROR'))
  t.ok(unanswered() > 8, 'the timed-out writes were retried')
  if (statuses.at(-1) !== 'EXTERNAL_SERVICE_ERROR') return // still hung: nothing would converge

  tb.emu.faults.clear()
  await tb.converge(async () => Object.values(await tb.associations('d1')).every((e) => e.sync_status === 'SYNCED'), 30_000)
  t.same(hung.filter((n) => tb.latest(`kv-${n}`)?.value !== '{"v":1}'), [], 'all written once Key Vault answers again')
})
