// Drift sweeps start once per interval (issue 21; README "Drift detection"): the runner's timer
// wakes when the earliest destination is due (an interval after its last sweep began), not on the
// next coarse tick, so `interval: 1m` means a sweep every minute rather than every 60-90 s. A
// runner of the real parts (the testbed's store, registry and emulator) on a clock the test sets.
import t from 'tap'
import { createDriftEngine } from '../../src/drift/drift-engine.js'
import { startSyncTestbed } from '../sync-testbed.js'
import { vault } from '../helper.js'

t.test('the timer sweeps a destination when its interval has passed, not at the next tick', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  t.equal((await tb.put('app', { v: '1' })).statusCode, 200)
  t.equal((await tb.set('d1', 'app')).statusCode, 200)
  await tb.settle()
  t.equal((await vault(tb.server.app, 'POST', '/v1/sys/sync-ext/destinations/azure-kv/d1/drift', { body: { interval: '1m' } })).statusCode, 200)

  let offsetMs = 0
  const now = (): number => Date.now() + offsetMs
  const runner = createDriftEngine({ ...tb.server.services, now }, tb.server.app.log)
  t.teardown(async () => { await runner.stop() })
  const { store } = tb.server.services
  const d1 = (await store.repos.destinations.allLive()).find((d) => d.name === 'd1')!
  const lastSweep = async (): Promise<number | undefined> => (await store.repos.drift.get(d1.id))?.last_sweep_at ?? undefined

  t.ok((await runner.sweepNow()).has('azure-kv/d1'))
  const first = (await lastSweep())!
  const dueAt = first + 60_000
  // The clock jumps to 1.5 s before d1 is due; the coarse tick (10 min) would not look again for ages.
  offsetMs = dueAt - 1_500 - Date.now()
  runner.start(600_000)
  const until = Date.now() + 10_000
  while (await lastSweep() === first && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
  const second = await lastSweep()
  t.not(second, first, 'swept by the timer once due')
  t.ok(second !== undefined && second >= dueAt, 'not before the interval has passed')
  t.ok(second !== undefined && second - dueAt < 2_500, 'and within about a second of it')
  await runner.stop()
})
