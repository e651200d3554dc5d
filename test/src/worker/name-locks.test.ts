// The worker's per-name locks: holds of one key never overlap, other keys run at once, keys
// taken in any order cannot deadlock, and the table empties when nothing holds a key.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { createNameLocks } from '../../../src/worker/name-locks.js'

t.test('one key at a time; other keys concurrently; no deadlock; empty afterwards', async (t) => {
  const locks = createNameLocks()
  const log: string[] = []
  const job = (id: string, keys: string[], ms: number) => locks.hold(keys, async () => {
    log.push(`${id}+`)
    await sleep(ms)
    log.push(`${id}-`)
    return id
  })
  const results = await Promise.all([job('a', ['x'], 20), job('b', ['x', 'x'], 5), job('c', ['y'], 5)])
  t.same(results, ['a', 'b', 'c'])
  t.ok(log.indexOf('a-') < log.indexOf('b+'), `b waits for a on x: ${log.join(' ')}`)
  t.ok(log.indexOf('c+') < log.indexOf('a-'), 'c (another key) does not wait')
  await Promise.all([job('d', ['p', 'q'], 5), job('e', ['q', 'p'], 5)])
  t.equal(locks.size(), 0)
  await t.rejects(locks.hold(['z'], async () => { throw new Error('boom') }), /boom/)
  t.equal(await locks.hold(['z'], async () => 'free again'), 'free again', 'a failed holder releases its keys')
})

t.test('a waiter whose signal aborts gives up at once, and the lock chain stays intact', async (t) => {
  const locks = createNameLocks()
  let open!: () => void
  const holder = locks.hold(['x'], async () => await new Promise<void>((resolve) => { open = resolve }))
  const ac = new AbortController()
  let ran = false
  const waiter = locks.hold(['x'], async () => { ran = true }, ac.signal)
  const after = locks.hold(['x'], async () => 'after')
  ac.abort(new Error('worker stopping'))
  await t.rejects(waiter, /worker stopping/, 'rejected while the holder still holds x')
  t.notOk(ran, 'its work never ran')
  open()
  await holder
  t.equal(await after, 'after', 'the next taker gets the key once the holder releases')
  t.equal(locks.size(), 0)
  t.equal(await locks.hold(['y'], async () => 'ran', AbortSignal.abort()), 'ran', 'an uncontended key is taken without waiting, whatever the signal')
})
