/**
 * Runs the product as users run it, in a child process (the compiled build in `dist/`), on a
 * free loopback port, with the `VAULT_SYNC_*` settings a benchmark needs:
 * - `dev`: `./bin/vault-sync server -dev [-dev-db=FILE]` (with its built-in emulator, idle here);
 *   ready = the dev info file exists (written once the listener is bound);
 * - `server`: `./bin/vault-sync server` on `VAULT_SYNC_DB_PATH=FILE` (production mode, no
 *   emulator); ready = its "listening on" line. The database must already hold `ROOT_TOKEN`
 *   if the caller means to use the API.
 * Measures spawn-to-ready time and reads the process's memory and CPU time from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { now, repoRoot, sleep } from './common.js'

export const ROOT_TOKEN = 'bench-root-token'

export interface ServerProcess {
  address: string
  pid: number
  /** Spawn to ready (info file written), ms. */
  readyMs: number
  /** Resident set size now, KiB (Linux /proc; undefined elsewhere). */
  rssKb: () => number | undefined
  /** Peak resident set size so far, KiB (VmHWM). */
  peakRssKb: () => number | undefined
  stop: () => Promise<void>
}

export interface ServerProcessOptions {
  /** `dev` (default) or `server` (production mode; needs `dbPath`). */
  mode?: 'dev' | 'server'
  /** Folder for the info file. */
  dir: string
  /** The database file (seal key in `PATH.seal-key`); without it, `dev` runs in memory. */
  dbPath?: string
  /** Extra environment (`VAULT_SYNC_*`). `VAULT_SYNC_LOG_LEVEL` defaults to `warn`. */
  env?: Record<string, string>
  /** A label for error messages and the info file name. */
  label: string
  /** The checkout whose `bin/vault-sync` and `dist/` run (A/B of two builds); this one when absent. */
  root?: string
}

/** CPU time (user + system) a process has used so far, ms (Linux /proc; undefined elsewhere). */
export function processCpuMs (pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10 // clock ticks of 10 ms (USER_HZ = 100)
  } catch {
    return undefined
  }
}

/**
 * Context switches of a process so far (Linux /proc `voluntary_ctxt_switches` and
 * `nonvoluntary_ctxt_switches`; undefined elsewhere). Involuntary ones are preemptions: on this
 * 2-vCPU machine a loaded server is preempted about once per request when the load generator
 * and other work share its core, which is where its CPU per request moves (bench/README.md).
 */
export function processContextSwitches (pid: number): { voluntary: number, involuntary: number } | undefined {
  const voluntary = procStatus(pid, 'voluntary_ctxt_switches')
  const involuntary = procStatus(pid, 'nonvoluntary_ctxt_switches')
  return voluntary === undefined || involuntary === undefined ? undefined : { voluntary, involuntary }
}

/** A number field of `/proc/PID/status` (a size in kB, or a count), or undefined. */
function procStatus (pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)(?: kB)?$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? undefined : Number(m[1])
  } catch {
    return undefined
  }
}

/** Starts the server and resolves once it listens. @throws when it exits or is not ready in 60 s. */
export async function startServerProcess (opts: ServerProcessOptions): Promise<ServerProcess> {
  const bin = join(opts.root ?? repoRoot(), 'bin', 'vault-sync')
  const info = join(opts.dir, `${opts.label}.info.json`)
  rmSync(info, { force: true })
  const dev = opts.mode !== 'server'
  if (!dev && opts.dbPath === undefined) throw new Error('bench: server mode needs a database path')
  const args = dev
    ? [bin, 'server', '-dev', '-dev-listen-address=127.0.0.1:0', `-dev-root-token-id=${ROOT_TOKEN}`, `-dev-info-file=${info}`,
        ...(opts.dbPath !== undefined ? [`-dev-db=${opts.dbPath}`] : [])]
    : [bin, 'server']
  const env = {
    ...process.env,
    VAULT_SYNC_LOG_LEVEL: 'warn',
    ...(dev ? {} : { VAULT_SYNC_DB_PATH: opts.dbPath!, VAULT_SYNC_SEAL_KEY_FILE: `${opts.dbPath!}.seal-key`, VAULT_SYNC_LISTEN_ADDRESS: '127.0.0.1:0' }),
    ...opts.env
  }
  const started = now()
  // BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the server children.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...args], { env, stdio: ['ignore', dev ? 'ignore' : 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-4000) })
  let listening: string | undefined
  if (!dev) {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      if (listening !== undefined) return
      out += chunk.toString('utf8')
      const m = /listening on (\S+)/.exec(out)
      if (m !== null) listening = m[1]
    })
  }
  let exited: number | null | undefined
  const exit = new Promise<void>((resolve) => { child.once('exit', (code) => { exited = code; resolve() }) })
  let readyMs: number | undefined
  let address: string | undefined
  while (readyMs === undefined) {
    if (dev && existsSync(info)) {
      try {
        address = (JSON.parse(readFileSync(info, 'utf8')) as { address: string }).address
        readyMs = now() - started
        break
      } catch { /* partly written */ }
    }
    if (listening !== undefined) { address = listening; readyMs = now() - started; break }
    if (exited !== undefined) throw new Error(`bench: server "${opts.label}" exited with ${String(exited)} before it was ready:\n${stderr}`)
    if (now() - started > 60_000) { child.kill('SIGKILL'); throw new Error(`bench: server "${opts.label}" not ready after 60 s:\n${stderr}`) }
    await sleep(2)
  }
  const pid = child.pid!
  return {
    address: address!,
    pid,
    readyMs,
    rssKb: () => procStatus(pid, 'VmRSS'),
    peakRssKb: () => procStatus(pid, 'VmHWM'),
    stop: async () => {
      if (exited !== undefined) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exit
      clearTimeout(timer)
    }
  }
}
