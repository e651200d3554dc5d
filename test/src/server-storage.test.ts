// VAULT_SYNC_STORAGE=postgresql is validated but not served yet: `server` must refuse it rather
// than quietly serve from a SQLite file (a new user believed their data was in PostgreSQL).
import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { startServer } from '../../src/server.js'
import { tempDir } from '../helper.js'

t.test('server refuses postgresql storage until it is served, creating nothing', async (t) => {
  const dir = tempDir(t)
  const dbPath = join(dir, 'vault-sync.db')
  const config = loadConfig({ dbPath, listenAddress: '127.0.0.1:0' }, {
    VAULT_SYNC_STORAGE: 'postgresql',
    VAULT_PG_CONNECTION_URL: 'postgresql://vs:s3cret@127.0.0.1:1/vs',
    VAULT_SYNC_LOG_LEVEL: 'silent'
  })
  await t.rejects(startServer({ config }), /^VAULT_SYNC_STORAGE: postgresql is not served by this version yet/)
  t.notOk(existsSync(dbPath), 'no SQLite file was created')
  t.notOk(existsSync(join(dir, 'seal.key')), 'no seal key was written')
})
