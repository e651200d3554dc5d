// Warm-ups (src/worker/warm-ups.ts) off the sync path: a warm-up whose destination read fails
// (storage closed by a shutdown that does not wait for warm-ups) changes nothing and rejects
// nothing (fuzz explorer, session 21: the rejection went unhandled and ended the process).
import t from 'tap'
import pino from 'pino'
import type { FastifyBaseLogger } from 'fastify'
import { createSqliteStore } from '../../../db/store/sqlite-store.js'
import { createWarmUps } from '../../../src/worker/warm-ups.js'
import { openTestDb } from '../../db/repo-fixtures.js'

t.test('a warm-up whose storage is closed logs at debug and settles', async (t) => {
  const db = openTestDb(t)
  const store = createSqliteStore(db)
  const lines: Array<Record<string, unknown>> = []
  const log = pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s)) } }) as unknown as FastifyBaseLogger
  const unhandled: unknown[] = []
  const onUnhandled = (err: unknown): void => { unhandled.push(err) }
  process.on('unhandledRejection', onUnhandled)
  t.teardown(() => { process.off('unhandledRejection', onUnhandled) })
  const warmUps = createWarmUps({ store, destinationService: { configOf: async () => { throw new Error('not reached') } }, registry: new Map() } as never, log)
  db.close()
  warmUps.add(['d1'])
  await warmUps.settled()
  await new Promise((resolve) => setImmediate(resolve))
  t.same(unhandled, [], 'nothing rejected unhandled')
  t.match(lines, [{ level: 20, destination: 'd1', reason: /not open/ }])
})
