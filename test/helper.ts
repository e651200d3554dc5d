/**
 * Shared test set-up: real parts only. `startTestServer` runs the server as `server -dev`
 * does, on a real SQLite file in a temp folder and a real loopback socket; `buildTestApp`
 * gives the same app for `inject()`. Both close themselves when the test ends. Importing this
 * module installs the OpenAPI response validation (`openapi/response-validation.ts`).
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { loadConfig } from '../src/config.js'
import { startServer, type RunningServer, type StartOptions } from '../src/server.js'
import { installResponseValidation } from './openapi/response-validation.js'
import { usePostgres } from './pg/shared-postgres.js'

// Every Vault app built in a test process has its responses checked against openapi.yaml
// (issue 7, decisions D-32.3).
installResponseValidation()

/** The root token every test server is created with. */
export const ROOT_TOKEN = 'root-test-token'

/** A fresh temp folder, removed when `t` ends. */
export function tempDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'vault-sync-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface TestServer extends RunningServer {
  dir: string
  dbPath: string
  /** The storage variables it was started with (`testStorageEnv`): a restart on the same storage passes them again. */
  storageEnv: Record<string, string>
}

/**
 * Starts a dev-mode server (KV v2 at `secret/`, sync activated, root token `ROOT_TOKEN`) on
 * 127.0.0.1 with a free port and a SQLite file in a temp folder (or a fresh PostgreSQL
 * database: `testStorageEnv`). `options` adds destination types or a worker clock (see
 * `StartOptions`), or a folder (`dir`: its seal key shared by replicas started there).
 */
export async function startTestServer (t: Test, env: Record<string, string> = {}, options: Pick<StartOptions, 'drivers' | 'workerClock'> & { dir?: string } = {}): Promise<TestServer> {
  const dir = options.dir ?? tempDir(t)
  const dbPath = join(dir, 'vault-sync.db')
  const started: { server?: RunningServer, closed?: boolean } = {}
  const close = async (): Promise<void> => {
    if (started.closed !== true && started.server !== undefined) { started.closed = true; await started.server.close() }
  }
  t.teardown(close) // before the test database's own teardown: the server stops before it is dropped
  const storageEnv = await testStorageEnv(t, env)
  const config = loadConfig(
    { dbPath, listenAddress: '127.0.0.1:0', sealKeyFile: join(dir, 'seal.key') },
    // The sync worker is off unless a test asks for it (sync flows do, against the emulator):
    // no test may try to reach a non-loopback Key Vault.
    { VAULT_SYNC_LOG_LEVEL: 'silent', VAULT_SYNC_WORKER: 'off', ...storageEnv, ...env }
  )
  const server = started.server = await startServer({ config, dev: { rootTokenId: ROOT_TOKEN }, ...options })
  return { ...server, close, dir, dbPath, storageEnv }
}

/**
 * The storage variables of a test that works on the SQLite file itself (reads it as a thief of
 * the file would, copies it with `operator backup`, or rebuilds a reference from it through the
 * SQLite repositories): such a test runs on SQLite whatever `VAULT_SYNC_TEST_STORAGE` says.
 */
export const SQLITE_FILE = Object.freeze({ VAULT_SYNC_STORAGE: 'sqlite' })

/**
 * The storage variables of a test server: none (SQLite in the temp folder) unless
 * `VAULT_SYNC_TEST_STORAGE=postgresql` runs the suite on PostgreSQL, or `env` asks for it
 * itself: then a fresh database of the throwaway test PostgreSQL (`test/pg/`), dropped when
 * `t` ends (`env` giving `VAULT_PG_CONNECTION_URL` shares one between servers: replicas).
 */
export async function testStorageEnv (t: Test, env: Record<string, string> = {}): Promise<Record<string, string>> {
  const storage = env.VAULT_SYNC_STORAGE ?? process.env.VAULT_SYNC_TEST_STORAGE ?? 'sqlite'
  if (storage !== 'postgresql' || env.VAULT_PG_CONNECTION_URL !== undefined) return {}
  const pg = await usePostgres(t)
  if (pg === undefined) throw new Error('VAULT_SYNC_TEST_STORAGE=postgresql needs PostgreSQL 15 (apt-get install -y postgresql-15)')
  return { VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: pg.url }
}

/** `app.inject` with the root token (unless `token` is given; `null` sends none). */
export async function vault (
  app: FastifyInstance,
  method: InjectOptions['method'],
  url: string,
  options: { body?: unknown, token?: string | null, headers?: Record<string, string> } = {}
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...options.headers }
  const token = options.token === undefined ? ROOT_TOKEN : options.token
  if (token !== null) headers['x-vault-token'] = token
  let payload: string | undefined
  if (options.body !== undefined) payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
  return await app.inject({ method, url, headers, payload })
}

/**
 * Writes the ACL policy `name` (HCL `policy`) as root, then creates a token with only that policy
 * (and `default`); resolves its id. Throws when the policy is refused.
 */
export async function tokenWithPolicy (app: FastifyInstance, name: string, policy: string): Promise<string> {
  const written = await vault(app, 'PUT', `/v1/sys/policies/acl/${name}`, { body: { policy } })
  if (written.statusCode !== 204) throw new Error(`policy ${name}: ${written.statusCode} ${written.body}`)
  return (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: [name] } })).json().auth.client_token as string
}

/** Debian's python (where python3-hvac and python3-azure live). */
export const DEBIAN_PYTHON = '/usr/bin/python3'

/**
 * True when Debian's python can import `module`. When it cannot: outside CI the test is skipped
 * with the reason; with `CI=true` it fails (decisions D-29), so CI cannot go green without it.
 */
export async function requirePythonModule (t: Test, module: string, apt: string): Promise<boolean> {
  const ok = existsSync(DEBIAN_PYTHON) && await new Promise<boolean>((resolve) => {
    execFile(DEBIAN_PYTHON, ['-c', `import ${module}`], (err) => resolve(err === null))
  })
  if (ok) return true
  if (process.env.CI === 'true') t.fail(`${module} is not importable by ${DEBIAN_PYTHON}: apt-get install -y ${apt}`)
  else t.skip(`${module} is not installed for ${DEBIAN_PYTHON} (apt-get install -y ${apt})`, async () => {})
  return false
}

/** Runs a python script with Debian's python; resolves stdout, rejects with stderr on failure. */
export async function runPython (script: string, env: Record<string, string>): Promise<string> {
  return await new Promise((resolve, reject) => {
    execFile(DEBIAN_PYTHON, ['-c', script], { env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`python failed: ${err.message}\n${stderr}\n${stdout}`))
      else resolve(stdout)
    })
  })
}
