// The catch-all's mount lookup misses its cache when another connection committed since the
// cache was last checked (`PRAGMA data_version`, checked once per event-loop turn, forgets every
// cached table): the route then resolves the mount through a promise. A KV write answers only
// once its (shared) COMMIT is done and its handler returns nothing meanwhile; on that path the
// promise resolved empty and Fastify sent an empty 200 (seen once the checkpoint thread began
// committing, issue 17's ninth session).
import t from 'tap'
import Database from 'better-sqlite3'
import { SQLITE_FILE, startTestServer, vault } from '../helper.js'

t.test('KV writes answer with their body while another connection keeps committing', async (t) => {
  const server = await startTestServer(t, SQLITE_FILE)
  const other = new Database(server.dbPath, { timeout: 0 })
  t.teardown(() => { other.close() })
  const commitElsewhere = other.prepare(`PRAGMA application_id = ${Number(other.pragma('application_id', { simple: true }))}`)
  // A commit by the other connection at every turn of the event loop (skipped while the server's
  // group holds the write lock: the same thread cannot wait for it).
  let stop = false
  let commits = 0
  const churn = (): void => {
    if (stop) return
    try { commitElsewhere.run(); commits++ } catch (err) { if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err }
    setImmediate(churn)
  }
  churn()
  const bad: string[] = []
  for (let round = 0; round < 10; round++) {
    const answers = await Promise.all(Array.from({ length: 25 }, async (_, i) => await vault(server.app, 'PUT', `/v1/secret/data/k${i}`, { body: { data: { round } } })))
    answers.forEach((r, i) => { if (r.statusCode !== 200 || r.body === '' || r.json().data?.version !== round + 1) bad.push(`k${i} round ${round}: ${r.statusCode} ${JSON.stringify(r.body)}`) })
  }
  stop = true
  t.ok(commits > 10, `the other connection committed between the writes (${commits} times)`)
  t.same(bad, [], 'every write answered 200 with the version it made')
})
