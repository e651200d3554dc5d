// Start-up failures that must leave nothing behind: VAULT_SYNC_STORAGE=postgresql with a database
// that cannot be reached (no SQLite file in its place: a user once believed their data was in
// PostgreSQL) and unreadable setting files.
import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { startServer } from '../../src/server.js'
import { tempDir } from '../helper.js'

t.test('postgresql storage that cannot be reached fails the start, creating nothing and naming no password', async (t) => {
  const dir = tempDir(t)
  const dbPath = join(dir, 'vault-sync.db')
  const config = loadConfig({ dbPath, listenAddress: '127.0.0.1:0' }, {
    VAULT_SYNC_STORAGE: 'postgresql',
    VAULT_PG_CONNECTION_URL: 'postgresql://vs:s3cret@127.0.0.1:1/vs',
    VAULT_SYNC_LOG_LEVEL: 'silent'
  })
  const err = await startServer({ config }).then(() => undefined, (e: unknown) => e as Error)
  t.ok(err instanceof Error, 'the start fails')
  t.notMatch(String(err?.message), 's3cret', 'the URL\'s password is not in the error')
  t.notOk(existsSync(dbPath), 'no SQLite file was created')
  t.notOk(existsSync(join(dir, 'seal.key')), 'no seal key was written')
})

t.test('an unreadable TLS or seal key file is refused naming the setting and the file, creating nothing', async (t) => {
  const dir = tempDir(t)
  const dbPath = join(dir, 'vault-sync.db')
  const missing = join(dir, 'absent.pem')
  const tlsConfig = loadConfig({ dbPath, listenAddress: '127.0.0.1:0' }, {
    VAULT_SYNC_TLS_CERT_FILE: missing,
    VAULT_SYNC_TLS_KEY_FILE: missing,
    VAULT_SYNC_LOG_LEVEL: 'silent'
  })
  await t.rejects(startServer({ config: tlsConfig }), { name: 'ConfigError', message: `VAULT_SYNC_TLS_CERT_FILE: cannot read ${missing} (ENOENT)` })
  t.notOk(existsSync(dbPath), 'no database file was created')
  t.notOk(existsSync(join(dir, 'seal.key')), 'no seal key was written')

  // A folder where the key file should be: readable as nothing, so it cannot be taken for "absent".
  const sealConfig = loadConfig({ dbPath, listenAddress: '127.0.0.1:0' }, { VAULT_SYNC_SEAL_KEY_FILE: dir, VAULT_SYNC_LOG_LEVEL: 'silent' })
  await t.rejects(startServer({ config: sealConfig }), { message: `VAULT_SYNC_SEAL_KEY_FILE: cannot read ${dir} (EISDIR)` })
  t.notOk(existsSync(dbPath), 'no database file was created')
})
