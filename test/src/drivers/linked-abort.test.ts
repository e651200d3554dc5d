// A linked abort (src/drivers/linked-abort.ts), as a replica's sync attempt uses it: linked to the
// worker's stop signal by one listener that goes when the attempt ends. And no source file
// combines signals with AbortSignal.any: on Node 20 it loses an AbortSignal.timeout to the
// collector (the poll bound never fired: test/flows/azure-poll-timeout.test.ts) and keeps a
// record per combined signal on a long-lived source for the life of the process.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { getEventListeners } from 'node:events'
import { linkedAbort } from '../../../src/drivers/linked-abort.js'

t.test('the worker stopping aborts the attempt with its reason; the attempt\'s own abort stays its own', async (t) => {
  const stop = new AbortController()
  const a = linkedAbort(stop.signal)
  const b = linkedAbort(stop.signal)
  b.controller.abort()
  t.notOk(stop.signal.aborted, 'a lost vault aborts its attempt only')
  stop.abort(new Error('stopping'))
  t.ok(a.controller.signal.aborted)
  t.match(a.controller.signal.reason, { message: 'stopping' })
  const late = linkedAbort(stop.signal)
  t.ok(late.controller.signal.aborted, 'an attempt begun after the stop is aborted at once')
})

t.test('an ended attempt leaves nothing on the worker\'s signal', async (t) => {
  const stop = new AbortController()
  for (let i = 0; i < 1000; i++) linkedAbort(stop.signal).dispose()
  t.equal(getEventListeners(stop.signal, 'abort').length, 0)
})

t.test('no AbortSignal.any in src/', async (t) => {
  // git grep answers 1 when nothing matches.
  const grep = spawnSync('git', ['grep', '-n', 'AbortSignal\\.any(', '--', 'src', 'db'], { encoding: 'utf8', cwd: new URL('../../..', import.meta.url).pathname })
  t.ok(grep.status === 0 || grep.status === 1, grep.stderr)
  const code = grep.stdout.split('\n').filter((l) => l !== '' && !/^[^:]+:\d+:\s*(\*|\/\/)/.test(l))
  t.same(code, [], 'combine signals with a listener removed at the end (linked-abort.ts)')
})
