// The per-vault ledger (issue 17): sliding window at the full budget, AIMD on 429, Retry-After
// pauses; and the limiter built on it (shared per origin, 429s re-queued). Manual clocks only.
import t from 'tap'
import { LEDGER_DEFAULTS, VaultLedger } from '../../../../src/drivers/azure-kv/vault-ledger.js'
import { getEventListeners } from 'node:events'
import { createVaultLimiter } from '../../../../src/drivers/azure-kv/azure-kv-limits.js'

const ledger = (budget = 300, concurrency = 1000): VaultLedger => new VaultLedger({ ...LEDGER_DEFAULTS, budget, concurrency })

t.test('a slot is held from start until a window after the response', async (t) => {
  const l = ledger(3)
  for (let i = 0; i < 3; i++) { t.ok(l.canStart(0)); l.start(0) }
  t.notOk(l.canStart(0), 'budget used by requests in flight')
  t.equal(l.nextStartAt(0), undefined, 'only a response can free a slot')
  l.finish(100, { kind: 'ok' })
  l.finish(200, { kind: 'ok' })
  t.notOk(l.canStart(5000), 'responses stay in the window')
  t.equal(l.nextStartAt(5000), 10_100, 'one in flight, two in the window: the oldest response frees a slot')
  l.finish(300, { kind: 'failed' })
  t.equal(l.nextStartAt(5000), 10_100, 'the oldest response leaves the window at 100 + 10 s')
  t.notOk(l.canStart(10_099), 'not a millisecond earlier')
  t.ok(l.canStart(10_100), 'the window is (now - 10 s, now]')
})

t.test('never more than the budget in any sliding window of responses', async (t) => {
  const l = ledger(300)
  const responses: number[] = []
  let now = 0
  // Start whenever allowed, each request answered 7 ms later, for 60 s of simulated time.
  const inFlight: number[] = []
  while (now < 60_000) {
    while (inFlight.length > 0 && inFlight[0] <= now) { inFlight.shift(); l.finish(now, { kind: 'ok' }); responses.push(now) }
    while (l.canStart(now)) { l.start(now); inFlight.push(now + 7) }
    now += 1
  }
  let worst = 0
  for (let i = 0, j = 0; i < responses.length; i++) {
    while (responses[j] <= responses[i] - 10_000) j++
    worst = Math.max(worst, i - j + 1)
  }
  t.equal(worst, 300, 'the busiest 10 s window holds exactly the budget')
  t.ok(responses.length >= 300 * 6 - 1, `full budget used: ${responses.length} responses in 60 s`)
})

t.test('429: multiplicative decrease once per hold, pause, additive increase back to the budget', async (t) => {
  const l = ledger(300)
  l.start(0); l.start(0); l.start(0)
  l.finish(10, { kind: 'throttled' })
  t.equal(l.limit, 150, 'halved')
  l.finish(20, { kind: 'throttled', retryAfterMs: 2000 })
  t.equal(l.limit, 150, 'a second 429 within the hold is the same signal')
  t.equal(l.throttled, 2)
  t.notOk(l.canStart(1000), 'paused by Retry-After')
  t.equal(l.nextStartAt(1000), 2020, 'until the Retry-After ends')
  t.ok(l.canStart(2020))
  l.finish(1500, { kind: 'throttled' })
  t.equal(l.limit, 75, 'a 429 after the hold decreases again')
  t.equal(l.nextStartAt(1600), 2500, 'the longer pause wins (1 s from 1500, past the Retry-After\'s end)')
  let now = 3000
  let n = 0
  while (l.limit < 300) { l.start(now); l.finish(now, { kind: 'ok' }); now += 1; n++ }
  t.ok(n > 300 && n < 1500, `back to the budget after ${n} successes (10 % of the budget per window)`)
  l.start(now); l.finish(now, { kind: 'ok' })
  t.equal(l.limit, 300, 'never above the budget')
})

t.test('a 429 without Retry-After pauses for the default pause', async (t) => {
  const l = ledger(10)
  l.start(0)
  l.finish(100, { kind: 'throttled' })
  t.equal(l.nextStartAt(100), 100 + LEDGER_DEFAULTS.pauseWithoutRetryAfterMs)
  t.equal(l.used(100), 0, 'a refused request takes no slot')
})

t.test('429s without Retry-After back off 1 s, 2 s, 4 s, 8 s, 16 s (Azure\'s throttling guidance); a success starts over', async (t) => {
  const l = ledger(300)
  let now = 0
  const pauses: number[] = []
  for (let i = 0; i < 7; i++) {
    l.start(now)
    l.finish(now, { kind: 'throttled' })
    const at = l.nextStartAt(now)!
    pauses.push(at - now)
    now = at
  }
  t.same(pauses, [1000, 2000, 4000, 8000, 16000, 16000, 16000])
  // An admitted response starts the doubling over.
  l.start(now)
  l.finish(now, { kind: 'ok' })
  l.start(now)
  l.finish(now, { kind: 'throttled' })
  t.equal(l.nextStartAt(now), now + 1000, 'after a success: the first pause again')
  // Requests in flight during a pause that are refused too are the same signal: no doubling.
  const m = ledger(300)
  m.start(0); m.start(0); m.start(0)
  m.finish(0, { kind: 'throttled' })
  m.finish(10, { kind: 'throttled' })
  m.finish(20, { kind: 'throttled' })
  t.equal(m.nextStartAt(20), 1020, 'three refusals inside one pause: 1 s from the last, not 4 s')
  m.start(1020)
  m.finish(1030, { kind: 'throttled', retryAfterMs: 3000 })
  t.equal(m.nextStartAt(1030), 4030, 'Retry-After, when given, is the pause')

  // Calls in flight when the 429 came that succeed during the pause do not start the doubling over.
  const n = ledger(300)
  n.start(0); n.start(0); n.start(0)
  n.finish(0, { kind: 'throttled' }) // pause 1 s
  n.finish(500, { kind: 'ok' })
  n.finish(600, { kind: 'failed' })
  n.start(1000)
  n.finish(1000, { kind: 'throttled' })
  t.equal(n.nextStartAt(1000), 3000, 'a success inside the pause, then a refusal after it: 2 s')
})

t.test('concurrency bounds requests in flight', async (t) => {
  const l = ledger(300, 2)
  l.start(0); l.start(0)
  t.notOk(l.canStart(0))
  t.equal(l.nextStartAt(0), undefined)
  l.finish(5, { kind: 'ok' })
  t.ok(l.canStart(5))
})

t.test('limiter: shared per origin, FIFO, 429 re-queued at the head', async (t) => {
  let now = 0
  const limiter = createVaultLimiter({ writesPerWindow: 2, othersPerWindow: 100, windowMs: 50, concurrency: 8, maxThrottleRetries: 2 }, () => now)
  const order: string[] = []
  const call = (label: string) => async (): Promise<string> => { order.push(label); return label }
  const a = limiter.run('https://v:443', 'write', call('a'))
  const b = limiter.run('https://v:443', 'write', call('b'))
  const c = limiter.run('https://v:443', 'write', call('c'))
  const other = limiter.run('https://w:443', 'write', call('other vault'))
  t.same(await Promise.all([a, b, other]), ['a', 'b', 'other vault'])
  t.equal(limiter.waiting('https://v:443', 'write'), 1, 'the third write waits for the window')
  now = 60 // the responses (at 0) left the window; the limiter's timer fires on the real clock
  t.equal(await c, 'c')
  t.same(order, ['a', 'b', 'other vault', 'c'])

  limiter.clear()
})

t.test('limiter: a 429 is retried after the pause, slowing the vault down', async (t) => {
  let now = 0
  // Every clock read moves 100 ms on, so pauses end without waiting.
  const limiter = createVaultLimiter({ writesPerWindow: 2, othersPerWindow: 100, windowMs: 50, concurrency: 8, maxThrottleRetries: 2 }, () => (now += 100))
  let attempts = 0
  const throttledOnce = limiter.run('https://x:443', 'other', async () => {
    attempts++
    if (attempts === 1) throw Object.assign(new Error('throttled'), { statusCode: 429, response: { headers: { get: (h: string) => h === 'retry-after-ms' ? '1' : undefined } } })
    return 'ok'
  })
  t.equal(await throttledOnce, 'ok', 'a 429 is retried by the limiter')
  t.equal(attempts, 2)
  t.equal(limiter.ledger('https://x:443', 'other').throttled, 1)
  t.equal(limiter.ledger('https://x:443', 'other').limit, 50, 'and the vault slowed down')

  const always = limiter.run('https://y:443', 'other', async () => {
    throw Object.assign(new Error('throttled'), { statusCode: 429 })
  })
  await t.rejects(always, { message: 'throttled' }, 'after maxThrottleRetries the 429 reaches the caller')
  await t.rejects(limiter.run('https://z:443', 'other', async () => { throw Object.assign(new Error('nope'), { statusCode: 403 }) }), { message: 'nope' }, 'other errors pass through at once')
  limiter.clear()
})

t.test('limiter: a waiting call rejects when its signal aborts', async (t) => {
  const limiter = createVaultLimiter({ writesPerWindow: 1, othersPerWindow: 1, windowMs: 60_000, concurrency: 1, maxThrottleRetries: 0 }, () => 0)
  t.equal(await limiter.run('https://v:443', 'write', async () => 'first'), 'first')
  const abort = new AbortController()
  const waiting = limiter.run('https://v:443', 'write', async () => 'never', abort.signal)
  t.equal(limiter.waiting('https://v:443', 'write'), 1)
  abort.abort(new Error('stopping'))
  await t.rejects(waiting, { message: 'stopping' })
  t.equal(limiter.waiting('https://v:443', 'write'), 0, 'and leaves the queue')
  limiter.clear()
})

t.test('limiter: a queued call leaves no listener on its signal once it settles (the worker\'s shutdown signal lives as long as the process)', async (t) => {
  let now = 0
  const limiter = createVaultLimiter({ writesPerWindow: 100, othersPerWindow: 100, windowMs: 60_000, concurrency: 1, maxThrottleRetries: 1 }, () => (now += 1000))
  const origin = 'https://v:443'
  const shutdown = new AbortController()
  let throttled = false
  const calls = [
    ...Array.from({ length: 5 }, async (_, i) => await limiter.run(origin, 'write', async () => i, shutdown.signal)),
    limiter.run(origin, 'write', async () => { if (!throttled) { throttled = true; throw Object.assign(new Error('429'), { statusCode: 429 }) } return 'again' }, shutdown.signal),
    limiter.run(origin, 'write', async () => { throw new Error('failed') }, shutdown.signal).catch((err: Error) => err.message),
    ...Array.from({ length: 3 }, async (_, i) => await limiter.runBackground(origin, 'other', 0.5, async () => `bg-${i}`, shutdown.signal))
  ]
  t.ok(getEventListeners(shutdown.signal, 'abort').length > 0, 'waiting calls listen')
  t.same(await Promise.all(calls), [0, 1, 2, 3, 4, 'again', 'failed', 'bg-0', 'bg-1', 'bg-2'])
  t.equal(getEventListeners(shutdown.signal, 'abort').length, 0, 'every listener removed: resolved, re-queued after a 429 and resolved, rejected')
  limiter.clear()
})

t.test('background work (drift, issue 21): one at a time, within its share, after every waiting sync call', async (t) => {
  const l = ledger(100)
  t.equal(l.backgroundLimit(0.1), 10)
  for (let i = 0; i < 10; i++) {
    t.ok(l.canStartBackground(i, 0.1))
    l.startBackground(i)
    t.notOk(l.canStartBackground(i, 0.1), 'never two background requests in flight')
    t.ok(l.canStart(i), 'sync requests still start')
    l.finishBackground(i, { kind: 'ok' })
  }
  t.notOk(l.canStartBackground(10, 0.1), 'the share of the window is spent')
  t.equal(l.nextBackgroundStartAt(10, 0.1), 10_000, 'until the first background response leaves the window')
  t.equal(l.used(10), 10, 'background requests count in the vault budget too')
  t.ok(l.canStartBackground(10_000, 0.1))
})

t.test('limiter: a sync call queued behind background work starts first; background waits for an empty queue', async (t) => {
  const limiter = createVaultLimiter({ writesPerWindow: 10, othersPerWindow: 100, windowMs: 60_000, concurrency: 1, maxThrottleRetries: 0 }, () => 0)
  const origin = 'https://v:443'
  const order: string[] = []
  let release!: () => void
  const blocker = limiter.run(origin, 'other', async () => { order.push('sync-1'); await new Promise<void>((resolve) => { release = resolve }) })
  const bg1 = limiter.runBackground(origin, 'other', 0.1, async () => { order.push('bg-1') })
  const bg2 = limiter.runBackground(origin, 'other', 0.1, async () => { order.push('bg-2') })
  const sync2 = limiter.run(origin, 'other', async () => { order.push('sync-2') })
  release()
  await Promise.all([blocker, bg1, bg2, sync2])
  t.same(order, ['sync-1', 'sync-2', 'bg-1', 'bg-2'], 'the sync call queued after the background calls ran before them')
  await t.rejects(limiter.runBackground(origin, 'other', 0, async () => 1), RangeError)
})

t.test('limiter: a sync call arriving while a background call runs waits for that one call at most', async (t) => {
  const limiter = createVaultLimiter({ writesPerWindow: 10, othersPerWindow: 1000, windowMs: 60_000, concurrency: 1, maxThrottleRetries: 0 }, () => 0)
  const origin = 'https://v:443'
  const order: string[] = []
  const releases: Array<() => void> = []
  const bg = Array.from({ length: 5 }, async (_, i) => await limiter.runBackground(origin, 'other', 0.5, async () => {
    order.push(`bg-${i}`)
    await new Promise<void>((resolve) => { releases.push(resolve) })
  }))
  t.same(order, ['bg-0'], 'one background call in flight')
  const sync = limiter.run(origin, 'other', async () => { order.push('sync') })
  releases.shift()!()
  await sync
  t.same(order.slice(0, 2), ['bg-0', 'sync'], 'the sync call ran right after the one background round trip')
  for (let i = 1; i < 5; i++) { await new Promise((resolve) => setImmediate(resolve)); releases.shift()!() }
  await Promise.all(bg)
  t.equal(order.length, 6)
})
