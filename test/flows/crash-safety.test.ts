// Crash safety (Sync engine issue, decisions D-4): SIGKILL the server while 200 updates are in
// flight, restart it on the same database; the emulator converges to exactly the latest KV value
// of every secret, with every association SYNCED. The emulator runs in the test process, so it
// survives the kill; the server is a child process (`./bin/vault-sync server -dev -dev-db=...`).
// SQLite only, whatever VAULT_SYNC_TEST_STORAGE says (`server -dev` runs on its `-dev-db` file);
// a replica killed on PostgreSQL is the failover test's case (issue 18).
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { startAkvEmulator } from '../../src/akv-emulator/index.js'
import { tempDir } from '../helper.js'
import { emulatorWorkerEnv } from '../sync-testbed.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'vault-sync')
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

t.test('SIGKILL mid-burst, restart, converge', async (t) => {
  const dir = tempDir(t)
  const emu = await startAkvEmulator()
  t.teardown(async () => { await emu.close() })
  const env = {
    ...process.env,
    VAULT_SYNC_LOG_LEVEL: 'warn',
    ...emulatorWorkerEnv(emu.info)
  }
  const children: ChildProcess[] = []
  t.teardown(() => { for (const c of children) c.kill('SIGKILL') })
  async function start (round: number): Promise<string> {
    const info = join(dir, `info-${round}.json`)
    const child = spawn(process.execPath, [BIN, 'server', '-dev', `-dev-db=${join(dir, 'vs.db')}`, '-dev-listen-address=127.0.0.1:0',
      '-dev-root-token-id=root', `-dev-info-file=${info}`], { env, stdio: 'ignore' })
    children.push(child)
    // Up to 60 s (a loaded CI machine has taken more than 10 s to start a child), unless it exits.
    for (let i = 0; i < 2400 && child.exitCode === null && !existsSync(info); i++) await sleep(25)
    return (JSON.parse(readFileSync(info, 'utf8')) as { address: string }).address
  }
  const call = async (addr: string, method: string, path: string, body?: unknown): Promise<Response> =>
    await fetch(`${addr}/v1/${path}`, { method, headers: { 'X-Vault-Token': 'root' }, body: body === undefined ? undefined : JSON.stringify(body) })
  const names = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}`)

  let addr = await start(1)
  t.equal((await call(addr, 'POST', 'sys/sync/destinations/azure-kv/d1', {
    key_vault_uri: emu.info.vault_uri, tenant_id: emu.info.tenant_id, client_id: emu.info.client_id,
    client_secret: emu.info.client_secret, secret_name_template: '{{ .SecretBaseName }}'
  })).status, 200)
  for (const n of names) {
    t.equal((await call(addr, 'PUT', `secret/data/${n}`, { data: { v: 0 } })).status, 200)
    t.equal((await call(addr, 'PUT', 'sys/sync/destinations/azure-kv/d1/associations/set', { mount: 'secret', secret_name: n })).status, 200)
  }
  // 200 updates in flight; kill the server half-way through.
  let answered = 0
  let halfway: () => void = () => {}
  const half = new Promise<void>((resolve) => { halfway = resolve })
  const burst = Array.from({ length: 200 }, async (_, i) => {
    await sleep(i)
    const res = await call(addr, 'PUT', `secret/data/${names[i % names.length]}`, { data: { v: i + 1 } })
    if (++answered === 100) halfway()
    return res
  })
  await half
  children[0].kill('SIGKILL')
  await Promise.allSettled(burst)
  t.ok(answered < 200, `killed with updates in flight (${answered} of 200 answered)`)
  rmSync(join(dir, 'info-2.json'), { force: true })

  addr = await start(2)
  const truth = new Map<string, string>()
  for (const n of names) {
    const res = await call(addr, 'GET', `secret/data/${n}`)
    truth.set(n, JSON.stringify((await res.json() as { data: { data: unknown } }).data.data))
  }
  const until = Date.now() + 120_000
  let statuses: string[] = []
  for (;;) {
    const res = await call(addr, 'GET', 'sys/sync/destinations/azure-kv/d1/associations')
    statuses = Object.values((await res.json() as { data: { associated_secrets: Record<string, { sync_status: string }> } }).data.associated_secrets).map((e) => e.sync_status)
    const converged = names.every((n) => {
      const s = emu.vault().inspectSecret(n)
      return s?.state === 'active' && s.secret.versions[s.secret.versions.length - 1].value === truth.get(n)
    })
    if (converged && statuses.length === names.length && statuses.every((s) => s === 'SYNCED')) break
    if (Date.now() > until) break
    await sleep(50)
  }
  for (const n of names) {
    const s = emu.vault().inspectSecret(n)
    t.equal(s?.state === 'active' ? s.secret.versions[s.secret.versions.length - 1].value : undefined, truth.get(n), `${n}: Azure holds the latest KV value`)
  }
  t.same([...new Set(statuses)], ['SYNCED'], 'every association SYNCED')
  children[1].kill('SIGTERM')
})
