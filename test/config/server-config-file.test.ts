// `server -config=FILE` end to end in a real process: a file with the observable keys (TLS
// listener, storage, seal key, audit file, api_addr, logs, telemetry, request size, worker) and
// each one's effect; per-request log lines only with log_requests_level; SIGHUP reloads the log
// level and the TLS certificate, one line each; a bad file stops start-up naming file, line, key.
import t from 'tap'
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import { loadOrCreateTls } from '../../src/akv-emulator/certs.js'
import { tempDir } from '../helper.js'
import { exitOf, freePort, run, waitFor } from '../cli-process.js'

interface Answer { status: number, body: string }

/** One HTTPS request trusting only `ca`. */
async function https (url: string, ca: string, options: { method?: string, token?: string, body?: string } = {}): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', ca, agent: false, headers: options.token === undefined ? {} : { 'x-vault-token': options.token } }, (res) => {
      let body = ''
      res.on('data', (c) => { body += String(c) })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

const logLines = (out: string): Array<Record<string, unknown>> =>
  out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)

t.test('server -config: every observable key takes effect; SIGHUP reloads level and certificate', async (t) => {
  const dir = tempDir(t)
  const tls = await loadOrCreateTls(join(dir, 'tls'), ['127.0.0.1'])
  const port = await freePort()
  const file = join(dir, 'vault-sync.hcl')
  const text = (level: string, address = `127.0.0.1:${port}`): string => `
storage "sqlite" {
  path = "${dir}/data/vs.db"
}
seal "file" {
  path = "${dir}/keys/seal.key"
}
listener "tcp" {
  address          = "${address}"
  tls_cert_file    = "${dir}/tls/server.pem"
  tls_key_file     = "${dir}/tls/server-key.pem"
  max_request_size = 2048
}
api_addr   = "https://sync.example:${port}"
log_level  = "${level}"
log_format = "json"
audit_file = "${dir}/audit.log"
telemetry {
  prometheus_retention_time      = "1h"
  disable_hostname               = true
  unauthenticated_metrics_access = true
}
sync {
  worker = true
}
disable_mlock = true
`
  writeFileSync(file, text('info'))
  const { child, output } = run(['server', `-config=${file}`], { VAULT_SYNC_LOG_LEVEL: '' })
  t.teardown(() => { child.kill('SIGKILL') })
  // A new database: the activation note follows the token after one more read, so wait for it
  // too; otherwise it can land after `before` below and read as a request's log line.
  await waitFor(() => output().includes('Initial Root Token') && output().includes('vault-sync server started') &&
    output().includes('Secrets sync is not activated yet'), 'the server to start')
  const token = /Initial Root Token: (\S+)/.exec(output())![1]
  const base = `https://127.0.0.1:${port}`
  const started = logLines(output()).find((l) => l.msg === 'vault-sync server started')
  t.equal(logLines(output()).length, 1, 'one start-up line')
  t.match(started, { level: 30, api_addr: `https://sync.example:${port}`, storage: `${dir}/data/vs.db`, worker: true, tls: true, prometheus: true }, 'one JSON start-up line (log_format, api_addr, storage, worker)')
  t.ok(existsSync(join(dir, 'data', 'vs.db')), 'storage path')
  t.ok(existsSync(join(dir, 'keys', 'seal.key')), 'seal key at its own path')

  const before = output().length
  t.equal((await https(`${base}/v1/sys/health`, tls.caPem)).status, 200, 'TLS listener with the configured certificate')
  t.equal((await https(`${base}/v1/sys/mounts`, tls.caPem, { token })).status, 200)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(output().slice(before), '', 'plain requests write no log line by default')
  t.ok(existsSync(join(dir, 'audit.log')) && readFileSync(join(dir, 'audit.log'), 'utf8').includes('sys/mounts'), 'audit_file')
  const big = await https(`${base}/v1/secret/data/x`, tls.caPem, { method: 'POST', token, body: JSON.stringify({ data: { v: 'x'.repeat(4096) } }) })
  t.equal(big.status, 413, 'max_request_size')
  const metrics = await https(`${base}/v1/sys/metrics?format=prometheus`, tls.caPem)
  t.equal(metrics.status, 200, 'telemetry: Prometheus on, unauthenticated_metrics_access')
  t.match(metrics.body, /^vault_secrets_sync_destinations_count\{destination_type="azure-kv"\} 0$/m, 'disable_hostname; the worker\'s process exports cluster gauges')

  // SIGHUP: a new certificate (from another CA) and log level debug.
  const next = await loadOrCreateTls(join(dir, 'tls2'), ['127.0.0.1'])
  copyFileSync(join(dir, 'tls2', 'server.pem'), join(dir, 'tls', 'server.pem'))
  copyFileSync(join(dir, 'tls2', 'server-key.pem'), join(dir, 'tls', 'server-key.pem'))
  writeFileSync(file, text('debug'))
  child.kill('SIGHUP')
  await waitFor(() => output().includes('configuration reloaded'), 'the reload line')
  t.match(logLines(output()).filter((l) => l.msg === 'configuration reloaded'), [{ log_level: 'debug', tls_reloaded: true }], 'exactly one reload line')
  t.equal((await https(`${base}/v1/sys/health`, next.caPem)).status, 200, 'the new certificate is served')
  await t.rejects(https(`${base}/v1/sys/health`, tls.caPem), 'the old CA no longer verifies it')
  t.notOk(logLines(output()).some((l) => l.level === 40), 'a reload of reloadable settings warns of nothing')

  // SIGHUP with a new address: Vault does not move its listener on a reload; the log says a restart is needed.
  writeFileSync(file, text('debug', '127.0.0.1:1'))
  child.kill('SIGHUP')
  await waitFor(() => logLines(output()).some((l) => l.level === 40), 'the restart warning')
  t.match(logLines(output()).filter((l) => l.level === 40), [{ settings: ['address'], msg: 'changed settings need a restart to take effect' }])
  t.equal((await https(`${base}/v1/sys/health`, next.caPem)).status, 200, 'still served where it listened')
  child.kill('SIGTERM')
  t.equal(await exitOf(child), 0)
  t.equal(logLines(output()).filter((l) => l.msg === 'vault-sync server stopped').length, 1, 'one shutdown line')
})

t.test('server -config: log_requests_level logs one line per request', async (t) => {
  const dir = tempDir(t)
  const port = await freePort()
  const file = join(dir, 'c.hcl')
  writeFileSync(file, `storage "sqlite" {\n  path = "${dir}/v.db"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\nlog_requests_level = "info"\nlog_format = "standard"\nlog_level = "info"\n`)
  const { child, output } = run(['server', `-config=${file}`], { VAULT_SYNC_LOG_LEVEL: '' })
  t.teardown(() => { child.kill('SIGKILL') })
  await waitFor(() => output().includes('Initial Root Token'), 'the server to start')
  t.match(output(), /^\S+Z \[INFO\] {2}vault-sync server started: /m, 'log_format = "standard": Vault\'s line form')
  const res = await fetch(`http://127.0.0.1:${port}/v1/sys/health`)
  t.equal(res.status, 200)
  await waitFor(() => output().includes('request completed'), 'the request line')
  const lines = output().split('\n').filter((l) => l.includes('request completed'))
  t.equal(lines.length, 1, 'one line per request')
  t.match(lines[0], /\[INFO\] {2}request completed: .*method=GET route=\/v1\/sys\/health status=200/)
})

t.test('server -config with a bad file stops start-up naming file, line and key', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'bad.hcl')
  writeFileSync(file, 'listener "tcp" {\n  tls_disable = true\n}\n\nsync {\n  reconcile_interval = "often"\n}\n')
  const { child, output } = run(['server', `-config=${file}`])
  t.equal(await exitOf(child), 1)
  t.match(output(), `vault-sync: ${file}:6: sync reconcile_interval: "often" is not a duration`)
})

t.test('server -config naming a TLS file that cannot be read stops start-up naming file, line and key', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'tls.hcl')
  const missing = join(dir, 'absent.pem')
  writeFileSync(file, `storage "sqlite" {\n  path = "${join(dir, 'vs.db')}"\n}\n\nlistener "tcp" {\n  address = "127.0.0.1:${await freePort()}"\n  tls_cert_file = "${missing}"\n  tls_key_file = "${missing}"\n}\n`)
  const { child, output } = run(['server', `-config=${file}`])
  t.equal(await exitOf(child), 1)
  t.match(output(), `vault-sync: ${file}:7: listener "tcp" tls_cert_file: cannot read ${missing} (ENOENT)`)
  t.notOk(existsSync(join(dir, 'vs.db')), 'no database was created')
})

t.test('server -config without a storage stanza stops with Vault\'s message, creating nothing; the environment may give the storage', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'no-storage.hcl')
  const port = await freePort()
  writeFileSync(file, `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\n`)
  // Vault: `vault server -config=FILE` without a storage stanza says "A storage backend must be
  // specified" and exits 1; before, vault-sync made ./data/vault-sync.db in the working directory.
  const refused = run(['server', `-config=${file}`], {}, { cwd: dir })
  t.teardown(() => { refused.child.kill('SIGKILL') })
  await Promise.race([exitOf(refused.child), waitFor(() => refused.output().includes('listening on'), 'the server to stop or listen')])
  refused.child.kill('SIGKILL') // a server that listens is the failure: stopped, and the checks below say why
  t.equal(await exitOf(refused.child), 1)
  t.match(refused.output(), `vault-sync: ${file}: A storage backend must be specified (as in Vault): add storage "sqlite" { path = "/var/lib/vault-sync/vault-sync.db" } (or storage "postgresql" { connection_url = "…" }), or set VAULT_SYNC_DB_PATH in the environment`)
  t.notMatch(refused.output(), /Initial Root Token/)
  t.same(readdirSync(dir), ['no-storage.hcl'], 'no data/ folder, no database, no seal key in the working directory')

  const migrate = run(['migrate', `-config=${file}`], {}, { cwd: dir })
  t.equal(await exitOf(migrate.child), 1, 'vault-sync migrate refuses too')
  t.match(migrate.output(), 'A storage backend must be specified')
  t.same(readdirSync(dir), ['no-storage.hcl'])

  writeFileSync(join(dir, 'no-path.hcl'), `storage "sqlite" {\n}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\n`)
  const noPath = run(['server', `-config=${join(dir, 'no-path.hcl')}`], {}, { cwd: dir })
  t.teardown(() => { noPath.child.kill('SIGKILL') })
  await Promise.race([exitOf(noPath.child), waitFor(() => noPath.output().includes('listening on'), 'the server to stop or listen')])
  noPath.child.kill('SIGKILL')
  t.equal(await exitOf(noPath.child), 1)
  t.match(noPath.output(), `vault-sync: ${join(dir, 'no-path.hcl')}:1: storage "sqlite": path must be set`)
  t.notOk(existsSync(join(dir, 'data')), 'nothing made')

  const db = join(dir, 'env', 'vs.db')
  const fromEnv = run(['server', `-config=${file}`], { VAULT_SYNC_DB_PATH: db }, { cwd: dir })
  t.teardown(() => { fromEnv.child.kill('SIGKILL') })
  await waitFor(() => fromEnv.output().includes('listening on'), 'the server to start on VAULT_SYNC_DB_PATH')
  t.ok(existsSync(db), 'VAULT_SYNC_DB_PATH gives the storage')
  fromEnv.child.kill('SIGTERM')
  t.equal(await exitOf(fromEnv.child), 0)
})
