// Per-request loggers made on first use (issue 16): lines keep the request id binding; a level
// that is off writes nothing and makes no child.
import t from 'tap'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import type { FastifyBaseLogger } from 'fastify'
import { lazyChildLoggerFactory } from '../../../src/logging/lazy-child-logger.js'

t.test('a lazy child writes with its bindings, and only at enabled levels', async (t) => {
  const lines: string[] = []
  const sink = new Writable({ write (chunk: Buffer, _e, cb) { lines.push(chunk.toString()); cb() } })
  const parent = pino({ level: 'info' }, sink)
  let children = 0
  const counting = Object.assign(Object.create(parent) as FastifyBaseLogger, {
    child: (b: Record<string, unknown>, o: object) => { children++; return parent.child(b, o) }
  })
  const log = lazyChildLoggerFactory(counting, { reqId: 'req-1' }, {})
  log.debug('not written')
  t.equal(children, 0, 'a disabled level makes no child')
  log.error({ code: 7 }, 'request failed')
  log.info('second')
  t.equal(children, 1, 'the child is made once')
  t.equal(lines.length, 2)
  const first = JSON.parse(lines[0]) as Record<string, unknown>
  t.equal(first.reqId, 'req-1')
  t.equal(first.msg, 'request failed')
  t.equal(first.code, 7)
  t.equal(log.level, 'info')
})
