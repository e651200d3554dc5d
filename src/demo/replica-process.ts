/**
 * Runs one vault-sync replica, `./bin/vault-sync server` on PostgreSQL, as a child process
 * (issue 18: the `--replicas=N` demo and the failover test): a free loopback port, the
 * PostgreSQL and seal-key settings in its environment, its output kept for diagnosis. Ready once
 * `sys/health` answers on its socket (and, for the replica that initialised a new database, once
 * it printed the initial root token). `kill('SIGKILL')` is a crash: nothing is released, its
 * leases expire on the database clock.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { constants } from 'node:os'
import { binPath } from './dev-process.js'
import { freeLoopbackPort } from './throwaway-postgres.js'

/** A running (or dead) replica process. */
export interface ReplicaProcess {
  /** A short name for reports (`replica-1`). */
  readonly name: string
  /** `http://127.0.0.1:<port>`: its API, and the address its heartbeat advertises. */
  readonly address: string
  readonly pid: number
  /** The root token it printed when it initialised the database (only the first replica does). */
  readonly rootToken: string | undefined
  /** Everything it printed so far. */
  output: () => string
  /** False once the process has exited. */
  alive: () => boolean
  /** Resolves with the exit code (128 + signal number when killed) once it exits. */
  exited: Promise<number | null>
  /** Sends `signal` and waits for the exit. */
  kill: (signal: NodeJS.Signals) => Promise<number | null>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop: (graceMs?: number) => Promise<number | null>
}

export interface ReplicaProcessOptions {
  name: string
  /** The PostgreSQL database every replica shares (`VAULT_PG_CONNECTION_URL`). */
  connectionUrl: string
  /** The seal key file every replica shares (`VAULT_SYNC_SEAL_KEY_FILE`). */
  sealKeyFile: string
  /** Further settings (e.g. the emulator's `VAULT_SYNC_AZURE_*`). */
  env?: Record<string, string>
  /** Wait for the "Initial Root Token" line (the replica that initialises a new database). */
  expectRootToken?: boolean
  /** Bound on the start, ms (default 60 s). */
  timeoutMs?: number
}

/** Tries to start a replica on a port another process took between its probe and the bind. */
const PORT_ATTEMPTS = 3

/**
 * Starts a replica and waits until it serves. The free port is probed before the child binds
 * it, so another process may take it meanwhile: a start that fails with EADDRINUSE is tried
 * again on a new port (up to 3 times; the root token is made only once the server listens).
 * @throws Error with its output when it exits or is not ready in time.
 */
export async function startReplicaProcess (o: ReplicaProcessOptions): Promise<ReplicaProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(o, await freeLoopbackPort())
    } catch (err) {
      if (attempt >= PORT_ATTEMPTS || !/EADDRINUSE/.test((err as Error).message)) throw err
    }
  }
}

async function startOnce (o: ReplicaProcessOptions, port: number): Promise<ReplicaProcess> {
  const address = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(process.execPath, [binPath(), 'server'], {
    env: {
      ...process.env,
      VAULT_SYNC_LOG_LEVEL: 'warn',
      ...o.env,
      VAULT_SYNC_STORAGE: 'postgresql',
      VAULT_PG_CONNECTION_URL: o.connectionUrl,
      VAULT_SYNC_SEAL_KEY_FILE: o.sealKeyFile,
      VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${port}`
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout?.on('data', (c) => { out += String(c) })
  child.stderr?.on('data', (c) => { out += String(c) })
  let ended = false
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => { ended = true; resolve(code ?? (signal === null ? null : 128 + (constants.signals[signal] ?? 0))) })
  })
  const kill = async (signal: NodeJS.Signals): Promise<number | null> => {
    if (!ended) child.kill(signal)
    return await exited
  }
  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (!ended) child.kill('SIGTERM')
    const timer = setTimeout(() => { if (!ended) child.kill('SIGKILL') }, graceMs)
    const code = await exited
    clearTimeout(timer)
    return code
  }
  const rootToken = (): string | undefined => /Initial Root Token: (\S+)/.exec(out)?.[1]
  const until = Date.now() + (o.timeoutMs ?? 60_000)
  for (;;) {
    const healthy = await fetch(`${address}/v1/sys/health`).then((r) => r.status === 200, () => false)
    if (healthy && (o.expectRootToken !== true || rootToken() !== undefined)) break
    if (ended || Date.now() > until) {
      await stop(2_000)
      throw new Error(`${o.name} ${ended ? 'exited before it was ready' : 'was not ready in time'}:\n${out.slice(-4000)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { name: o.name, address, pid: child.pid ?? 0, rootToken: rootToken(), output: () => out, alive: () => !ended, exited, kill, stop }
}
