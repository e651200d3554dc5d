/**
 * The PostgreSQL side of the benchmarks (issue 18's PostgreSQL column of benches 1, 2 and 4):
 * one throwaway PostgreSQL 15 per run (`test/pg/throwaway-postgres.ts`: initdb in a temporary
 * folder, a loopback port, durability off), started on first use, one database per purpose, and
 * vault-sync servers on it (`VAULT_SYNC_STORAGE=postgresql`). Stopped when the run ends.
 *
 * Without Debian's `postgresql-15` server binaries the PostgreSQL parts fail with
 * `PostgresMissingError` (the SQLite figures of the same benchmark are still reported);
 * `--no-postgresql` leaves them out.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { PG_BIN, PG_INSTALL_LINE, postgresInstalled, startThrowawayPostgres, type ThrowawayPostgres } from '../../src/demo/throwaway-postgres.js'
import { startServerProcess, type ServerProcess } from './server-process.js'

/** The PostgreSQL binaries are absent: the PostgreSQL columns cannot be measured. */
export class PostgresMissingError extends Error {
  constructor () {
    super(`the PostgreSQL columns need PostgreSQL 15's server binaries in ${PG_BIN} (${PG_INSTALL_LINE}); ` +
      '`npm run bench -- --no-postgresql` runs the SQLite figures alone')
    this.name = 'PostgresMissingError'
  }
}

export interface BenchPostgres {
  /** Creates database `name` (new, empty) and returns its connection URL. */
  database: (name: string) => Promise<string>
  /** CPU time (user + system) of the postmaster and all its children (backends), ms (Linux /proc). */
  cpuMs: () => number
  /** Runs one query on database `name` (for figures such as lease holders). */
  query: <R extends pg.QueryResultRow>(name: string, sql: string) => Promise<R[]>
  stop: () => Promise<void>
}

/** Starts the throwaway server. @throws PostgresMissingError without the binaries. */
export async function startBenchPostgres (): Promise<BenchPostgres> {
  if (!postgresInstalled()) throw new PostgresMissingError()
  // Not under the run's mode-0700 folder: as root the server runs as `postgres` and must reach its own.
  const dir = join(tmpdir(), `vault-sync-bench-pg-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  const server: ThrowawayPostgres = await startThrowawayPostgres(dir)
  const withClient = async <T>(db: string, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: server.url(db) })
    await c.connect()
    try { return await fn(c) } finally { await c.end() }
  }
  return {
    database: async (name) => {
      await withClient('postgres', async (c) => { await c.query(`CREATE DATABASE "${name}"`) })
      return server.url(name)
    },
    cpuMs: () => treeCpuMs(server.pid),
    query: async (name, sql) => await withClient(name, async (c) => (await c.query(sql)).rows),
    stop: async () => {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** User + system CPU ms of `pid` and its direct children (PostgreSQL's backends are). */
function treeCpuMs (pid: number | undefined): number {
  if (pid === undefined) return NaN
  let ms = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')
      if (Number(entry) !== pid && Number(fields[1]) !== pid) continue
      ms += (Number(fields[11]) + Number(fields[12])) * 10 // clock ticks of 10 ms (USER_HZ = 100)
    } catch { /* exited meanwhile */ }
  }
  return ms
}

/** The settings that put a vault-sync server on database `url`. */
export const pgStorageEnv = (url: string): Record<string, string> => ({ VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: url })

/**
 * Starts `count` `server -dev` replicas on database `url`, one after the other (the first
 * creates the shared seal key file `<dir>/<label>.pg.seal-key` and the root token; the others
 * find them).
 */
export async function startPgReplicas (opts: { dir: string, label: string, url: string, count: number, env?: Record<string, string> }): Promise<ServerProcess[]> {
  const out: ServerProcess[] = []
  try {
    for (let i = 0; i < opts.count; i++) {
      out.push(await startServerProcess({
        dir: opts.dir, label: `${opts.label}-${i}`, dbPath: join(opts.dir, `${opts.label}.pg`), env: { ...opts.env, ...pgStorageEnv(opts.url) }
      }))
    }
  } catch (err) {
    for (const s of out) await s.stop()
    throw err
  }
  return out
}
