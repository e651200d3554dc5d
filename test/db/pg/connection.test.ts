// db/pg/connection.ts on a real PostgreSQL 15: server-side timeouts on every connection (PG-5),
// errors on checked-out clients do not end the process (PG-4), transactions.
import t from 'tap'
import pg from 'pg'
import { createPool, withTransaction, type PgConnectionSettings } from '../../../db/pg/connection.js'
import { usePostgres } from '../../pg/shared-postgres.js'
import { startStallingRelay } from '../../pg/stalling-relay.js'
import { capturingLog } from './pg-test-kit.js'

const db = await usePostgres(t)
if (db !== undefined) {
  const settings = (replica: string, extra: Partial<PgConnectionSettings> = {}): PgConnectionSettings =>
    ({ connectionUrl: db.url, maxParallel: 4, replica, lockTimeoutMs: 300, statementTimeoutMs: 1000, idleInTransactionTimeoutMs: 800, ...extra })

  t.test('every pooled connection carries the server-side timeouts and its role name', async (t) => {
    const pool = createPool(settings('r1'), capturingLog().log)
    t.teardown(() => pool.end())
    const r = await pool.query("SELECT current_setting('lock_timeout') AS l, current_setting('statement_timeout') AS s, current_setting('idle_in_transaction_session_timeout') AS i, current_setting('application_name') AS a")
    t.same(r.rows[0], { l: '300ms', s: '1s', i: '800ms', a: 'vault-sync/r1/pool' })
    const defaults = createPool({ connectionUrl: db.url, maxParallel: 1, replica: 'r2' }, capturingLog().log)
    t.teardown(() => defaults.end())
    const d = await defaults.query("SELECT current_setting('lock_timeout') AS l, current_setting('statement_timeout') AS s, current_setting('idle_in_transaction_session_timeout') AS i")
    t.same(d.rows[0], { l: '5s', s: '30s', i: '10s' })
    t.equal((await pool.query('SELECT 9007199254740991::bigint AS n')).rows[0].n, 9007199254740991, 'int8 as number')
    await t.rejects(pool.query('SELECT 9007199254740993::bigint AS n'), /does not fit a JavaScript number/)
  })

  t.test('PG-5: a second replica contending for a locked row fails fast; a stuck holder loses its locks', async (t) => {
    const a = createPool(settings('a'), capturingLog().log)
    const b = createPool(settings('b'), capturingLog().log)
    t.teardown(async () => { await a.end(); await b.end() })
    await a.query('CREATE TABLE kv (path text PRIMARY KEY, version int NOT NULL); INSERT INTO kv VALUES ($$k$$, 1)'.replace(/\$\$/g, "'"))
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    let locked!: () => void
    const isLocked = new Promise<void>((resolve) => { locked = resolve })
    const holder = withTransaction(a, async (tx) => {
      await tx.query("SELECT version FROM kv WHERE path = 'k' FOR UPDATE")
      locked()
      await held // a holder that stalls inside its transaction (what R2-3 forbids)
    })
    holder.catch(() => {})
    await isLocked
    await t.rejects(withTransaction(b, async (tx) => await tx.query("SELECT version FROM kv WHERE path = 'k' FOR UPDATE")),
      { code: '55P03', message: 'canceling statement due to lock timeout' }, 'lock_timeout: fails fast with a clear error')
    // idle_in_transaction_session_timeout: the server ends the stalled session and its locks go.
    let got: unknown[] = []
    for (let i = 0; i < 50 && got.length === 0; i++) {
      got = await withTransaction(b, async (tx) => await tx.query("UPDATE kv SET version = version + 1 WHERE path = 'k' RETURNING version")).catch(() => [])
      if (got.length === 0) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    t.same(got, [{ version: 2 }], 'the other replica writes once the stalled session is ended by the server')
    release()
    await t.rejects(holder, 'the stalled transaction does not commit')
    t.same((await a.query("SELECT version FROM kv WHERE path = 'k'")).rows, [{ version: 2 }], 'pool a recovers')
    // statement_timeout cancels on the server, and its locks are released with it.
    await t.rejects(withTransaction(a, async (tx) => {
      await tx.query("SELECT version FROM kv WHERE path = 'k' FOR UPDATE")
      await tx.query('SELECT pg_sleep(5)')
    }), { code: '57014', message: 'canceling statement due to statement timeout' })
    t.same(await withTransaction(b, async (tx) => await tx.query("SELECT version FROM kv WHERE path = 'k' FOR UPDATE NOWAIT")), [{ version: 2 }], 'lock free at once')
  })

  t.test('PG-4: a backend killed under a checked-out client does not end the process; the pool recovers', async (t) => {
    const { log, lines } = capturingLog()
    const pool = createPool(settings('victim'), log)
    const killer = new pg.Client({ connectionString: db.url })
    await killer.connect()
    t.teardown(async () => { await pool.end(); await killer.end() })
    let signalled!: () => void
    const killed = new Promise<void>((resolve) => { signalled = resolve })
    const tx = withTransaction(pool, async (tx) => {
      const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      await killer.query('SELECT pg_terminate_backend($1)', [pid])
      await killed // the client is checked out and idle when its backend goes away
      await tx.query('SELECT 1')
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    signalled()
    await t.rejects(tx, 'the transaction fails')
    t.match(lines.join('\n'), /pooled connection lost/, 'logged, not thrown')
    t.same((await pool.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'the pool serves again')
  })

  t.test('a server that stops answering (stalled, or a black-holed network) fails statements in bounded time', async (t) => {
    const relay = await startStallingRelay(t, db.url)
    const pool = createPool(settings('stalled', { connectionUrl: relay.url, statementTimeoutMs: 10_000, queryTimeoutMs: 500, connectTimeoutMs: 500 }), capturingLog().log)
    t.teardown(async () => { await pool.end().catch(() => {}) })
    t.same((await pool.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'through the relay')
    relay.stall()
    const started = Date.now()
    await t.rejects(withTransaction(pool, async (tx) => await tx.query('SELECT 2')), /Query read timeout/, 'a transaction gets no answer: it fails')
    // That connection was destroyed: the next statement needs a new one, which gets no answer either.
    await t.rejects(pool.query('SELECT 3'), /Query read timeout|connection timeout/, 'so does a single statement')
    t.ok(Date.now() - started < 5000, 'within the client-side timeout, not the server\'s statement timeout')
    relay.resume()
    t.same((await pool.query('SELECT 4 AS four')).rows, [{ four: 4 }], 'the pool serves again once the server answers')
  })
}
