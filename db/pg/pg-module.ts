/**
 * node-postgres, loaded on first use (issue 16: a server on SQLite, the default, starts without
 * importing a PostgreSQL driver it never uses; `pg` takes ~50-100 ms to import). Synchronous, so
 * the PostgreSQL modules keep their synchronous constructors: `pg` is a CommonJS package, so
 * `require` loads the same module object its ESM entry re-exports.
 */
import { createRequire } from 'node:module'
import type pg from 'pg'

let loaded: typeof pg | undefined

/** The `pg` module (loaded on the first call). @throws Error when the package is not installed. */
export function pgModule (): typeof pg {
  loaded ??= createRequire(import.meta.url)('pg') as typeof pg
  return loaded
}
