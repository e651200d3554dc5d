// Start-up failures that must leave nothing behind: VAULT_SYNC_STORAGE=postgresql with a database
// that cannot be reached (no SQLite file in its place: a user once believed their data was in
// PostgreSQL), a URL that does not parse, and unreadable setting files.
import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig, type Config } from '../../src/config.js'
import { startServer } from '../../src/server.js'
import { tempDir } from '../helper.js'

/** A PostgreSQL configuration on `url`, with the SQLite path it must not create. */
function pgConfig (t: Test, url: string): { config: Config, dir: string, dbPath: string } {
  const dir = tempDir(t)
  const dbPath = join(dir, 'vault-sync.db')
  const config = loadConfig({ dbPath, listenAddress: '127.0.0.1:0' }, { VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: url, VAULT_SYNC_LOG_LEVEL: 'silent' })
  return { config, dir, dbPath }
}

t.test('postgresql storage that cannot be reached fails the start, creating nothing and naming no password', async (t) => {
  const { config, dir, dbPath } = pgConfig(t, 'postgresql://vs:s3cret@127.0.0.1:1/vs')
  const err = await startServer({ config }).then(() => undefined, (e: unknown) => e as Error)
  t.ok(err instanceof Error, 'the start fails')
  t.notMatch(String(err?.message), 's3cret', 'the URL\'s password is not in the error')
  t.notOk(existsSync(dbPath), 'no SQLite file was created')
  t.notOk(existsSync(join(dir, 'seal.key')), 'no seal key was written')
})

t.test('a postgresql URL node-postgres cannot parse is refused naming the setting, not the URL', async (t) => {
  const { config, dbPath } = pgConfig(t, 'postgresql://vs:s3cret@127.0.0.1:not-a-port/vs')
  const err = await startServer({ config }).then(() => undefined, (e: unknown) => e as Error)
  t.match(err, { name: 'ConfigError', message: /^VAULT_PG_CONNECTION_URL: is not a valid URL/ })
  t.notMatch(String(err?.message), 's3cret', 'the URL\'s password is not in the error')
  t.notOk(existsSync(dbPath), 'no SQLite file was created')
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

  // An audit file in a folder that does not exist: refused before the database and seal key.
  const audit = join(dir, 'nodir', 'audit.log')
  const auditConfig = loadConfig({ dbPath, listenAddress: '127.0.0.1:0' }, { VAULT_SYNC_AUDIT_FILE: audit, VAULT_SYNC_LOG_LEVEL: 'silent' })
  await t.rejects(startServer({ config: auditConfig }), { name: 'ConfigError', message: `VAULT_SYNC_AUDIT_FILE: cannot open ${audit} for appending (ENOENT)` })
  t.notOk(existsSync(dbPath), 'no database file was created')
  t.notOk(existsSync(join(dir, 'seal.key')), 'no seal key was written')
})
