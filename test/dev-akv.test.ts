// `server -dev` with the built-in Azure Key Vault emulator (issue 8): the info file's `akv` object,
// the export lines, the worker syncing into the emulator with no extra settings, `-no-worker`,
// explicit VAULT_SYNC_AZURE_* winning over the dev defaults, restarts on -dev-db keeping the
// emulator's CA, principal and port, and the emulator closing with the server.
import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { DevInfo } from '../src/dev-akv.js'
import { devExportLines } from '../src/cli.js'
import { loadConfig } from '../src/config.js'
import { devAzureDefaults, startDevAkv } from '../src/dev-akv.js'
import { startServer } from '../src/server.js'
import { tempDir } from './helper.js'

const BIN = join(import.meta.dirname, '..', 'bin', 'vault-sync')

async function waitFor<T> (check: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function exitOf (child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode
  return await new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

/** Runs `server -dev` on free ports with `extra` flags; resolves with the info file once written. */
async function devServer (t: Test, dir: string, extra: string[] = [], env: Record<string, string> = {}): Promise<{ child: ChildProcess, info: DevInfo, output: () => string }> {
  const file = join(dir, `info-${Math.random().toString(36).slice(2)}.json`)
  const child = spawn(process.execPath, [BIN, 'server', '-dev', '-dev-listen-address=127.0.0.1:0', '-dev-root-token-id=root', `-dev-info-file=${file}`, ...extra],
    { env: { ...process.env, VAULT_SYNC_LOG_LEVEL: 'warn', ...env } })
  let out = ''
  child.stdout?.on('data', (c) => { out += String(c) })
  child.stderr?.on('data', (c) => { out += String(c) })
  t.teardown(() => { child.kill('SIGKILL') })
  await waitFor(() => existsSync(file) || child.exitCode !== null, 'the dev info file')
  if (!existsSync(file)) throw new Error(`server -dev exited: ${out}`)
  return { child, info: JSON.parse(readFileSync(file, 'utf8')) as DevInfo, output: () => out }
}

const api = async (info: DevInfo, method: string, path: string, body?: unknown): Promise<{ status: number, json: any }> => {
  const res = await fetch(`${info.address}/v1/${path}`, { method, headers: { 'X-Vault-Token': info.root_token }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) }
}

/** Writes `secret/app`, creates `dest` on the emulator, associates; resolves with the settled status (and message). */
async function syncOne (info: DevInfo, dest: string): Promise<string> {
  const akv = info.akv!
  await api(info, 'PUT', 'secret/data/app', { data: { password: 'p1' } })
  const created = await api(info, 'PUT', `sys/sync/destinations/azure-kv/${dest}`, {
    key_vault_uri: akv.key_vault_uri, tenant_id: akv.tenant_id, client_id: akv.client_id, client_secret: akv.client_secret
  })
  if (created.status !== 200) throw new Error(`destination: ${created.status} ${JSON.stringify(created.json)}`)
  await api(info, 'PUT', `sys/sync/destinations/azure-kv/${dest}/associations/set`, { mount: 'secret', secret_name: 'app' })
  return await waitFor(async () => {
    const entries = Object.values((await api(info, 'GET', `sys/sync/destinations/azure-kv/${dest}/associations`)).json.data.associated_secrets) as Array<{ sync_status: string, message?: string }>
    const s = entries[0]?.sync_status
    return s === 'PENDING' || s === 'SYNCING' ? undefined : `${s}${entries[0].message === undefined ? '' : `: ${entries[0].message}`}`
  }, 'the association to settle')
}

t.test('server -dev: akv info, export lines, the worker syncs into the emulator, clean close', async (t) => {
  const dir = tempDir(t)
  const { child, info, output } = await devServer(t, dir)
  const akv = info.akv!
  t.match(akv, { vault_uri: /^https:\/\/127\.0\.0\.1:\d+$/, tenant_id: /^[0-9a-f-]{36}$/, client_id: /^[0-9a-f-]{36}$/, client_secret: /.{16,}/, ca_file: /ca\.pem$/ })
  t.equal(akv.key_vault_uri, akv.vault_uri)
  for (const line of devExportLines(info.address, 'root', akv)) t.ok(output().includes(line), line)
  t.same(devExportLines(info.address, 'root', akv).map((l) => l.split('=')[0]),
    ['export VAULT_ADDR', 'export VAULT_TOKEN', 'export AKV_KEY_VAULT_URI', 'export AKV_TENANT_ID', 'export AKV_CLIENT_ID', 'export AKV_CLIENT_SECRET', 'export AKV_CA_FILE', 'export AKV_ADMIN_URL', 'export AKV_ADMIN_TOKEN'])
  t.ok(existsSync(akv.ca_file), 'the CA file exists while running')
  t.equal(await syncOne(info, 'emu'), 'SYNCED', 'no VAULT_SYNC_AZURE_* needed: -dev points the worker at the emulator')
  child.kill('SIGTERM')
  t.equal(await exitOf(child), 0)
  t.notOk(existsSync(akv.ca_file), 'the emulator closed with the server (temporary CA removed)')
})

t.test('-no-worker: associations stay PENDING; explicit VAULT_SYNC_AZURE_* beat the dev defaults', async (t) => {
  const dir = tempDir(t)
  const { child, info } = await devServer(t, dir, ['-no-worker'])
  const akv = info.akv!
  await api(info, 'PUT', 'secret/data/app', { data: { a: '1' } })
  await api(info, 'PUT', 'sys/sync/destinations/azure-kv/d', { key_vault_uri: akv.vault_uri, tenant_id: akv.tenant_id, client_id: akv.client_id, client_secret: akv.client_secret })
  const set = await api(info, 'PUT', 'sys/sync/destinations/azure-kv/d/associations/set', { mount: 'secret', secret_name: 'app' })
  t.equal((Object.values(set.json.data.associated_secrets)[0] as { sync_status: string }).sync_status, 'PENDING')
  await new Promise((resolve) => setTimeout(resolve, 500))
  const later = await api(info, 'GET', 'sys/sync/destinations/azure-kv/d/associations')
  t.equal((Object.values(later.json.data.associated_secrets)[0] as { sync_status: string }).sync_status, 'PENDING', 'nothing syncs without the worker')
  child.kill('SIGINT')
  t.equal(await exitOf(child), 0)

  const emu = await startDevAkv()
  const config = loadConfig({ dbPath: ':memory:', sealKeyFile: null, listenAddress: '127.0.0.1:0', azureDefaults: devAzureDefaults(emu.info) },
    { VAULT_SYNC_AZURE_CA_FILE: '/etc/ssl/mine.pem', VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS: 'false', VAULT_SYNC_LOG_LEVEL: 'silent', VAULT_SYNC_WORKER: 'off' })
  t.match(config.azure, { caFile: '/etc/ssl/mine.pem', allowLoopbackDestinations: false, authorityHost: emu.info.authority_host, disableInstanceDiscovery: true, disableChallengeResourceVerification: true })
  const server = await startServer({ config, dev: { rootTokenId: 'root', akv: emu } })
  t.equal(server.akv, emu)
  await server.close()
  t.notOk(existsSync(emu.info.ca_file), 'closing the server closes the emulator')
})

t.test('-dev-db: a restart keeps the emulator\'s CA, principal, port and secrets', async (t) => {
  const dir = tempDir(t)
  const db = join(dir, 'dev.db')
  const first = await devServer(t, dir, [`-dev-db=${db}`])
  t.equal(await syncOne(first.info, 'kept'), 'SYNCED')
  const entry = async (info: DevInfo): Promise<{ sync_status: string, updated_at: string }> =>
    Object.values((await api(info, 'GET', 'sys/sync/destinations/azure-kv/kept/associations')).json.data.associated_secrets)[0] as { sync_status: string, updated_at: string }
  const before = (await entry(first.info)).updated_at
  first.child.kill('SIGTERM')
  t.equal(await exitOf(first.child), 0)
  t.ok(existsSync(join(`${db}.akv`, 'ca.pem')), 'emulator state next to the dev database')

  const second = await devServer(t, dir, [`-dev-db=${db}`])
  const [a, b] = [first.info.akv!, second.info.akv!]
  t.same([b.vault_uri, b.tenant_id, b.client_id, b.client_secret, b.ca_file], [a.vault_uri, a.tenant_id, a.client_id, a.client_secret, a.ca_file])
  // The destination stored in round 1 still reaches the emulator: a new version syncs.
  await api(second.info, 'PUT', 'secret/data/app', { data: { password: 'p2' } })
  const after = await waitFor(async () => {
    const e = await entry(second.info)
    return e.updated_at > before && e.sync_status !== 'PENDING' && e.sync_status !== 'SYNCING' ? e : undefined
  }, 'the new version to settle after the restart')
  t.equal(after.sync_status, 'SYNCED')
  second.child.kill('SIGTERM')
  t.equal(await exitOf(second.child), 0)
})
