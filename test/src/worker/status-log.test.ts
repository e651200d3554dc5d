// The association status-change log lines (issue 14.13): what each settled status logs, and the
// bound on the associations it remembers as failing.
import t from 'tap'
import pino from 'pino'
import type { FastifyBaseLogger } from 'fastify'
import { createStatusChangeLog, FAILING_TRACKED_MAX } from '../../../src/worker/status-log.js'
import type { AssociationRow } from '../../../db/associations-repo.js'

/** A status log writing to an array of parsed pino lines. */
function recorded (): { lines: Array<Record<string, unknown>>, settled: ReturnType<typeof createStatusChangeLog> } {
  const lines: Array<Record<string, unknown>> = []
  const log = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s)) } })
  return { lines, settled: createStatusChangeLog(log as unknown as FastifyBaseLogger) }
}

const row = (id: string, status = 'PENDING'): AssociationRow => ({
  id, destination_id: 'd1', accessor: 'kv_1', mount_path: 'secret/', secret_path: id, granularity: 'secret-path',
  name_template: '{{ .SecretPath }}', removed: 0, status, message: null, created_at: 1, updated_at: 1
})
const destination = { type: 'azure-kv', name: 'one' }

t.test('a new error warns once, the same error again logs nothing, leaving it logs info', async (t) => {
  const { lines, settled } = recorded()
  settled({ association: row('a'), destination, status: 'EXTERNAL_SERVICE_ERROR', message: 'throttled' })
  settled({ association: row('a'), destination, status: 'EXTERNAL_SERVICE_ERROR', message: 'throttled' })
  settled({ association: row('a'), destination, status: 'SYNCED', message: null })
  t.match(lines.map((l) => [l.level, l.status, l.previous_status]), [[40, 'EXTERNAL_SERVICE_ERROR', 'PENDING'], [30, 'SYNCED', 'EXTERNAL_SERVICE_ERROR']])
})

t.test('the associations remembered as failing are bounded: the oldest is forgotten first', async (t) => {
  const { lines, settled } = recorded()
  // Associations deleted while failing never settle again; their entries used to stay.
  for (let i = 0; i <= FAILING_TRACKED_MAX; i++) settled({ association: row(`a${i}`), destination, status: 'CLIENT_SIDE_ERROR', message: 'bad' })
  t.equal(lines.length, FAILING_TRACKED_MAX + 1)
  settled({ association: row('a1'), destination, status: 'CLIENT_SIDE_ERROR', message: 'bad' })
  t.equal(lines.length, FAILING_TRACKED_MAX + 1, 'a recent one is still remembered: no second warning')
  settled({ association: row('a0'), destination, status: 'CLIENT_SIDE_ERROR', message: 'bad' })
  t.equal(lines.length, FAILING_TRACKED_MAX + 2, 'the oldest was forgotten: it warns again')
})
