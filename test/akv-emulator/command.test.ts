// `runAkvEmulatorCommand` (what `vault-sync akv-emulator` runs): a child process starts the emulator
// and writes the info file; a second script that knows only the info file completes set/get/delete
// with the real SDK; SIGTERM stops the emulator cleanly. Plus the in-process form and flag parsing.
import t from 'tap'
import { spawn, execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseListenAddress, runAkvEmulatorCommand, startAkvEmulator, type AkvEmulator, type AkvEmulatorInfo } from '../../src/akv-emulator/index.js'
import { pino } from 'pino'
import { TS_LOADER } from '../ts-loader.js'

const run = promisify(execFile)
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** Waits (generously) until `path` holds a complete JSON document. */
async function waitForJson (path: string, deadlineMs = 60_000): Promise<AkvEmulatorInfo> {
  const until = Date.now() + deadlineMs
  for (;;) {
    try { return JSON.parse(await readFile(path, 'utf8')) as AkvEmulatorInfo } catch (err) {
      if (Date.now() > until) throw err
    }
    await sleep(50)
  }
}

t.test('child process: info file, a script that uses only it, clean SIGTERM', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'akv-cmd-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const infoFile = join(dir, 'akv.json')
  const stateDir = join(dir, 'state')
  const child = spawn(process.execPath, [...TS_LOADER, fixture('run-command.ts'),
    JSON.stringify({ listenAddress: '127.0.0.1:0', infoFile, stateDir, vaults: '1' })],
  { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString() })
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })

  const info = await waitForJson(infoFile)
  t.match(info, {
    vault_uri: /^https:\/\/127\.0\.0\.1:\d+$/,
    tenant_id: /^[0-9a-f-]{36}$/,
    client_id: /^[0-9a-f-]{36}$/,
    client_secret: /\S{20,}/,
    ca_file: join(stateDir, 'ca.pem'),
    admin_token: /\S{20,}/
  })
  t.equal(info.key_vault_uri, info.vault_uri)
  t.equal(info.authority_host, info.vault_uri)
  t.equal(info.admin_url, `${info.vault_uri}/_emulator`)
  t.equal(info.vaults.length, 2, '-vaults=1 adds one vault')
  t.equal((await stat(infoFile)).mode & 0o777, 0o600, 'the info file holds secrets: mode 0600')

  const { stdout: out } = await run(process.execPath, [fixture('info-file-client.mjs'), infoFile], { timeout: 120_000 })
  const result = JSON.parse(out.trim()) as { version: string, value: string, recoveryId: string }
  t.equal(result.value, 'it works')
  t.match(result.version, /^[0-9a-f]{32}$/)
  t.equal(result.recoveryId, `${info.vault_uri}/deletedsecrets/from-info-file`)

  // A request held by an injected delay of minutes must not keep the stopped process alive.
  const ca = await readFile(info.ca_file)
  const post = async (url: string, headers: Record<string, string>, body: string): Promise<number> => await new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ca, headers }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
    req.on('error', reject)
    req.end(body)
  })
  t.equal(await post(`${info.admin_url}/faults`, { authorization: `Bearer ${info.admin_token}`, 'content-type': 'application/json' },
    JSON.stringify({ match: { pathRegex: 'oauth2/v2.0/token' }, action: { latencyMs: 600_000 } })), 201)
  const stalled = post(`${info.authority_host}/${info.tenant_id}/oauth2/v2.0/token`, { 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=client_credentials').catch(() => 0)
  await sleep(300)
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'SIGTERM closes cleanly with exit code 0, with a 10-minute injected delay pending')
  await stalled
  t.match(stdout, /Azure Key Vault emulator is running/)
  t.match(stdout, new RegExp(`Vault URI: +${info.vault_uri}`))
  t.match(stdout, /Azure Key Vault emulator stopped\./)
  t.notMatch(stdout + stderr, info.client_secret, 'the client secret is printed nowhere when an info file is written')
  t.notMatch(stdout + stderr, info.admin_token, 'nor the admin token')
  const state = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as { tenantId: string }
  t.equal(state.tenantId, info.tenant_id, 'the state file was flushed on close')
  t.notOk(existsSync(infoFile), 'the info file (client secret, admin token) is removed on exit')
})

t.test('in process: abort signal, summary, flags passed through', async (t) => {
  const lines: string[] = []
  const ac = new AbortController()
  let emu: AkvEmulator | undefined
  const done = runAkvEmulatorCommand(
    { listenAddress: '127.0.0.1:0', tenantId: 'tenant-a', clientId: 'client-a', clientSecret: 'secret-a', adminToken: 'admin-a' },
    { stdout: { write: (s: string) => lines.push(s) }, signal: ac.signal, handleSignals: false, logger: pino({ level: 'silent' }), onReady: (e) => { emu = e; ac.abort() } })
  t.equal(await done, 0)
  t.ok(emu !== undefined)
  t.match(emu!.info, { tenant_id: 'tenant-a', client_id: 'client-a', client_secret: 'secret-a', admin_token: 'admin-a' })
  const text = lines.join('')
  t.match(text, /Client secret: +secret-a/, 'without an info file the summary shows the secret (like vault server -dev)')
  t.match(text, /stopped/)
})

t.test('bad flags are refused before anything listens', async (t) => {
  // A pre-aborted signal: should a bad flag slip through, the emulator stops at once instead of hanging.
  const io = { stdout: { write: () => true }, handleSignals: false, logger: pino({ level: 'silent' }), signal: AbortSignal.abort() }
  await t.rejects(runAkvEmulatorCommand({ listenAddress: 'nonsense' }, io), /-listen-address: "nonsense" is not HOST:PORT/)
  await t.rejects(runAkvEmulatorCommand({ listenAddress: '127.0.0.1:0', vaults: 'ok,-bad' }, io), /vault name "-bad" is invalid/)
  await t.rejects(runAkvEmulatorCommand({ listenAddress: '127.0.0.1:0', vaults: '99' }, io), /-vaults: "99"/)
  const busy = await startAkvEmulator()
  t.teardown(async () => { await busy.close() })
  await t.rejects(runAkvEmulatorCommand({ listenAddress: busy.info.vault_uri.replace('https://', '') }, io), /is already in use/)
  t.same(parseListenAddress('127.0.0.1:8443'), { host: '127.0.0.1', port: 8443 })
  t.same(parseListenAddress('[::1]:0'), { host: '::1', port: 0 })
  t.same(parseListenAddress(':9000'), { host: '127.0.0.1', port: 9000 })
  t.same(parseListenAddress('localhost:18443'), { host: 'localhost', port: 18443 })
  t.throws(() => parseListenAddress('127.0.0.1:99999'))
})
