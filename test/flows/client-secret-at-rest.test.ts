// A destination's client_secret never appears in clear: not in the SQLite file, not in its WAL,
// not in the server's log output (at trace level), not in any answer. The server runs as a
// child process (`server -dev -dev-db=…`), the way an operator runs it.
// SQLite only, whatever VAULT_SYNC_TEST_STORAGE says: it reads the SQLite file and its WAL.
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helper.js'
import { goRequest } from '../go-vault-client.js'
import { TS_LOADER } from '../ts-loader.js'

const SECRET = 'Zq8~client-secret-that-must-not-leak-7c1d'
const ROTATED = 'Zq8~rotated-secret-that-must-not-leak-91ab'
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))

t.test('client_secret is absent from the database file, its WAL and the logs', async (t) => {
  const dir = tempDir(t)
  const dbPath = join(dir, 'dev.db')
  const infoFile = join(dir, 'info.json')
  const argv = ['server', '-dev', `-dev-db=${dbPath}`, '-dev-listen-address=127.0.0.1:0', '-dev-root-token-id=grep-root', `-dev-info-file=${infoFile}`]
  const child = spawn(process.execPath, [...TS_LOADER, '--input-type=module', '-e', `import(${JSON.stringify(CLI)}).then((m) => m.main(${JSON.stringify(argv)}))`], {
    env: { ...process.env, VAULT_SYNC_LOG_LEVEL: 'trace', VAULT_SYNC_LOG_REQUESTS_LEVEL: 'info', VAULT_SYNC_WORKER: 'off' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let logs = ''
  child.stdout.on('data', (c: Buffer) => { logs += c.toString('utf8') })
  child.stderr.on('data', (c: Buffer) => { logs += c.toString('utf8') })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  t.teardown(async () => { if (child.exitCode === null) { child.kill('SIGTERM'); await exited } })

  const deadline = Date.now() + 60_000
  while (!existsSync(infoFile)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${logs}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const { address } = JSON.parse(readFileSync(infoFile, 'utf8')) as { address: string }
  const call = async (method: string, path: string, body?: unknown, type?: string) => await goRequest(address, 'grep-root', method, path, body, type)

  const body = { key_vault_uri: 'https://grep-vault.vault.azure.net', tenant_id: 't', client_id: 'c', client_secret: SECRET }
  const answers = [
    await call('PUT', 'sys/sync/destinations/azure-kv/dest-grep', body),
    await call('GET', 'sys/sync/destinations/azure-kv/dest-grep'),
    await call('PUT', 'sys/sync/destinations/azure-kv/dest-grep', { ...body, client_secret: '*****' }),
    await call('PATCH', 'sys/sync/destinations/azure-kv/dest-grep', { client_secret: ROTATED }, 'application/merge-patch+json'),
    // Refused writes carrying a secret: a validation error and a bad body must not echo it.
    await call('PUT', 'sys/sync/destinations/azure-kv/dest-bad', { ...body, client_secret: SECRET, key_vault_uri: 'http://x' }),
    await call('PATCH', 'sys/sync/destinations/azure-kv/dest-grep', { client_secret: SECRET, tenant_id: 'changed' }, 'application/merge-patch+json'),
    await call('GET', 'sys/sync/destinations?list=true')
  ]
  t.same(answers.map((a) => a.status), [200, 200, 200, 200, 400, 400, 200])
  t.equal(answers[1].body.data.connection_details.client_secret, '*****')
  // Read the file and the WAL while the server runs (the WAL is checkpointed away at close),
  // then again after a clean stop.
  const snapshot = (): Buffer => Buffer.concat([dbPath, `${dbPath}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)))
  t.ok(existsSync(`${dbPath}-wal`), 'a WAL exists while the server runs')
  const running = snapshot()
  child.kill('SIGTERM')
  await exited
  const stored = Buffer.concat([running, snapshot()])
  t.ok(stored.includes('dest-grep'), 'the grep sees the destination row (positive control)')
  t.ok(/"route":"\/v1\/sys\/sync\/destinations\/[^"]*"/.test(logs), 'the logs cover these requests (positive control)')
  for (const secret of [SECRET, ROTATED]) {
    t.notOk(stored.includes(secret), 'not in the SQLite file or WAL')
    t.notOk(stored.includes(Buffer.from(secret, 'utf16le')), 'not even as UTF-16')
    t.notOk(logs.includes(secret), 'not in the server log output')
    t.notOk(answers.some((a) => JSON.stringify(a.body ?? '').includes(secret)), 'not in any answer')
  }
})
