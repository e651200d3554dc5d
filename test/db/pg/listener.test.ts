// db/pg/listener.ts on a real PostgreSQL 15: a dedicated LISTEN connection that comes back after
// its backend is killed (PG-2, PG-4) or its connection black-holed (PG-2), and that notices when
// it hears nothing (PG-3).
import t, { type Test } from 'tap'
import pg from 'pg'
import { createServer, connect, type Socket } from 'node:net'
import { createPool, rowsOf, withTransaction, type PgConnectionSettings } from '../../../db/pg/connection.js'
import { notify, PgListener, PING_CHANNEL, type PgListenerOptions } from '../../../db/pg/listener.js'
import { usePostgres } from '../../pg/shared-postgres.js'
import { capturingLog, waitFor } from './pg-test-kit.js'

const db = await usePostgres(t)

/** A TCP proxy to `port` whose live connections can be frozen (bytes silently dropped). */
async function blackHoleProxy (t: Test, port: number): Promise<{ port: number, freeze: () => void, connections: () => number }> {
  const pairs: Array<[Socket, Socket]> = []
  const server = createServer((inbound) => {
    const outbound = connect(port, '127.0.0.1')
    pairs.push([inbound, outbound])
    inbound.pipe(outbound)
    outbound.pipe(inbound)
    inbound.on('error', () => outbound.destroy())
    outbound.on('error', () => inbound.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const [a, b] of pairs) { a.destroy(); b.destroy() } server.close() })
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => { for (const [a, b] of pairs) { a.unpipe(); b.unpipe(); a.pause(); b.pause() } },
    connections: () => pairs.length
  }
}

if (db !== undefined) {
  const settings = (url: string, replica = 'r1'): PgConnectionSettings => ({ connectionUrl: url, maxParallel: 2, replica })

  async function start (t: Test, over: Partial<PgListenerOptions> & { url?: string } = {}) {
    const { log, lines } = capturingLog()
    const pool = createPool(settings(db!.url), log)
    const heard: Array<[string, string]> = []
    const events: string[] = []
    const listener = new PgListener({
      settings: settings(over.url ?? db!.url),
      channels: ['kv_changed', 'outbox'],
      onNotification: (c, p) => heard.push([c, p]),
      onReconnect: () => events.push('rescan'),
      onHearing: (h) => events.push(h ? 'hearing' : 'deaf'),
      sendPing: async (payload) => { await pool.query('SELECT pg_notify($1, $2)', [PING_CHANNEL, payload]) },
      log,
      pingIntervalMs: 300,
      pingTimeoutMs: 700,
      backoffBaseMs: 50,
      backoffMaxMs: 400,
      ...over
    })
    await listener.start()
    t.teardown(async () => { await listener.close(); await pool.end() })
    return { listener, pool, heard, events, lines }
  }

  const listenerPid = async (pool: pg.Pool, replica = 'r1'): Promise<number | undefined> =>
    (await pool.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [`vault-sync/${replica}/listener`])).rows[0]?.pid

  t.test('notifications sent in a transaction arrive on COMMIT, on a connection of its own', async (t) => {
    const { listener, pool, heard, events } = await start(t)
    await waitFor(() => events.includes('hearing'), 'the first ping')
    t.same(await listener.listeningChannels(), ['kv_changed', 'outbox', PING_CHANNEL])
    await t.rejects(withTransaction(pool, async (tx) => { await notify(tx, 'kv_changed', 'rolled-back'); throw new Error('no') }))
    await withTransaction(pool, async (tx) => await notify(tx, 'kv_changed', 'secret/a'))
    await waitFor(() => heard.length > 0, 'the notification')
    t.same(heard, [['kv_changed', 'secret/a']], 'only the committed one')
    const pid = await listenerPid(pool)
    const pooled = (await pool.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'vault-sync/r1/pool'")).rows.map((r) => r.pid)
    t.ok(pid !== undefined && !pooled.includes(pid), 'the listener is not a pooled connection')
  })

  t.test('PG-2/PG-4: its backend terminated, the listener comes back, LISTENs again and asks for a rescan', async (t) => {
    const { listener, pool, heard, events, lines } = await start(t)
    await waitFor(() => events.includes('hearing'), 'the first ping')
    const before = await listenerPid(pool)
    await pool.query('SELECT pg_terminate_backend($1)', [before])
    await waitFor(async () => (await listenerPid(pool).catch(() => undefined)) !== before && events.includes('rescan'), 'a new listener connection')
    await waitFor(async () => (await listener.listeningChannels().catch(() => [])).length === 3, 'LISTEN again')
    t.same(await listener.listeningChannels(), ['kv_changed', 'outbox', PING_CHANNEL], 'pg_listening_channels() on the new session')
    t.match(lines.join('\n'), /connection lost; reconnecting/)
    await withTransaction(pool, async (tx) => await notify(tx, 'outbox', 'after'))
    await waitFor(() => heard.some(([c]) => c === 'outbox'), 'a notification on the new connection')
  })

  t.test('PG-2: a black-holed connection is noticed by the lost ping and replaced', async (t) => {
    const port = Number(new URL(db.url).port)
    const proxy = await blackHoleProxy(t, port)
    const url = db.url.replace(`:${port}/`, `:${proxy.port}/`)
    const { listener, pool, heard, events, lines } = await start(t, { url })
    await waitFor(() => events.includes('hearing'), 'the first ping')
    const connectionsBefore = proxy.connections()
    proxy.freeze()
    await waitFor(() => events.includes('deaf'), 'the lost ping')
    t.match(lines.join('\n'), /did not arrive .* falling back to polling/)
    await waitFor(() => events.filter((e) => e === 'hearing').length === 2 && events.includes('rescan'), 'hearing again')
    t.ok(proxy.connections() > connectionsBefore, 'through a new connection')
    t.same(await listener.listeningChannels(), ['kv_changed', 'outbox', PING_CHANNEL])
    await rowsOf(pool).query("SELECT pg_notify('kv_changed', 'x')")
    await waitFor(() => heard.length > 0, 'a notification')
  })

  t.test('PG-3: a listener that hears nothing is detected and logged; the caller falls back to polling', async (t) => {
    // A misrouted listener (here: another database, as a pooler may do) LISTENs fine but hears nothing.
    const other = await db.another()
    const { events, lines } = await start(t, { url: other, settings: settings(other) })
    await waitFor(() => events.includes('deaf'), 'the lost ping')
    t.equal(events[0], 'deaf')
    t.match(lines.join('\n'), /falling back to polling/)
  })

  t.test('reconnects back off instead of spinning while the server refuses', async (t) => {
    const port = Number(new URL(db.url).port)
    const proxy = createServer((s) => s.destroy()) // accepts, then drops every connection
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    t.teardown(() => proxy.close())
    const url = db.url.replace(`:${port}/`, `:${(proxy.address() as { port: number }).port}/`)
    const { lines } = await start(t, { url, backoffBaseMs: 100, backoffMaxMs: 800 })
    await new Promise((resolve) => setTimeout(resolve, 2500))
    const attempts = lines.filter((l) => /cannot connect or LISTEN/.test(l)).length
    t.ok(attempts >= 3 && attempts <= 12, `${attempts} attempts in 2.5 s (100 ms doubling to 800 ms, with jitter)`)
  })
}
