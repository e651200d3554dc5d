// Issue 13 finding 7: token ids and association target digests are keyed hashes (HMAC, key
// derived from the seal key), so a stolen database file cannot confirm a guessed token id or
// synced value; rows written in the old SHA-256 form are migrated at start.
import t from 'tap'
import Database from 'better-sqlite3'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { loadOrCreateSealKey } from '../../src/crypto/seal-key-file.js'
import { createKeyedHash, sha256Hex } from '../../src/crypto/keyed-hash.js'
import { startServer } from '../../src/server.js'
import { targetDigest } from '../../src/sync/plan.js'
import { buildSecretTags } from '../../src/sync/tags.js'
import { encodeSecretPathValue } from '../../src/sync/value-encoding.js'
import { SQLITE_FILE, startTestServer, vault } from '../helper.js'
import { startSyncTestbed } from '../sync-testbed.js'

const GUESSABLE = 'guessable-token-id'

const fileText = (dbPath: string): string =>
  [dbPath, `${dbPath}-wal`].filter(existsSync).map((p) => readFileSync(p).toString('latin1')).join('')

t.test('a token id is stored as a keyed hash, and old SHA-256 rows are migrated', async (t) => {
  const server = await startTestServer(t, SQLITE_FILE) // SQLite only: it reads and rewrites the database file
  const created = await vault(server.app, 'POST', '/v1/auth/token/create', { body: { id: GUESSABLE, policies: ['default'] } })
  t.equal(created.statusCode, 200)
  const db = new Database(server.dbPath)
  const row = db.prepare('SELECT accessor, id_hash FROM tokens WHERE display_name = ?').get('token') as { accessor: string, id_hash: string }
  t.not(row.id_hash, sha256Hex(GUESSABLE), 'not the plain SHA-256')
  const sealKey = loadOrCreateSealKey(join(server.dir, 'seal.key'))
  t.equal(row.id_hash, createKeyedHash(sealKey, 'token-id')(sha256Hex(GUESSABLE)), 'the HMAC under the derived key')
  t.notMatch(fileText(server.dbPath), sha256Hex(GUESSABLE), 'the SHA-256 of the id is nowhere in the file')

  // Put the database back in the pre-keyed form, then restart on it.
  await server.close()
  db.prepare('UPDATE tokens SET id_hash = ? WHERE accessor = ?').run(sha256Hex(GUESSABLE), row.accessor)
  db.prepare("DELETE FROM meta WHERE key = 'keyed_hashes_v1'").run()
  const restarted = await startServer({
    config: loadConfig({ dbPath: server.dbPath, listenAddress: '127.0.0.1:0', sealKeyFile: join(server.dir, 'seal.key') }, { VAULT_SYNC_LOG_LEVEL: 'silent', VAULT_SYNC_WORKER: 'off' })
  })
  t.teardown(async () => { await restarted.close() })
  const self = await vault(restarted.app, 'GET', '/v1/auth/token/lookup-self', { token: GUESSABLE })
  t.equal(self.statusCode, 200, 'the migrated token still authenticates')
  const after = db.prepare('SELECT id_hash FROM tokens WHERE accessor = ?').get(row.accessor) as { id_hash: string }
  t.equal(after.id_hash, createKeyedHash(sealKey, 'token-id')(sha256Hex(GUESSABLE)), 'migrated to the keyed form')
  t.equal((await vault(restarted.app, 'GET', '/v1/auth/token/lookup-self', { token: 'hvs.wrong' })).statusCode, 403)
  db.close()
})

t.test('an association target digest is keyed: the synced value cannot be confirmed offline', async (t) => {
  const tb = await startSyncTestbed(t, { env: SQLITE_FILE }) // SQLite only: it reads the database file
  await tb.destination('d1')
  const data = { password: 'guessable-value' }
  await tb.put('app', data)
  await tb.set('d1', 'app')
  await tb.settle()
  t.match(await tb.entry('d1', 'app'), { sync_status: 'SYNCED' })
  const db = new Database(tb.server.dbPath, { readonly: true })
  const target = db.prepare(`SELECT a.id, a.destination_id, t.external_name, t.digest FROM association_targets t
    JOIN associations a ON a.id = t.association_id`).get() as { id: string, destination_id: string, external_name: string, digest: string }
  db.close()
  const plain = targetDigest(target.external_name, encodeSecretPathValue(data), buildSecretTags({}, target.destination_id, target.id))
  const keyed = createKeyedHash(loadOrCreateSealKey(join(tb.server.dir, 'seal.key')), 'target-digest')
  t.not(target.digest, plain, 'not the plain SHA-256 digest')
  t.equal(target.digest, plain.split('.').map(keyed).join('.'), 'each half keyed')
  for (const half of plain.split('.')) t.notMatch(fileText(tb.server.dbPath), half, 'no plain digest half in the file')
  // A second write of the same value is still recognised as unchanged (same lookups).
  const version = tb.latest(target.external_name)?.version
  await tb.put('app', data)
  await tb.settle()
  t.equal(tb.latest(target.external_name)?.version, version, 'no new Azure version for an unchanged value')
})
