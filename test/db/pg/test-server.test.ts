// The throwaway PostgreSQL the suites use (round2.md R2-7): shared server, one database per file.
import t from 'tap'
import pg from 'pg'
import { privatePostgres, usePostgres } from '../../pg/shared-postgres.js'

t.test('the shared server gives this file its own database, reachable over loopback', async (t) => {
  const db = await usePostgres(t)
  if (db === undefined) return
  const c = new pg.Client({ connectionString: db.url })
  await c.connect()
  t.teardown(() => c.end())
  const r = await c.query('SELECT current_database() AS d, version() AS v, inet_server_addr()::text AS a')
  t.equal(r.rows[0].d, db.database)
  t.match(r.rows[0].v, /^PostgreSQL 15\./)
  t.equal(r.rows[0].a, '127.0.0.1/32')
})

t.test('a private server stops and starts again on the same port and data', async (t) => {
  const server = await privatePostgres(t)
  if (server === undefined) return
  const run = async (sql: string): Promise<pg.QueryResult> => {
    const c = new pg.Client({ connectionString: server.url() })
    await c.connect()
    try { return await c.query(sql) } finally { await c.end() }
  }
  await run('CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)')
  await server.stop()
  t.equal(server.pid, undefined, 'stopped')
  await t.rejects(run('SELECT 1'), 'refused while stopped')
  await server.start()
  t.same((await run('SELECT v FROM kept')).rows, [{ v: 42 }])
})
