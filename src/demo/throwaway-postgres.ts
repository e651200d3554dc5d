/**
 * A throwaway PostgreSQL 15 for the `--replicas=N` demo, the tests (round2.md R2-7, through
 * `test/pg/shared-postgres.ts`) and the benchmarks: `initdb` in a temporary folder, the
 * server on a free loopback port with its unix socket in that folder, trust authentication,
 * durability off (fsync, synchronous_commit, full_page_writes: throwaway data only). Binaries come
 * from Debian's `postgresql-15` package. initdb and postgres refuse to run as root, so as root
 * (CI) they run as the `postgres` user through `setpriv`, in a folder that user owns.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { userInfo } from 'node:os'
import pg from 'pg'

/** Where Debian's `postgresql-15` puts its server binaries. */
export const PG_BIN = '/usr/lib/postgresql/15/bin'
/** The line that installs them. */
export const PG_INSTALL_LINE = 'apt-get install -y postgresql-15'
/** The superuser initdb creates (trust authentication on loopback and the socket). */
export const PG_SUPERUSER = 'vault_sync_test'

/** True when `initdb` and `postgres` of PostgreSQL 15 are on this machine. */
export function postgresInstalled (): boolean {
  return existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'postgres'))
}

/** uid/gid the server runs as: the current user, or `postgres` when running as root. */
function serverUser (): { uid: number, gid: number, wrap: string[] } {
  if (process.getuid?.() !== 0) return { uid: userInfo().uid, gid: userInfo().gid, wrap: [] }
  const pw = /^postgres:[^:]*:(\d+):(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))
  if (pw === null) throw new Error(`running as root needs a "postgres" user to run PostgreSQL (${PG_INSTALL_LINE} creates it)`)
  return { uid: Number(pw[1]), gid: Number(pw[2]), wrap: ['setpriv', `--reuid=${pw[1]}`, `--regid=${pw[2]}`, '--clear-groups', '--'] }
}

/** A free TCP port on 127.0.0.1 (the server may still lose it to a race: `start` retries). */
export async function freeLoopbackPort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

async function run (argv: string[]): Promise<void> {
  const [cmd, ...args] = argv
  await new Promise<void>((resolve, reject) => {
    execFile(cmd, args, { timeout: 120_000, env: { ...process.env, LC_ALL: 'C' } }, (err, _out, stderr) => {
      if (err === null) resolve()
      else reject(new Error(`${argv.join(' ')} failed: ${err.message}\n${stderr}`))
    })
  })
}

/** A running (or stopped) throwaway server. */
export interface ThrowawayPostgres {
  readonly dir: string
  readonly port: number
  /** The postmaster's pid while running. */
  readonly pid: number | undefined
  /** Connection URL of database `database` (default `postgres`) over loopback TCP. */
  url: (database?: string) => string
  /** Fast shutdown (clients are disconnected); resolves when the postmaster has exited. */
  stop: () => Promise<void>
  /** Starts the server again on the same folder and port. */
  start: () => Promise<void>
}

/**
 * Creates a cluster in `dir` (which must exist and be empty or absent) and starts it.
 * `detached` lets the server outlive this process (the shared server's keeper).
 * @throws Error when the binaries are missing, initdb fails or the server does not accept
 *   connections within 30 s.
 */
export async function startThrowawayPostgres (dir: string, opts: { detached?: boolean } = {}): Promise<ThrowawayPostgres> {
  if (!postgresInstalled()) throw new Error(`PostgreSQL 15 is not installed (${PG_INSTALL_LINE})`)
  const user = serverUser()
  mkdirSync(dir, { recursive: true })
  const data = join(dir, 'data')
  mkdirSync(data, { mode: 0o700 })
  chownSync(dir, user.uid, user.gid)
  chownSync(data, user.uid, user.gid)
  await run([...user.wrap, join(PG_BIN, 'initdb'), '-D', data, '-U', PG_SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'])
  let port = 0
  let child: ChildProcess | undefined
  const spawnServer = (): ChildProcess => {
    const argv = [...user.wrap, join(PG_BIN, 'postgres'), '-D', data, '-p', String(port), '-k', dir,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
      '-c', 'max_connections=300', '-c', 'shared_buffers=32MB', '-c', 'log_min_messages=warning']
    const log = openSync(join(dir, 'server.log'), 'a')
    const c = spawn(argv[0], argv.slice(1), { stdio: ['ignore', log, log], detached: opts.detached === true })
    if (opts.detached === true) c.unref()
    return c
  }
  const server: ThrowawayPostgres = {
    dir,
    get port () { return port },
    get pid () { return child?.exitCode === null ? child.pid : undefined },
    url: (database = 'postgres') => `postgresql://${PG_SUPERUSER}@127.0.0.1:${port}/${database}`,
    stop: async () => {
      const c = child
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return
      await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill('SIGINT') })
    },
    start: async () => {
      child = spawnServer()
      if (!await ready(port, child)) throw new Error(`PostgreSQL did not restart on port ${port} (see ${join(dir, 'server.log')})`)
    }
  }
  for (let attempt = 0; ; attempt++) { // a free port may be taken between probing and binding
    port = await freeLoopbackPort()
    child = spawnServer()
    if (await ready(port, child)) break
    if (attempt >= 3) throw new Error(`PostgreSQL did not start (see ${join(dir, 'server.log')})`)
  }
  return server
}

/** Waits until the server on `port` accepts a query, or `child` exits (false), 30 s at most. */
async function ready (port: number, child: ChildProcess): Promise<boolean> {
  const until = Date.now() + 30_000
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) return false
    const c = new pg.Client({ host: '127.0.0.1', port, user: PG_SUPERUSER, database: 'postgres' })
    c.on('error', () => {})
    try {
      await c.connect()
      await c.query('SELECT 1')
      await c.end()
      return true
    } catch {
      await c.end().catch(() => {})
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  return false
}
