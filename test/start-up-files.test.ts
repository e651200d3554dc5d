// Issue 14.14: the files `server` keeps. The database is created 0600 like the seal key, and a
// database copied without its seal key fails to start WITHOUT writing anything (no new key, the
// database untouched), instead of getting a new key and then "wrong key file"; a database that
// `vault-sync migrate` made (schema only, nothing sealed) is not such a copy.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { exitOf, freePort, run, waitFor } from './cli-process.js'
import { tempDir } from './helper.js'

/** Starts `server` on `dbPath`, waits until it listens, stops it. */
async function startOnce (t: Test, dbPath: string): Promise<void> {
  const port = await freePort()
  const { child, output } = run(['server'], { VAULT_SYNC_DB_PATH: dbPath, VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${port}` })
  t.teardown(() => { child.kill('SIGKILL') })
  await waitFor(() => output().includes('listening on'), 'the server to listen')
  child.kill('SIGTERM')
  t.equal(await exitOf(child), 0)
}

t.test('the database file is created 0600, like the seal key', async (t) => {
  const dir = tempDir(t)
  const db = join(dir, 'data', 'v.db')
  await startOnce(t, db)
  t.equal(statSync(db).mode & 0o777, 0o600, 'database 0600')
  t.equal(statSync(join(dir, 'data', 'seal.key')).mode & 0o777, 0o600, 'seal key 0600')
  for (const f of readdirSync(join(dir, 'data')).filter((f) => f.startsWith('v.db-'))) {
    t.equal(statSync(join(dir, 'data', f)).mode & 0o077, 0, `${f} not readable by others`)
  }
})

t.test('a database copied without its seal key: start-up fails and writes nothing', async (t) => {
  const dir = tempDir(t)
  const original = join(dir, 'a', 'v.db')
  await startOnce(t, original)
  const copy = join(dir, 'b', 'v.db')
  mkdirSync(join(dir, 'b'))
  copyFileSync(original, copy)
  const before = readFileSync(copy)
  const port = await freePort()
  const { child, output } = run(['server'], { VAULT_SYNC_DB_PATH: copy, VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${port}` })
  t.teardown(() => { child.kill('SIGKILL') })
  t.equal(await exitOf(child), 1)
  t.match(output(), /VAULT_SYNC_SEAL_KEY_FILE: .*seal\.key does not exist, but the database already holds data/)
  t.notMatch(output(), /wrong key file/)
  t.notOk(existsSync(join(dir, 'b', 'seal.key')), 'no new seal key written')
  t.same(readdirSync(join(dir, 'b')), ['v.db'], `no other file appeared (${readdirSync(join(dir, 'b')).join(', ')})`)
  t.ok(readFileSync(copy).equals(before), 'the database is byte for byte unchanged')
})

t.test('a database `vault-sync migrate` made holds nothing sealed: server starts on it and makes the seal key', async (t) => {
  const dir = tempDir(t)
  const db = join(dir, 'data', 'v.db')
  const migrate = run(['migrate'], { VAULT_SYNC_DB_PATH: db })
  t.teardown(() => { migrate.child.kill('SIGKILL') })
  t.equal(await exitOf(migrate.child), 0, migrate.output())
  t.ok(existsSync(db), 'migrate made the database')
  t.notOk(existsSync(join(dir, 'data', 'seal.key')), 'and no seal key')
  await startOnce(t, db)
  t.ok(existsSync(join(dir, 'data', 'seal.key')), 'server made the seal key')
})

t.test('a seal key file readable by others or its group: start-up warns, naming the file and the fix', async (t) => {
  const dir = tempDir(t)
  const db = join(dir, 'data', 'v.db')
  await startOnce(t, db)
  const key = join(dir, 'data', 'seal.key')
  const started = async (): Promise<string> => {
    const port = await freePort()
    const { child, output } = run(['server'], { VAULT_SYNC_DB_PATH: db, VAULT_SYNC_LISTEN_ADDRESS: `127.0.0.1:${port}` })
    t.teardown(() => { child.kill('SIGKILL') })
    await waitFor(() => output().includes('listening on'), 'the server to listen')
    child.kill('SIGTERM')
    await exitOf(child)
    return output()
  }
  t.notMatch(await started(), /seal\.key is readable/, 'the key as vault-sync made it (0600): no warning')
  chmodSync(key, 0o644)
  t.match(await started(), /VAULT_SYNC_SEAL_KEY_FILE: \S+seal\.key is readable by every user \(mode 0644\)[^\n]*chmod 0600/)
  chmodSync(key, 0o640)
  t.match(await started(), /seal\.key is readable by its group \(mode 0640\)/)
})
