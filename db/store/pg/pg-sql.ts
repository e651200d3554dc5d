/**
 * How the PostgreSQL repositories run their statements: every statement is a named prepared
 * statement (node-postgres prepares it once per connection, on first use, and reuses it), run
 * on the pool (outside a unit of work) or on the unit's checked-out client. Parameters are
 * `$1…$n`; numbers, strings, `null` and Buffers (bytea) only.
 */
import type pg from 'pg'

/** A statement: its prepared-statement name (unique per text) and its text. */
export interface Statement { name: string, text: string }

/** Names a statement (`vs_<name>`); one name per distinct text. */
export function statement (name: string, text: string): Statement {
  return { name: `vs_${name}`, text }
}

/** Statement runner over the pool or one client. */
export interface Sql {
  /** Every row of `st`. */
  all: <R>(st: Statement, values?: unknown[]) => Promise<R[]>
  /** The first row of `st`, or undefined. */
  one: <R>(st: Statement, values?: unknown[]) => Promise<R | undefined>
  /** Runs `st`; resolves the number of rows it changed. */
  run: (st: Statement, values?: unknown[]) => Promise<number>
}

/**
 * A text parameter holding U+0000, which PostgreSQL's `text` cannot store (SQLSTATE 22021 would
 * reach the client as a 500). Carries `statusCode` 400, which the Vault HTTP plugin answers as
 * `{"errors": [message]}`; the value itself is never named.
 */
export class NulInTextError extends Error {
  readonly statusCode = 400
  constructor () {
    super('invalid input: a text value contains a NUL character (\\u0000)')
    this.name = 'NulInTextError'
  }
}

/** True when a string parameter of `values` holds U+0000. */
function holdsNul (values: unknown[]): boolean {
  for (const v of values) if (typeof v === 'string' && v.includes('\u0000')) return true
  return false
}

/** A statement that only reads: no stored text can equal a value holding U+0000. */
const READ_ONLY = /^\s*SELECT\b(?![\s\S]*\b(INSERT|UPDATE|DELETE)\b)/i

/**
 * The runner of `q` (the pool, or a transaction's client). A parameter holding U+0000 never
 * reaches PostgreSQL: a read-only statement finds no row (no stored text holds it), any other
 * statement raises `NulInTextError` (400) instead of PostgreSQL's 22021.
 */
export function sqlOn (q: pg.Pool | pg.ClientBase): Sql {
  const exec = async (st: Statement, values: unknown[] = []): Promise<pg.QueryResult> => {
    if (holdsNul(values)) {
      if (READ_ONLY.test(st.text)) return { rows: [], rowCount: 0, command: 'SELECT', oid: 0, fields: [] }
      throw new NulInTextError()
    }
    return await q.query({ name: st.name, text: st.text, values })
  }
  return {
    all: async <R>(st: Statement, values?: unknown[]) => (await exec(st, values)).rows as R[],
    one: async <R>(st: Statement, values?: unknown[]) => (await exec(st, values)).rows[0] as R | undefined,
    run: async (st, values) => (await exec(st, values)).rowCount ?? 0
  }
}

/** `INSERT INTO table (columns) VALUES ($1…$n)` followed by `tail`. */
export function insertInto (table: string, columns: readonly string[], tail = ''): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) ${tail}`.trim()
}

/** `SET c = excluded.c, …` of an upsert, for `columns`. */
export function setExcluded (columns: readonly string[]): string {
  return columns.map((c) => `${c} = excluded.${c}`).join(', ')
}

/** The values of `row` in `columns` order (for `insertInto`). */
export function valuesOf<R extends object> (row: R, columns: ReadonlyArray<keyof R & string>): unknown[] {
  return columns.map((c) => row[c])
}
