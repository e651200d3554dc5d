// SQL on a test server's storage, whichever engine it runs on (issue 18): a second connection,
// as an operator would open one — the SQLite file, or a client of the PostgreSQL database the
// replica uses. Plain statements without parameters (the two engines' placeholders differ).
import Database from 'better-sqlite3'
import pg from 'pg'
import type { Test } from 'tap'
import { clientConfig } from '../db/pg/connection.js'
import type { TestServer } from './helper.js'

/** Rows of a statement, a statement run, and counts of a table, on `server`'s storage; closed when `t` ends. */
export interface ServerSql {
  all: <R>(text: string) => Promise<R[]>
  run: (text: string) => Promise<void>
  count: (table: string) => Promise<number>
}

/** Opens a connection to `server`'s storage for the rest of `t`. */
export async function serverSql (t: Test, server: TestServer): Promise<ServerSql> {
  const replica = server.storage.replica
  let all: <R>(text: string) => Promise<R[]>
  let run: (text: string) => Promise<void>
  if (replica === undefined) {
    const db = new Database(server.dbPath)
    t.teardown(() => { db.close() })
    all = async <R>(text: string) => db.prepare(text).all() as R[]
    run = async (text) => { db.prepare(text).run() }
  } else {
    const client = new pg.Client(clientConfig(replica.settings, 'test'))
    client.on('error', () => {}) // a failed query reports it
    await client.connect()
    t.teardown(async () => { await client.end() })
    all = async <R>(text: string) => (await client.query(text)).rows as R[]
    run = async (text) => { await client.query(text) }
  }
  return {
    all,
    run,
    count: async (table) => Number((await all<{ n: number | string }>(`SELECT count(*) AS n FROM ${table}`))[0].n)
  }
}
