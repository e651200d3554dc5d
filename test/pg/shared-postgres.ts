/**
 * The PostgreSQL the test files share (round2.md R2-7). `usePostgres(t)` gives each test file a
 * fresh database on one throwaway server per machine, started on first use by a detached keeper
 * (`shared-postgres-keeper.ts`) that stops it once no client has been connected for a while.
 * `privatePostgres(t)` starts a server of the test's own (for tests that stop and restart it).
 * Without the binaries: in CI (`CI=true`) the test fails, elsewhere it is skipped with the
 * install line. Call `usePostgres` at the top of a file, before defining any test: the database
 * is dropped when the file's root test ends.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import pg from 'pg'
import { PG_BIN, PG_INSTALL_LINE, PG_SUPERUSER, postgresInstalled, startThrowawayPostgres, type ThrowawayPostgres } from '../../src/demo/throwaway-postgres.js'
import { TS_LOADER } from '../ts-loader.js'

const SHARED_DIR = join(tmpdir(), `vault-sync-test-pg-${process.getuid?.() ?? 0}`)
const KEEPER = join(import.meta.dirname, 'shared-postgres-keeper.ts')

/** A test file's own database on the shared server. */
export interface TestDatabase {
  /** Connection URL of the test's database. */
  url: string
  /** Its name. */
  database: string
  /**
   * Connection URL of another fresh database on the same server (dropped at teardown);
   * `options` are appended to its CREATE DATABASE (e.g. a locale).
   */
  another: (options?: string) => Promise<string>
}

/** False (after failing or skipping `t`) when PostgreSQL 15 is not installed. */
export function requirePostgres (t: Test): boolean {
  if (postgresInstalled()) return true
  const why = `PostgreSQL 15 is not installed in ${PG_BIN} (${PG_INSTALL_LINE})`
  if (process.env.CI === 'true') t.fail(why)
  else t.skip(why, async () => {})
  return false
}

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/** Port of the shared server, starting it (through a keeper) when none runs. */
async function sharedPort (): Promise<number> {
  const until = Date.now() + 90_000
  while (Date.now() < until) {
    let created = false
    try { mkdirSync(SHARED_DIR, { mode: 0o755 }); created = true } catch {}
    if (created) {
      // Only the TypeScript loader, not tap's other flags: the keeper is no test process.
      spawn(process.execPath, [...TS_LOADER, KEEPER, SHARED_DIR], { detached: true, stdio: 'ignore' }).unref()
    }
    const info = join(SHARED_DIR, 'info.json')
    if (existsSync(info)) {
      const { port, keeper } = JSON.parse(readFileSync(info, 'utf8')) as { port: number, keeper: number }
      if (alive(keeper)) return port
      rmSync(SHARED_DIR, { recursive: true, force: true }) // a keeper that died: start afresh
    } else if (!created && existsSync(SHARED_DIR) && Date.now() - statSync(SHARED_DIR).mtimeMs > 60_000) {
      rmSync(SHARED_DIR, { recursive: true, force: true }) // a start that never finished
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`the shared test PostgreSQL did not start (folder ${SHARED_DIR})`)
}

/**
 * A fresh database on the shared server for this test file, dropped at teardown; `undefined`
 * (test failed or skipped) when PostgreSQL is not installed.
 */
export async function usePostgres (t: Test): Promise<TestDatabase | undefined> {
  if (!requirePostgres(t)) return undefined
  for (let attempt = 0; ; attempt++) {
    const port = await sharedPort()
    const admin = new pg.Client({ host: '127.0.0.1', port, user: PG_SUPERUSER, database: 'postgres' })
    admin.on('error', () => {})
    try {
      await admin.connect()
      const created: string[] = []
      const create = async (options = ''): Promise<string> => {
        const name = `t_${randomBytes(6).toString('hex')}`
        await admin.query(`CREATE DATABASE ${name} ${options}`)
        created.push(name)
        return `postgresql://${PG_SUPERUSER}@127.0.0.1:${port}/${name}`
      }
      const url = await create()
      // The admin connection stays open until teardown: the keeper sees the server in use.
      t.teardown(async () => {
        for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
        await admin.end().catch(() => {})
      })
      return { url, database: created[0], another: create }
    } catch (err) {
      await admin.end().catch(() => {})
      if (attempt >= 2) throw err // the server was stopping under us: try a new one
    }
  }
}

/** A server of this test's own (it may stop and start it), stopped and removed at teardown. */
export async function privatePostgres (t: Test): Promise<ThrowawayPostgres | undefined> {
  if (!requirePostgres(t)) return undefined
  const dir = join(tmpdir(), `vault-sync-pg-${randomBytes(6).toString('hex')}`)
  const server = await startThrowawayPostgres(dir)
  t.teardown(async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  return server
}
