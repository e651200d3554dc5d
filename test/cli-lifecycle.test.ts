// Issue 14, a new user's first hour with ./bin/vault-sync: the version (9), `server -h` and
// unknown flags as typed (9), the emulator's admin URL and token in the dev export lines (10),
// one line at shutdown, the dev info file removed at exit, the dev root token kept across
// restarts on the same -dev-db (12), and the activation step printed on a production start (6);
// a first start that fails (port taken, unusable TLS pair) loses no root token.
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { exitOf, freePort, run, waitFor } from './cli-process.js'
import { tempDir } from './helper.js'

const ROOT = join(import.meta.dirname, '..')
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

t.test('version, as Vault prints "Vault v1.x.y"', async (t) => {
  for (const args of [['version'], ['--version'], ['-version'], ['-v']]) {
    const { child, stdout } = run(args)
    t.equal(await exitOf(child), 0)
    t.equal(stdout(), `vault-sync v${VERSION}\n`, args.join(' '))
  }
})

t.test('server -h lists every flag and where every variable is described; unknown flags as typed', async (t) => {
  const { child, stdout } = run(['server', '-h'])
  t.equal(await exitOf(child), 0)
  for (const flag of ['-no-worker', '-dev ', '-dev-listen-address', '-dev-root-token-id', '-dev-info-file', '-dev-db', '-dev-akv-listen-address']) {
    t.ok(stdout().includes(flag), `usage lists ${flag.trim()}`)
  }
  t.match(stdout(), /README\.md, section "Configuration", lists\s+every one with its default/)
  t.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /^## Configuration$/m, 'the section exists')
  for (const typed of ['-bogus', '--bogus', '-dev-bogus=1']) {
    const bad = run(['server', typed])
    t.equal(await exitOf(bad.child), 2)
    t.match(bad.output(), new RegExp(`^vault-sync: flag provided but not defined: ${typed.split('=')[0]}\\n`), typed)
  }
})

t.test('server -dev: admin exports, one shutdown line, info file removed, root token kept on -dev-db', async (t) => {
  const dir = tempDir(t)
  const db = join(dir, 'dev.db')
  const tokens: string[] = []
  for (const round of [1, 2]) {
    const info = join(dir, `info-${round}.json`)
    const port = await freePort()
    const { child, stdout } = run(['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, `-dev-info-file=${info}`, `-dev-db=${db}`])
    t.teardown(() => { child.kill('SIGKILL') })
    await waitFor(() => existsSync(info), 'the dev info file')
    const written = JSON.parse(readFileSync(info, 'utf8'))
    t.match(stdout(), `export AKV_ADMIN_URL='${written.akv.admin_url as string}'`)
    t.match(stdout(), `export AKV_ADMIN_TOKEN='${written.akv.admin_token as string}'`)
    tokens.push(written.root_token)
    const res = await fetch(`http://127.0.0.1:${port}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': tokens[0] } })
    t.equal(res.status, 200, `round ${round}: the first round's root token works`)
    const before = stdout()
    child.kill('SIGTERM')
    t.equal(await exitOf(child), 0)
    t.equal(stdout().slice(before.length), '==> vault-sync shutdown triggered (SIGTERM)\n', 'one line at shutdown')
    t.notOk(existsSync(info), 'the info file (root token, client secret) is removed at exit')
  }
  t.equal(tokens[1], tokens[0], 'a restart on the same -dev-db keeps the root token')
})

t.test('server: the activation step is printed until secrets sync is activated; one shutdown line', async (t) => {
  const dir = tempDir(t)
  const env = { VAULT_SYNC_DB_PATH: join(dir, 'v.db') }
  for (const round of [1, 2]) {
    const port = await freePort()
    const { child, stdout } = run(['server'], { ...env, VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${port}` })
    t.teardown(() => { child.kill('SIGKILL') })
    await waitFor(() => stdout().includes('listening on') && (round === 2 || stdout().includes('activate')), 'the banner')
    const note = `curl -X PUT -H "X-Vault-Token: <root token>" http://127.0.0.1:${port}/v1/sys/activation-flags/secrets-sync/activate`
    if (round === 1) {
      t.ok(stdout().includes(note), 'first start: how to activate secrets sync, next to the root token')
      const token = /Initial Root Token: (\S+)/.exec(stdout())![1]
      const res = await fetch(`http://127.0.0.1:${port}/v1/sys/activation-flags/secrets-sync/activate`, { method: 'PUT', headers: { 'X-Vault-Token': token } })
      t.equal(res.status, 200)
    } else {
      t.notOk(stdout().includes('not activated'), 'not printed once activated')
    }
    const before = stdout()
    child.kill('SIGINT')
    t.equal(await exitOf(child), 0)
    t.equal(stdout().slice(before.length), '==> vault-sync shutdown triggered (SIGINT)\n')
  }
})

t.test('a first start that fails leaves no root token behind: the next start prints one', async (t) => {
  const dir = tempDir(t)
  const env = { VAULT_SYNC_DB_PATH: join(dir, 'v.db') }
  // The port is taken: the start fails after the database is made, before the server listens.
  const blocker = createServer()
  await new Promise<void>((resolve) => { blocker.listen(0, '127.0.0.1', resolve) })
  t.teardown(() => { blocker.close() })
  const taken = (blocker.address() as AddressInfo).port
  const failed = run(['server'], { ...env, VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${taken}` })
  t.not(await exitOf(failed.child), 0)
  t.match(failed.output(), /EADDRINUSE/)
  t.notMatch(failed.output(), /Initial Root Token/)
  t.ok(existsSync(join(dir, 'v.db')), 'the database was made')

  const port = await freePort()
  const { child, stdout } = run(['server'], { ...env, VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${port}` })
  t.teardown(() => { child.kill('SIGKILL') })
  await waitFor(() => stdout().includes('listening on'), 'the second start')
  const token = /Initial Root Token: (\S+)/.exec(stdout())?.[1]
  t.ok(token, 'the root token is printed on the first start that succeeds')
  const res = await fetch(`http://127.0.0.1:${port}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': token ?? '' } })
  t.equal(res.status, 200, 'and it works')
  child.kill('SIGTERM')
  t.equal(await exitOf(child), 0)
})

t.test('a certificate and key that are not a usable pair stop the start before anything is written', async (t) => {
  const dir = tempDir(t)
  const { loadOrCreateTls } = await import('../src/akv-emulator/certs.js')
  await loadOrCreateTls(join(dir, 'tls'), ['127.0.0.1'])
  const cert = join(dir, 'tls', 'server.pem')
  const key = join(dir, 'tls', 'server-key.pem')
  const { child, output } = run(['server'], {
    VAULT_SYNC_DB_PATH: join(dir, 'v.db'),
    VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${await freePort()}`,
    // Swapped: each file reads, neither is what its setting needs.
    VAULT_SYNC_TLS_CERT_FILE: key,
    VAULT_SYNC_TLS_KEY_FILE: cert
  })
  t.not(await exitOf(child), 0)
  t.match(output(), `VAULT_SYNC_TLS_CERT_FILE: ${key} with the key file ${cert} is not a usable PEM certificate and private key`)
  t.notOk(existsSync(join(dir, 'v.db')), 'no database made')
  t.notOk(existsSync(join(dir, 'v.db.seal-key')) || existsSync(join(dir, 'seal.key')), 'no seal key made')
})

t.test('with TLS the log and the banner say https (15)', async (t) => {
  const dir = tempDir(t)
  const { loadOrCreateTls } = await import('../src/akv-emulator/certs.js')
  await loadOrCreateTls(join(dir, 'tls'), ['127.0.0.1'])
  const port = await freePort()
  const { child, stdout } = run(['server'], {
    VAULT_SYNC_DB_PATH: join(dir, 'v.db'),
    VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${port}`,
    VAULT_SYNC_TLS_CERT_FILE: join(dir, 'tls', 'server.pem'),
    VAULT_SYNC_TLS_KEY_FILE: join(dir, 'tls', 'server-key.pem'),
    VAULT_SYNC_LOG_LEVEL: 'info'
  })
  t.teardown(() => { child.kill('SIGKILL') })
  await waitFor(() => stdout().includes('listening on'), 'the server to listen')
  await waitFor(() => stdout().includes('vault-sync server started'), 'the start-up log line')
  t.match(stdout(), `==> vault-sync server listening on https://127.0.0.1:${port}`)
  t.match(stdout(), `"address":"https://127.0.0.1:${port}"`, 'the one start-up log line says https')
  t.notMatch(stdout(), /(listening (at|on) |"address":")http:\/\//, 'never http://')
  child.kill('SIGTERM')
  t.equal(await exitOf(child), 0)
})
