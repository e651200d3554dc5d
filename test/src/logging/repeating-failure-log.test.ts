// A failure that repeats on every turn of a loop (the sync worker's tick while the database is
// down) is logged once, then once per interval with the number left out, and its end once.
import t from 'tap'
import pino from 'pino'
import type { FastifyBaseLogger } from 'fastify'
import { createRepeatingFailureLog, FAILURE_LOG_INTERVAL_MS, quietRepeats } from '../../../src/logging/repeating-failure-log.js'

function recorded (): { lines: Array<Record<string, any>>, clock: { t: number }, log: ReturnType<typeof createRepeatingFailureLog> } {
  const lines: Array<Record<string, any>> = []
  const logger = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s)) } })
  const clock = { t: 1_000 }
  return { lines, clock, log: createRepeatingFailureLog(logger as unknown as FastifyBaseLogger, 'loop failed', 'loop works again', () => clock.t) }
}

t.test('one line per interval while the same failure repeats; one when it ends', async (t) => {
  const { lines, clock, log } = recorded()
  const down = new Error('connect ECONNREFUSED 127.0.0.1:5432')
  for (let i = 0; i <= 12; i++) { log.failed(down); clock.t += 5_000 } // 5 s turns for a minute
  t.strictSame(lines.map((l) => l.msg), ['loop failed', 'loop failed'])
  t.equal(lines[0].level, 50)
  t.equal(lines[0].err.message, down.message, 'the first line carries the error')
  t.equal(lines[1].suppressed, 11)
  log.succeeded()
  t.match(lines[2], { level: 30, failures: 13, msg: 'loop works again after 13 failures' })
  log.succeeded()
  t.equal(lines.length, 3, 'a success after a success logs nothing')
  log.failed(down)
  t.equal(lines.length, 4, 'a new run of failures logs its first at once')
})

t.test('a different failure is logged at once; failures that alternate are each logged once', async (t) => {
  const { lines, log } = recorded()
  log.failed(new Error('a'))
  log.failed(new Error('a'))
  log.failed(new Error('b'))
  log.failed(new Error('a'))
  log.failed(new Error('b'))
  t.strictSame(lines.map((l) => l.err.message), ['a', 'b'])
  t.ok(FAILURE_LOG_INTERVAL_MS >= 60_000)
})

t.test('quietRepeats: a repeated warn or error line is written once per interval, with the count left out', async (t) => {
  const lines: Array<Record<string, any>> = []
  const logger = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s)) } })
  let now = 0
  const log = quietRepeats(logger, () => now)
  const lost = { err: { code: '57P01', message: 'terminating connection due to administrator command' } }
  for (let i = 0; i < 20; i++) { log.warn(lost, 'lease keeper: tick failed'); now += 3_000 } // 57 s
  log.warn({ err: { message: 'connect ECONNREFUSED' } }, 'lease keeper: tick failed')
  log.error(lost, 'lease keeper: tick failed')
  log.info({ lease: 'maintenance' }, 'lease acquired')
  log.info({ lease: 'maintenance' }, 'lease acquired')
  log.warn({ lease: 'vault-a' }, 'lease lost: its work stops')
  log.warn({ lease: 'vault-b' }, 'lease lost: its work stops')
  now += 3_000 // 60 s after the first
  log.warn(lost, 'lease keeper: tick failed')
  t.strictSame(lines.map((l) => [l.level, l.err?.message, l.suppressed]), [
    [40, lost.err.message, undefined],
    [40, 'connect ECONNREFUSED', undefined],
    [50, lost.err.message, undefined],
    [30, undefined, undefined],
    [30, undefined, undefined],
    [40, undefined, undefined],
    [40, undefined, undefined],
    [40, lost.err.message, 19]
  ], 'another error or level is its own line; lines without an error all pass')
})
