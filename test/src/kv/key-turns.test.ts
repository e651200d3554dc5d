// Turns per KV key (src/kv/key-turns.ts): one key's calls run one at a time in call order, other
// keys do not wait, a rejection does not stop the next turn, and idle keys are forgotten.
import t from 'tap'
import { createKeyTurns } from '../../../src/kv/key-turns.js'

const tick = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

t.test('one key: one call at a time, in call order; a rejection passes the turn on', async (t) => {
  const turns = createKeyTurns()
  let running = 0
  let most = 0
  const order: number[] = []
  const calls = Array.from({ length: 20 }, async (_, i) => await turns('k', async () => {
    running++; most = Math.max(most, running)
    await tick()
    order.push(i)
    running--
    if (i === 5) throw new Error('five')
    return i
  }))
  const results = await Promise.allSettled(calls)
  t.equal(most, 1, 'never two at once')
  t.same(order, Array.from({ length: 20 }, (_, i) => i), 'in call order')
  t.match(results[5], { status: 'rejected', reason: { message: 'five' } }, 'the failing call rejects')
  t.match(results[6], { status: 'fulfilled', value: 6 }, 'the next call still runs')
})

t.test('different keys run side by side', async (t) => {
  const turns = createKeyTurns()
  let release!: () => void
  const held = turns('a', async () => await new Promise<void>((resolve) => { release = resolve }))
  const other = await turns('b', async () => 'b done')
  t.equal(other, 'b done', 'b did not wait for a')
  release()
  await held
})
