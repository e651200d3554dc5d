// The minimum interval between attempts of one association (issue 17), on a manual clock.
import t from 'tap'
import { createWriteSpacing } from '../../../src/worker/write-spacing.js'
import { createOwnershipMemo } from '../../../src/drivers/azure-kv/ownership-memo.js'

t.test('the first attempt is never delayed; the next waits for the interval', async (t) => {
  const s = createWriteSpacing(500)
  t.equal(s.allowedAt('a', 1000), 1000)
  s.started('a', 1000)
  t.equal(s.allowedAt('a', 1200), 1500, 'too soon: the earliest allowed time')
  t.equal(s.allowedAt('b', 1200), 1200, 'other associations are independent')
  s.deferred('a', 1500)
  t.equal(s.pendingUntil(1200), 1500, 'a put-back row is pending work')
  t.equal(s.pendingUntil(1500), undefined, 'then it is simply due')
  t.equal(s.allowedAt('a', 1500), 1500)
})

t.test('memory does not grow with associations that went quiet', async (t) => {
  const s = createWriteSpacing(500)
  for (let i = 0; i < 10_000; i++) s.started(`a${i}`, i)
  t.ok(s.size() <= 501, `only the last interval's starts are kept (${s.size()})`)
  s.started('z', 100_000)
  t.equal(s.size(), 1)
})

t.test('interval 0 turns spacing off', async (t) => {
  const s = createWriteSpacing(0)
  s.started('a', 10)
  t.equal(s.allowedAt('a', 10), 10)
  t.equal(s.size(), 0)
})

t.test('ownership memo: remembered per vault and name (case-insensitive), forgotten on success, expires', async (t) => {
  let now = 0
  const m = createOwnershipMemo(1000, () => now)
  m.remember('https://v:443', 'Name', { note: 'adopted pre-existing secret' })
  t.same(m.get('https://v:443', 'name'), { note: 'adopted pre-existing secret' })
  t.equal(m.get('https://w:443', 'name'), undefined, 'another vault')
  m.forget('https://v:443', 'NAME')
  t.equal(m.get('https://v:443', 'name'), undefined)
  m.remember('https://v:443', 'x', {})
  now = 1000
  t.equal(m.get('https://v:443', 'x'), undefined, 'expired')
  t.equal(m.size(), 0)
})
