// Issue 13 "Done when" 4: no log line or stored byte holds a credential or secret value in clear.
// Distinctive values are planted (a KV secret, a destination client secret, a token id), the
// sync workflow runs end to end against the Key Vault emulator, then a failure path (a wrong
// client secret, wrong-typed and malformed writes that carry the values), with the server as a
// child process logging at `trace`; then the database, its WAL, the server log and the audit
// log are searched for every planted value, while running and after a clean stop.
// SQLite only, whatever VAULT_SYNC_TEST_STORAGE says: `server -dev` runs on its `-dev-db` file.
import t from 'tap'
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startAkvEmulator } from '../../src/akv-emulator/index.js'
import { tempDir } from '../helper.js'
import { emulatorWorkerEnv } from '../sync-testbed.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'vault-sync')
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

const PLANTED = {
  kvValue: 'PLANTED-kv-value-7f3a9c1e',
  clientSecret: 'PLANTED-client-secret-b21e84',
  wrongSecret: 'PLANTED-wrong-secret-5d0c2a',
  tokenId: 'PLANTED-token-id-c0ffee42',
  typedSecret: 'PLANTED-typed-secret-91ab'
}

t.test('planted secrets appear nowhere in clear: DB, WAL, server log, audit log', async (t) => {
  const dir = tempDir(t)
  const emu = await startAkvEmulator({ clientSecret: PLANTED.clientSecret })
  t.teardown(async () => { await emu.close() })
  const db = join(dir, 'vs.db')
  const logFile = join(dir, 'server.log')
  const auditFile = join(dir, 'audit.log')
  const info = join(dir, 'info.json')
  const log = openSync(logFile, 'a')
  const child = spawn(process.execPath, [BIN, 'server', '-dev', `-dev-db=${db}`, '-dev-listen-address=127.0.0.1:0', '-dev-root-token-id=root', `-dev-info-file=${info}`], {
    env: {
      ...process.env,
      VAULT_SYNC_LOG_LEVEL: 'trace',
      VAULT_SYNC_AUDIT_FILE: auditFile,
      ...emulatorWorkerEnv(emu.info)
    },
    stdio: ['ignore', log, log]
  })
  let exited = false
  child.on('exit', () => { exited = true })
  t.teardown(() => { if (!exited) child.kill('SIGKILL'); closeSync(log) })
  // Up to 60 s: a loaded CI machine has taken more than 10 s to start the child.
  for (let i = 0; i < 2400 && child.exitCode === null && !existsSync(info); i++) await sleep(25)
  const addr = (JSON.parse(readFileSync(info, 'utf8')) as { address: string }).address
  const call = async (method: string, path: string, body?: unknown, token = 'root', headers: Record<string, string> = {}): Promise<{ status: number, text: string }> => {
    const res = await fetch(`${addr}/v1/${path}`, { method, headers: { 'X-Vault-Token': token, ...headers }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) })
    return { status: res.status, text: await res.text() }
  }
  const conn = { key_vault_uri: emu.info.vault_uri, tenant_id: emu.info.tenant_id, client_id: emu.info.client_id }

  // The workflow, with a planted token id doing the work.
  t.equal((await call('POST', 'auth/token/create', { id: PLANTED.tokenId, policies: ['root'] })).status, 200)
  const as = PLANTED.tokenId
  t.equal((await call('PUT', 'secret/data/app', { data: { password: PLANTED.kvValue } }, as)).status, 200)
  t.ok([200, 204].includes((await call('POST', 'sys/sync/destinations/azure-kv/good', { ...conn, client_secret: PLANTED.clientSecret }, as)).status))
  t.equal((await call('PUT', 'sys/sync/destinations/azure-kv/good/associations/set', { mount: 'secret', secret_name: 'app' }, as)).status, 200)
  // The failure paths.
  t.ok([200, 204].includes((await call('POST', 'sys/sync/destinations/azure-kv/bad', { ...conn, client_secret: PLANTED.wrongSecret }, as)).status))
  t.equal((await call('PUT', 'sys/sync/destinations/azure-kv/bad/associations/set', { mount: 'secret', secret_name: 'app' }, as)).status, 200)
  const typed = await call('PUT', 'sys/sync/destinations/azure-kv/typed', { ...conn, client_secret: [PLANTED.typedSecret] }, as)
  t.equal(typed.status, 400)
  const patched = await call('PATCH', 'sys/sync/destinations/azure-kv/good', { client_secret: { s: PLANTED.typedSecret } }, as, { 'Content-Type': 'application/merge-patch+json' })
  t.equal(patched.status, 400)
  const malformed = await call('PUT', 'secret/data/app2', `{"data":{"password":"${PLANTED.kvValue}"`, as)
  t.equal(malformed.status, 400)
  const wrongType = await call('PUT', 'secret/data/app3', { data: { password: PLANTED.kvValue }, options: { cas: [PLANTED.kvValue] } }, as)
  t.equal(wrongType.status, 400)
  for (const r of [typed, patched, malformed, wrongType]) for (const v of Object.values(PLANTED)) t.notMatch(r.text, v, 'no answer echoes a planted value')

  // Wait for the good association to sync and the bad one to fail.
  let entries: Record<string, { sync_status: string }> = {}
  for (let i = 0; i < 400; i++) {
    const good = JSON.parse((await call('GET', 'sys/sync/destinations/azure-kv/good/associations')).text).data.associated_secrets as typeof entries
    const bad = JSON.parse((await call('GET', 'sys/sync/destinations/azure-kv/bad/associations')).text).data.associated_secrets as typeof entries
    entries = { ...Object.fromEntries(Object.entries(good).map(([k, v]) => [`good ${k}`, v])), ...Object.fromEntries(Object.entries(bad).map(([k, v]) => [`bad ${k}`, v])) }
    const statuses = Object.entries(entries).map(([k, v]) => `${k.split(' ')[0]}:${v.sync_status}`)
    if (statuses.includes('good:SYNCED') && statuses.includes('bad:CLIENT_SIDE_ERROR')) break
    await sleep(50)
  }
  t.match(Object.values(entries).map((e) => e.sync_status).sort(), ['CLIENT_SIDE_ERROR', 'SYNCED'], 'the workflow synced and the failure path failed')
  t.ok(emu.vault().inspectSecret !== undefined, 'the emulator is up')

  const files = (): Record<string, string> => Object.fromEntries([db, `${db}-wal`, logFile, auditFile].filter(existsSync)
    .map((f) => [f.slice(dir.length + 1), readFileSync(f).toString('latin1')]))
  const check = (when: string): void => {
    const texts = files()
    t.ok(Object.keys(texts).length >= 3, `${when}: searched ${Object.keys(texts).join(', ')}`)
    t.match(texts['server.log'], /"level"/, 'the server did log')
    t.match(texts['audit.log'], /hmac-sha256:/, 'the audit log has entries')
    for (const [file, text] of Object.entries(texts)) {
      for (const [what, value] of Object.entries(PLANTED)) t.notMatch(text, value, `${when}: ${what} is not in ${file}`)
    }
  }
  check('while running')
  child.kill('SIGTERM')
  // eslint-disable-next-line no-unmodified-loop-condition -- set by the exit handler while this loop awaits
  for (let i = 0; i < 200 && !exited; i++) await sleep(25)
  t.ok(exited, 'the server stopped')
  check('after stopping')
})
