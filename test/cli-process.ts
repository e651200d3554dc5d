// Running ./bin/vault-sync as a child process, as a user does (for the CLI tests). Not a test file.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'

export const BIN = join(import.meta.dirname, '..', 'bin', 'vault-sync')

/** A free loopback port. */
export async function freePort (): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/** Waits until `check()` holds (polling every 25 ms; at most `ms`, generous for a cold first start on a loaded CI machine), or throws naming `what`. */
export async function waitFor (check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** The exit code of `child` once it has exited. */
export async function exitOf (child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode
  return await new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

/** How to start the child: its working directory, and a command it runs under (`setpriv ... --`). */
export interface RunOptions { cwd?: string, wrap?: string[] }

/** Starts `vault-sync ...args` (log level warn unless `env` says otherwise); `output()` is stdout and stderr so far. */
export function run (args: string[], env: Record<string, string> = {}, options: RunOptions = {}): { child: ChildProcess, output: () => string, stdout: () => string } {
  const [command, ...before] = [...options.wrap ?? [], process.execPath]
  const child = spawn(command, [...before, BIN, ...args], { cwd: options.cwd, env: { ...process.env, VAULT_SYNC_LOG_LEVEL: 'warn', ...env } })
  let out = ''
  let stdout = ''
  child.stdout?.on('data', (c) => { out += String(c); stdout += String(c) })
  child.stderr?.on('data', (c) => { out += String(c) })
  return { child, output: () => out, stdout: () => stdout }
}
