/**
 * Runs `./bin/vault-sync server -dev` as a child process for the demo, exactly as a user would:
 * free ports for the API and the built-in emulator, a dev info file in a temporary directory
 * (read once written), output kept for diagnosis, and a clean stop (SIGTERM, then the exit code
 * is checked; SIGKILL only after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { constants, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DevInfo } from '../dev-akv.js'
import { packageRoot } from '../openapi/document-file.js'

/**
 * The launcher `bin/vault-sync` of this checkout (`packageRoot`: found from `src/demo/`,
 * `dist/src/demo/` or the CLI bundle `dist/src/cli.bundle.mjs` alike).
 */
export function binPath (): string {
  return join(packageRoot(), 'bin', 'vault-sync')
}

/** A running dev server. */
export interface DevProcess {
  info: DevInfo
  pid: number
  /** Everything the server printed so far (banner and logs). */
  output: () => string
  /** Resolves with the exit code (128 + signal number when killed) when the process ends, also on its own. */
  exited: Promise<number | null>
  /** SIGTERM, wait up to `graceMs`, then SIGKILL; resolves with the exit code; removes the temp dir. */
  stop: (graceMs?: number) => Promise<number | null>
}

/**
 * Starts the dev server and waits (up to `timeoutMs`) for its info file.
 * @throws Error with the server's output when it exits or does not become ready.
 */
export async function startDevProcess (opts: { timeoutMs?: number, env?: Record<string, string> } = {}): Promise<DevProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'vault-sync-demo-'))
  const infoFile = join(dir, 'dev-info.json')
  const args = [binPath(), 'server', '-dev', '-dev-listen-address=127.0.0.1:0', '-dev-akv-listen-address=127.0.0.1:0', `-dev-info-file=${infoFile}`]
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, VAULT_SYNC_LOG_LEVEL: process.env.VAULT_SYNC_LOG_LEVEL ?? 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout?.on('data', (c) => { out += String(c) })
  child.stderr?.on('data', (c) => { out += String(c) })
  // A death by signal reads as the shell shows it: 128 + the signal number.
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : 128 + (constants.signals[signal] ?? 0))))
  })
  let ended = false
  void exited.then(() => { ended = true })

  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (!ended) child.kill('SIGTERM')
    const timer = setTimeout(() => { if (!ended) child.kill('SIGKILL') }, graceMs)
    const code = await exited
    clearTimeout(timer)
    await rm(dir, { recursive: true, force: true })
    return code
  }

  const until = Date.now() + (opts.timeoutMs ?? 30_000)
  for (;;) {
    try {
      const info = JSON.parse(await readFile(infoFile, 'utf8')) as DevInfo
      if (info.akv === undefined) {
        await stop()
        throw new Error('the dev info file has no "akv" object: this server -dev does not run the built-in emulator')
      }
      return { info, pid: child.pid ?? 0, output: () => out, exited, stop }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    if (ended || Date.now() > until) {
      await stop()
      throw new Error(`${ended ? 'server -dev exited before it was ready' : 'server -dev was not ready in time'}:\n${out}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
