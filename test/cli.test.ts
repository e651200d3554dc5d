// ./bin/vault-sync as a user runs it: flags, the dev info file, signals, start-up errors.
import t, { type Test } from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { normaliseFlags, parseFlags } from '../src/cli-args.js'
import { exitOf, freePort, run, waitFor } from './cli-process.js'
import { tempDir } from './helper.js'

t.test('single-dash flags are rewritten to parseArgs form', async (t) => {
  t.same(normaliseFlags(['-dev', '--dev', '-dev-root-token-id=x', '-dev-root-token-id', 'y', '-h', '-']),
    ['--dev', '--dev', '--dev-root-token-id=x', '--dev-root-token-id', 'y', '-h', '-'])
})

t.test('boolean flags take Go\'s -flag=true / -flag=false', async (t) => {
  const options = { dev: { type: 'boolean' }, 'no-worker': { type: 'boolean' }, config: { type: 'string' } } as const
  t.same({ ...parseFlags(['-dev=true', '-no-worker=false', '-config=a=b'], options) }, { dev: true, config: 'a=b' })
  t.same({ ...parseFlags(['--dev=T', '-no-worker=1'], options) }, { dev: true, 'no-worker': true })
  t.throws(() => parseFlags(['-dev=maybe'], options), /does not take an argument/, 'other values are refused')
})

/** Starts `server -dev` with `extra` flags and an info file; resolves once the file is written. */
async function devServer (t: Test, extra: string[]): Promise<{ child: ReturnType<typeof run>['child'], output: () => string, port: number, info: string }> {
  const port = await freePort()
  const info = join(tempDir(t), 'x.json')
  const { child, output } = run(['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, ...extra, `-dev-info-file=${info}`])
  t.teardown(() => { child.kill('SIGKILL') })
  // A loaded machine may be slow to start it; a server that exits instead fails at once, with its output.
  await waitFor(() => existsSync(info) || child.exitCode !== null, 'the dev info file', 60_000)
  if (!existsSync(info)) throw new Error(`the dev server exited (${String(child.exitCode)}) before writing its info file:\n${output()}`)
  return { child, output, port, info }
}

t.test('server -dev: banner, info file, health, mounts, clean exit on SIGTERM', async (t) => {
  const { child, output, port, info } = await devServer(t, ['-dev-root-token-id=root'])
  const written = JSON.parse(readFileSync(info, 'utf8'))
  t.same(Object.keys(written), ['address', 'root_token', 'akv'])
  t.match(written, { address: `http://127.0.0.1:${port}`, root_token: 'root' })
  t.match(output(), /Root Token: root/)
  t.match(output(), new RegExp(`export VAULT_ADDR='http://127.0.0.1:${port}'`))
  t.match(output(), /export VAULT_TOKEN='root'/)
  t.match(output(), new RegExp(`The operator page is at http://127.0.0.1:${port}/ui/`))
  const health = await (await fetch(`http://127.0.0.1:${port}/v1/sys/health`)).json()
  t.match(health, { initialized: true, sealed: false })
  const mounts = await (await fetch(`http://127.0.0.1:${port}/v1/sys/mounts`, { headers: { 'X-Vault-Token': 'root' } })).json() as { data: Record<string, unknown> }
  t.match(mounts.data['secret/'], { type: 'kv', options: { version: '2' } })
  child.kill('SIGTERM')
  t.equal(await exitOf(child), 0)
})

t.test('server -dev with an empty -dev-root-token-id makes a random root token, as Vault does', async (t) => {
  const { child, port, info } = await devServer(t, ['-dev-root-token-id='])
  const token = JSON.parse(readFileSync(info, 'utf8')).root_token as string
  t.match(token, /^hvs\.[A-Za-z0-9]{24}$/, 'a generated token, not ""')
  t.equal((await fetch(`http://127.0.0.1:${port}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': token } })).status, 200, 'and it works')
  child.kill('SIGTERM')
  t.equal(await exitOf(child), 0)
})

t.test('server -dev reads Vault\'s VAULT_DEV_ROOT_TOKEN_ID and VAULT_DEV_LISTEN_ADDRESS; a flag beats them', async (t) => {
  const start = async (args: string[], env: Record<string, string>): Promise<{ address: string, token: string }> => {
    const info = join(tempDir(t), 'info.json')
    const { child, output } = run(['server', '-dev', `-dev-info-file=${info}`, ...args], env)
    t.teardown(() => { child.kill('SIGKILL') })
    await waitFor(() => existsSync(info) || child.exitCode !== null, 'the dev info file', 60_000)
    if (!existsSync(info)) throw new Error(`the dev server exited before writing its info file:\n${output()}`)
    const { address, root_token: token } = JSON.parse(readFileSync(info, 'utf8'))
    t.equal((await fetch(`${address as string}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': token } })).status, 200)
    child.kill('SIGTERM')
    t.equal(await exitOf(child), 0)
    return { address, token }
  }
  const [a, b, c] = [await freePort(), await freePort(), await freePort()]
  t.same(await start([], { VAULT_DEV_LISTEN_ADDRESS: `127.0.0.1:${a}`, VAULT_DEV_ROOT_TOKEN_ID: 'from-env', VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${b}` }),
    { address: `http://127.0.0.1:${a}`, token: 'from-env' }, 'Vault\'s variables set the address and the token')
  t.same(await start([`-dev-listen-address=127.0.0.1:${c}`, '-dev-root-token-id=from-flag'], { VAULT_DEV_LISTEN_ADDRESS: `127.0.0.1:${a}`, VAULT_DEV_ROOT_TOKEN_ID: 'from-env' }),
    { address: `http://127.0.0.1:${c}`, token: 'from-flag' }, 'the flags win')
  t.match(await start([], { VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${b}` }), { address: `http://127.0.0.1:${b}` },
    'without either, VAULT_SYNC_LISTEN_ADDRESS (it was ignored for 127.0.0.1:8200)')
  const bad = run(['server', '-dev'], { VAULT_DEV_LISTEN_ADDRESS: 'nowhere' })
  t.equal(await exitOf(bad.child), 1)
  t.match(bad.output(), /VAULT_DEV_LISTEN_ADDRESS: "nowhere" is not a host:port address/, 'a bad value is named by its variable')
})

t.test('server -dev with -dev-db keeps state and the seal key across restarts', async (t) => {
  const dir = tempDir(t)
  const db = join(dir, 'dev.db')
  for (const round of [1, 2]) {
    const port = await freePort()
    const info = join(dir, `info-${round}.json`)
    const { child } = run(['server', '--dev', `--dev-listen-address=127.0.0.1:${port}`, '--dev-root-token-id', 'root', `--dev-info-file=${info}`, `-dev-db=${db}`])
    t.teardown(() => { child.kill('SIGKILL') })
    await waitFor(() => existsSync(info), 'the dev info file')
    const headers = { 'X-Vault-Token': 'root', 'Content-Type': 'application/json' }
    if (round === 1) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/sys/mounts/kept`, { method: 'POST', headers, body: '{"type":"kv-v2"}' })
      t.equal(res.status, 204)
    } else {
      const res = await fetch(`http://127.0.0.1:${port}/v1/sys/mounts/kept`, { headers })
      t.equal(res.status, 200, 'the mount made in round 1 is still there')
    }
    child.kill('SIGINT')
    t.equal(await exitOf(child), 0)
  }
  t.ok(existsSync(`${db}.seal-key`), 'seal key file beside the dev database')
})

t.test('start-up and usage errors name the problem', async (t) => {
  const dir = tempDir(t)
  const badAddr = run(['server'], { VAULT_SYNC_LISTEN_ADDRESS: 'not-an-address', VAULT_SYNC_DB_PATH: join(dir, 'a.db') })
  t.equal(await exitOf(badAddr.child), 1)
  t.match(badAddr.output(), /VAULT_SYNC_LISTEN_ADDRESS: "not-an-address" is not a host:port address/)
  const badLimit = run(['server'], { VAULT_SYNC_MAX_REQUEST_BYTES: '-3', VAULT_SYNC_DB_PATH: join(dir, 'b.db') })
  t.equal(await exitOf(badLimit.child), 1)
  t.match(badLimit.output(), /VAULT_SYNC_MAX_REQUEST_BYTES/)
  const unknown = run(['server', '-bogus'])
  t.equal(await exitOf(unknown.child), 2)
  t.match(unknown.output(), /flag provided but not defined: -bogus\n/, 'named as typed, in Go\'s words')
  const command = run(['frobnicate'])
  t.equal(await exitOf(command.child), 2)
  t.match(command.output(), /unknown command "frobnicate"/)
})

t.test('server (not dev): prints the initial root token once, then never again', async (t) => {
  const dir = tempDir(t)
  const env = { VAULT_SYNC_DB_PATH: join(dir, 'data', 'v.db') }
  const tokens: string[] = []
  for (const round of [1, 2]) {
    const port = await freePort()
    const { child, output } = run(['server'], { ...env, VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${port}` })
    t.teardown(() => { child.kill('SIGKILL') })
    await waitFor(() => output().includes('listening on'), 'the server to listen')
    const m = /Initial Root Token: (hvs\.[0-9A-Za-z]{24})/.exec(output())
    if (round === 1) {
      t.ok(m, 'printed on first start')
      if (m !== null) tokens.push(m[1])
    } else {
      t.equal(m, null, 'not printed again')
      const res = await fetch(`http://127.0.0.1:${port}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': tokens[0] } })
      t.equal(res.status, 200, 'the first token still works')
    }
    child.kill('SIGTERM')
    t.equal(await exitOf(child), 0)
  }
  t.ok(existsSync(join(dir, 'data', 'seal.key')), 'seal key created beside the database')
})
