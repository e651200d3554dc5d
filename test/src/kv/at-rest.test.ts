// Secret values and custom metadata never reach the SQLite file (or its WAL) in clear
// (architecture.md: AES-256-GCM at rest; issue 3).
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { SQLITE_FILE, startTestServer } from '../../helper.js'
import { kvClient } from '../../routes/kv/kv-test-client.js'

t.test('a distinctive value is absent from the database file and its WAL', async (t) => {
  const server = await startTestServer(t, SQLITE_FILE) // SQLite only: it greps the database file and its WAL
  const kv = kvClient(server.app)
  const value = `canary-value-${randomBytes(12).toString('hex')}`
  const custom = `canary-custom-${randomBytes(12).toString('hex')}`
  const path = `canary-path-${randomBytes(6).toString('hex')}`
  t.equal((await kv('POST', `/v1/secret/data/${path}`, { data: { password: value, nested: { again: value } } })).status, 200)
  t.equal((await kv('POST', `/v1/secret/metadata/${path}`, { custom_metadata: { owner: custom } })).status, 204)
  t.equal((await kv('PATCH', `/v1/secret/data/${path}`, { data: { more: value } }, { 'content-type': 'application/merge-patch+json' })).status, 200)
  t.same((await kv('GET', `/v1/secret/data/${path}`)).body.data.data, { password: value, nested: { again: value }, more: value })

  const files = [server.dbPath, `${server.dbPath}-wal`]
  const grep = (needle: string): string[] => files.filter((f) => existsSync(f) && readFileSync(f).includes(Buffer.from(needle)))
  t.ok(existsSync(`${server.dbPath}-wal`), 'the WAL exists while the server runs')
  t.ok(grep(path).length > 0, 'the grep finds what is stored in clear (the key path)')
  t.same(grep(value), [], 'value absent while running')
  t.same(grep(custom), [], 'custom metadata absent while running')
  await server.close()
  t.ok(grep(path).length > 0, 'after close the path is in the checkpointed file')
  t.same(grep(value), [], 'value absent after close')
  t.same(grep(custom), [], 'custom metadata absent after close')
})
