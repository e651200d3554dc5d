// Issue 19: a backup taken (by `vault-sync operator backup`, another process) while writes run
// restores into a server that serves every secret written before the backup started; the seal
// key is kept apart from it and a wrong key does not open the restored database. SQLite only
// (`SQLITE_FILE`): the backup is of the SQLite file (PostgreSQL is backed up with its own tools).
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { startServer } from '../../src/server.js'
import { ROOT_TOKEN, SQLITE_FILE, startTestServer, tempDir, vault } from '../helper.js'
import { exitOf, run } from '../cli-process.js'

t.test('online backup during writes, restore, every earlier secret served', async (t) => {
  const server = await startTestServer(t, SQLITE_FILE) // SQLite only: `operator backup` copies the SQLite file
  const written: number[] = []
  let stop = false
  const writer = (async () => {
    // eslint-disable-next-line no-unmodified-loop-condition -- cleared by the test body while this loop awaits
    for (let i = 0; !stop; i++) {
      const res = await vault(server.app, 'POST', `/v1/secret/data/app/s-${i}`, { body: { data: { value: `v-${i}`, pad: 'x'.repeat(2000) } } })
      if (res.statusCode !== 200) throw new Error(`write ${i}: ${res.statusCode} ${res.body}`)
      written.push(i)
      await new Promise((resolve) => setImmediate(resolve))
    }
  })()
  while (written.length < 200) await new Promise((resolve) => setTimeout(resolve, 10))

  const out = join(tempDir(t), 'backup.db')
  const keyOut = join(tempDir(t), 'seal.key.backup')
  const beforeBackup = written.length // every write that completed before the backup started
  const backup = run(['operator', 'backup', `-out=${out}`, `-seal-key-out=${keyOut}`], { VAULT_SYNC_DB_PATH: server.dbPath, VAULT_SYNC_SEAL_KEY_FILE: join(server.dir, 'seal.key') })
  const code = await exitOf(backup.child)
  const duringBackup = written.length - beforeBackup
  stop = true
  await writer
  t.equal(code, 0, backup.output())
  t.match(backup.output(), /integrity and seal key checked/)
  t.match(backup.output(), /store it apart from the database backups/)
  t.ok(duringBackup > 0, `writes went on during the backup (${duringBackup})`)

  // Restore: the backup at a storage path of its own, the seal key beside its config.
  const target = tempDir(t)
  copyFileSync(out, join(target, 'vault-sync.db'))
  copyFileSync(keyOut, join(target, 'seal.key'))
  t.notOk(existsSync(`${out}-wal`), 'the backup is one self-contained file')
  t.equal(statSync(out).mode & 0o777, 0o600, 'the backup is as private as the database (mode 0600), whatever the umask')
  const config = loadConfig({ dbPath: join(target, 'vault-sync.db'), listenAddress: '127.0.0.1:0', sealKeyFile: join(target, 'seal.key') }, { VAULT_SYNC_LOG_LEVEL: 'silent', VAULT_SYNC_WORKER: 'off' })
  const restored = await startServer({ config, dev: { rootTokenId: ROOT_TOKEN } })
  t.teardown(restored.close)
  let served = 0
  for (let i = 0; i < beforeBackup; i++) {
    const res = await vault(restored.app, 'GET', `/v1/secret/data/app/s-${i}`)
    if (res.statusCode === 200 && res.json().data.data.value === `v-${i}`) served++
    else t.fail(`s-${i}: ${res.statusCode}`)
  }
  t.equal(served, beforeBackup, `all ${beforeBackup} secrets written before the backup started are served`)

  // A wrong seal key does not open the restored database.
  const wrong = tempDir(t)
  copyFileSync(out, join(wrong, 'vault-sync.db'))
  writeFileSync(join(wrong, 'other.key'), randomBytes(32).toString('base64') + '\n', { mode: 0o600 })
  const bad = loadConfig({ dbPath: join(wrong, 'vault-sync.db'), listenAddress: '127.0.0.1:0', sealKeyFile: join(wrong, 'other.key') }, { VAULT_SYNC_LOG_LEVEL: 'silent', VAULT_SYNC_WORKER: 'off' })
  await t.rejects(startServer({ config: bad }), /seal key does not open this database/)
})

t.test('operator backup refuses an existing output and a missing key', async (t) => {
  const server = await startTestServer(t, SQLITE_FILE) // SQLite only: `operator backup` copies the SQLite file
  const dir = tempDir(t)
  const env = { VAULT_SYNC_DB_PATH: server.dbPath, VAULT_SYNC_SEAL_KEY_FILE: join(server.dir, 'seal.key') }
  const first = run(['operator', 'backup', `-out=${join(dir, 'b.db')}`], env)
  t.equal(await exitOf(first.child), 0, first.output())
  t.match(first.output(), /is not in the backup: keep a copy of it apart/)
  const again = run(['operator', 'backup', `-out=${join(dir, 'b.db')}`], env)
  t.equal(await exitOf(again.child), 1)
  t.match(again.output(), /b\.db exists; choose a new file/)
  const nokey = run(['operator', 'backup', `-out=${join(dir, 'c.db')}`], { ...env, VAULT_SYNC_SEAL_KEY_FILE: join(dir, 'none.key') })
  t.equal(await exitOf(nokey.child), 1)
  t.match(nokey.output(), /no seal key at/)
  const usage = run(['operator', 'backup'])
  t.equal(await exitOf(usage.child), 2)
})

t.test('operator backup says what to do with PostgreSQL storage instead of copying a stale SQLite file', async (t) => {
  const server = await startTestServer(t, SQLITE_FILE)
  const dir = tempDir(t)
  const config = join(dir, 'pg.hcl')
  writeFileSync(config, 'storage "postgresql" {\n  connection_url = "postgres://vault:pw@127.0.0.1:1/vault"\n}\n')
  // A SQLite database at the default path must not be what gets copied.
  const pg = run(['operator', 'backup', `-config=${config}`, `-out=${join(dir, 'b.db')}`], { VAULT_SYNC_DB_PATH: server.dbPath, VAULT_SYNC_SEAL_KEY_FILE: join(server.dir, 'seal.key') })
  t.equal(await exitOf(pg.child), 1)
  t.match(pg.output(), /operator backup copies a SQLite database, and this configuration uses PostgreSQL storage: back up the PostgreSQL database with its own tools \(pg_dump/)
  t.notOk(existsSync(join(dir, 'b.db')), 'nothing copied')
  t.notMatch(pg.output(), /pw@/, 'the connection URL\'s password is not printed')
})
