// VAULT_SYNC_AZURE_POLL_TIMEOUT bounds the polling of a delete and of a recovery even when the
// garbage collector runs meanwhile. The bound used to be `AbortSignal.any([attempt,
// AbortSignal.timeout(ms)])`, which on Node 20 loses the timeout to the collector and never
// aborts (src/drivers/linked-abort.ts): the attempt then polled Azure until Azure was
// done, about a thousand requests a minute in a full test run, where the collector runs often.
// Here the collector runs every 10 ms while Azure takes ten minutes (emulator clock) to finish.
import t, { type Test } from 'tap'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { adminClient } from '../akv-emulator/raw.js'
import { startSyncTestbed, startSyncedTestbed, vaultCallsOn, type SyncTestbed } from '../sync-testbed.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Runs the collector every 10 ms until the test ends. */
function collectOften (t: Test): void {
  const timer = setInterval(gc, 10)
  t.teardown(() => { clearInterval(timer) })
}

/** Sets the emulator's vault settings (`beingDeletedMs`, `beingRecoveredMs`). */
async function azureTakes (t: Test, tb: SyncTestbed, settings: Record<string, number>): Promise<void> {
  t.equal((await adminClient(t, tb.emu)('PATCH', `/vaults/${tb.emu.info.vaults[0].name}/settings`, settings)).status, 200)
}

/** Polls `done` every 25 ms for up to 30 s; throws with `what()` when it never holds. */
async function waitFor (done: () => boolean | Promise<boolean>, what: () => string): Promise<void> {
  const until = Date.now() + 30_000
  while (!await done()) {
    if (Date.now() > until) throw new Error(`timed out waiting: ${what()}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const env = { VAULT_SYNC_AZURE_POLL_TIMEOUT: '200ms' }

t.test('an unsync whose delete Azure is slow to finish: the poll ends at the timeout and the retry settles it', async (t) => {
  const tb = await startSyncedTestbed(t, 'p0', { secret_name_template: 'p-{{ .SecretBaseName }}' }, env)
  await azureTakes(t, tb, { beingDeletedMs: 600_000 })
  collectOften(t)
  const from = tb.emu.requestLog().at(-1)?.seq ?? 0
  await tb.remove('d1', 'p0')
  // The poll gives up after 200 ms; the retry finds the live secret gone and the unsync done.
  await tb.converge(async () => (await tb.entry('d1', 'p0'))?.sync_status === 'UNSYNCED', 30_000)
  const calls = vaultCallsOn(tb, from, 'p-p0')
  t.same(calls.filter((c) => c.startsWith('DeleteSecret')), ['DeleteSecret 200'], 'deleted once')
  t.equal(tb.emu.vault().inspectSecret('p-p0')?.state, 'deleted', 'soft-deleted, Azure still deleting')
  t.ok(calls.filter((c) => c === 'GetDeletedSecret 404').length < 200, `the poll stopped: ${calls.length} calls`)
})

t.test('a write onto a soft-deleted name whose recovery Azure is slow to finish: the poll ends at the timeout', async (t) => {
  const tb = await startSyncTestbed(t, { env })
  const sdk = tb.sdk()
  await sdk.setSecret('app-db', 'old-by-hand')
  await (await sdk.beginDeleteSecret('app-db', { intervalInMs: 10 })).pollUntilDone()
  await azureTakes(t, tb, { beingRecoveredMs: 600_000 })
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app-db', { password: 'p1' })
  collectOften(t)
  const from = tb.emu.requestLog().at(-1)?.seq ?? 0
  await tb.set('d1', 'app-db')
  // The attempt that recovered the name gives up polling after 200 ms; a retry writes again
  // (answered 409 while Azure is still recovering).
  const sets = (): string[] => vaultCallsOn(tb, from, 'app-db').filter((c) => c.startsWith('SetSecret'))
  await waitFor(() => sets().length >= 2, () => `calls: ${vaultCallsOn(tb, from, 'app-db').join(', ')}`)
  t.same(sets().slice(0, 2), ['SetSecret 409', 'SetSecret 409'], 'the first write found the name soft-deleted; the retry found it still being recovered')
  tb.emu.clock.advance(600_000) // Azure is done recovering
  await tb.converge(async () => (await tb.entry('d1', 'app-db'))?.sync_status === 'SYNCED', 30_000)
  t.equal(tb.latest('app-db')?.value, '{"password":"p1"}')
})
