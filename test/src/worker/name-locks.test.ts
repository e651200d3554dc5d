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
