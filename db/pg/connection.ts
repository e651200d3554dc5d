/**
 * PostgreSQL connections (node-postgres 8): the shared pool for storage traffic, and the
 * settings every connection gets, pooled or dedicated (listener, lease keeper).
 *
 * - Server-side `lock_timeout`, `statement_timeout` and `idle_in_transaction_session_timeout`
 *   are sent in the startup packet of every connection, so a query that times out is cancelled
 *   by the server and releases its row locks (a client-side timeout does not: case PG-5).
 * - Every client, idle or checked out, has an `error` listener: a backend killed under a
 *   checked-out client must not raise an unhandled `error` that ends the process (case PG-4).
 * - `bigint` (int8) columns are parsed to numbers (times in ms/µs since the epoch fit in 2^53);
 *   a value beyond Number.MAX_SAFE_INTEGER throws rather than losing digits.
 */
import type pg from 'pg'
import { pgModule } from './pg-module.js'

/** Minimal logger (pino and fastify's logger both fit). */
export interface PgLogger {
  warn: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
  info: (obj: object, msg: string) => void
}

/** Connection settings shared by the pool and the dedicated clients. */
export interface PgConnectionSettings {
  /** `postgresql://...` URL (holds a credential: never logged). */
  connectionUrl: string
  /** Pool size (`VAULT_SYNC_PG_MAX_PARALLEL`). */
  maxParallel: number
  /** Replica name, shown in `pg_stat_activity.application_name` as `vault-sync/<replica>/<role>`. */
  replica: string
  /** Longest wait for a lock, ms (server side; default 5 s). */
  lockTimeoutMs?: number
  /** Longest statement, ms (server side; default 30 s). */
  statementTimeoutMs?: number
  /** Longest idle time inside an open transaction, ms (server side; default 10 s). */
  idleInTransactionTimeoutMs?: number
  /** Longest wait for a new connection, ms (default 10 s). */
  connectTimeoutMs?: number
  /**
   * Longest wait for a pooled statement's answer, ms, on the client (default: the statement
   * timeout + 5 s). The server-side timeouts cannot end a wait on a stalled server or a
   * black-holed network (a managed database failing over): requests then fail in bounded time.
   */
  queryTimeoutMs?: number
}

/** Defaults of the server-side timeouts, ms. */
export const PG_TIMEOUT_DEFAULTS = Object.freeze({ lockTimeoutMs: 5000, statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 10_000, connectTimeoutMs: 10_000 })

const INT8_OID = 20
/** node-postgres' error when `query_timeout` passes with no answer. */
const QUERY_READ_TIMEOUT = 'Query read timeout'

function parseInt8 (text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint value ${text} does not fit a JavaScript number`)
  return n
}

/** Type parsers of every vault-sync connection: node-postgres' defaults with int8 as number. */
export const PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pgModule().types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser
}

/**
 * The node-postgres client configuration for a connection of `role` (`pool`, `listener`,
 * `leases`, `migrate`). `queryTimeoutMs` adds a client-side timeout on top of the server's
 * (dedicated clients use it to notice a half-open connection).
 */
export function clientConfig (s: PgConnectionSettings, role: string, queryTimeoutMs?: number): pg.ClientConfig {
  return {
    connectionString: s.connectionUrl,
    application_name: `vault-sync/${s.replica}/${role}`.slice(0, 63),
    lock_timeout: s.lockTimeoutMs ?? PG_TIMEOUT_DEFAULTS.lockTimeoutMs,
    statement_timeout: s.statementTimeoutMs ?? PG_TIMEOUT_DEFAULTS.statementTimeoutMs,
    idle_in_transaction_session_timeout: s.idleInTransactionTimeoutMs ?? PG_TIMEOUT_DEFAULTS.idleInTransactionTimeoutMs,
    connectionTimeoutMillis: s.connectTimeoutMs ?? PG_TIMEOUT_DEFAULTS.connectTimeoutMs,
    query_timeout: queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: PG_TYPES
  }
}

/** Error details safe to log: never the connection URL or query parameters. */
export function describePgError (err: unknown): { code?: string, message: string } {
  const e = err as { code?: string, message?: string }
  return { code: e.code, message: String(e.message ?? err) }
}

/**
 * Creates the shared pool. Broken connections are dropped by the pool and replaced on the next
 * checkout, so the pool recovers by itself after a database restart.
 */
export function createPool (s: PgConnectionSettings, log: PgLogger): pg.Pool {
  const queryTimeoutMs = s.queryTimeoutMs ?? (s.statementTimeoutMs ?? PG_TIMEOUT_DEFAULTS.statementTimeoutMs) + 5000
  const pool = new (pgModule().Pool)({ ...clientConfig(s, 'pool', queryTimeoutMs), max: s.maxParallel, idleTimeoutMillis: 30_000 })
  // Idle clients report here...
  pool.on('error', (err) => log.warn({ err: describePgError(err) }, 'PostgreSQL: idle pooled connection lost'))
  // ...and checked-out ones on their own emitter: give every client a listener once, at creation.
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn({ err: describePgError(err) }, 'PostgreSQL: pooled connection lost'))
  })
  return pool
}

/** What a transaction callback may use: queries on the transaction's connection, nothing else. */
export interface PgTx {
  /** Runs one statement in the transaction; resolves its rows. */
  query: <R extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => Promise<R[]>
}

/** Anything statements can run on (the pool, a client, a transaction). */
export interface PgQueryable {
  query: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>
}

/** Wraps a client or the pool as a `PgTx`-shaped query function. */
export function rowsOf (q: PgQueryable): PgTx {
  return { query: async <R extends object>(sql: string, params?: readonly unknown[]) => (await q.query(sql, params === undefined ? undefined : [...params])).rows as R[] }
}

/**
 * Runs `work` in one transaction on a pooled connection: BEGIN, `work(tx)`, COMMIT; ROLLBACK
 * and rethrow when `work` throws. `work` gets statements only (repositories built on `tx`):
 * no network I/O, no SDK call, no await of anything but `tx` inside (round2.md R2-3); the
 * server ends a transaction left idle longer than `idleInTransactionTimeoutMs`.
 * A connection that failed during the transaction is destroyed, not returned to the pool.
 * @throws whatever `work` or PostgreSQL throws (e.g. code 55P03 lock_not_available when
 *   `lock_timeout` expires, 57014 query_canceled on `statement_timeout`).
 */
export async function withTransaction<T> (pool: pg.Pool, work: (tx: PgTx) => Promise<T>): Promise<T> {
  return await withClientTransaction(pool, async (client) => await work(rowsOf(client)))
}

/**
 * `withTransaction` handing `work` the checked-out client itself (for callers that build
 * their own statements on it, such as named prepared statements: `db/store/pg/`). The client
 * is always released: destroyed when a statement got no answer in time (no ROLLBACK is tried
 * on a connection that does not answer) or ROLLBACK failed (a broken connection), else returned.
 * @throws as `withTransaction`.
 */
export async function withClientTransaction<T> (pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query('BEGIN')
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    if ((err as Error | undefined)?.message === QUERY_READ_TIMEOUT) broken = err as Error
    else await client.query('ROLLBACK').catch((rollbackErr: Error) => { broken = rollbackErr })
    throw err
  } finally {
    client.release(broken)
  }
}
