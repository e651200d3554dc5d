// The KV service: hooks run inside each mutation's transaction (a throwing hook rolls it back),
// what sync reads (secretExists, readCurrent: highest active version), delete_version_after expiry
// on an injected clock, and cascade on mount disable (decisions D-21).
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { openDatabase } from '../../../db/database.js'
import { generateSealKey } from '../../../src/crypto/seal.js'
import type { KvChange } from '../../../src/kv/kv-events.js'
import { createServices } from '../../../src/services.js'
import { startTestServer, tempDir } from '../../helper.js'
import { kvClient } from '../../routes/kv/kv-test-client.js'

async function setup (t: Test) {
  const db = openDatabase(join(tempDir(t), 'kv.db'))
  t.teardown(() => db.close())
  let nowMs = Date.UTC(2026, 0, 2, 3, 4, 5)
  const services = await createServices({ db, sealKey: generateSealKey(), now: () => nowMs })
  const mount = await services.mounts.enable('secret', { type: 'kv-v2' })
  const changes: Array<KvChange & { inTransaction: boolean }> = []
  services.kvChangeHooks.push((c) => { changes.push({ ...c, inTransaction: db.inTransaction }) })
  return { db, services, kv: services.kv, a: mount.accessor, changes, advance: (ms: number) => { nowMs += ms } }
}

t.test('each mutation fires the hooks once, inside its transaction; no-ops and reads do not', async (t) => {
  const { kv, a, changes, advance } = await setup(t)
  kv.writeData(a, 'x/y', { v: 1 }, undefined)
  kv.patchData(a, 'x/y', { w: 2 }, undefined)
  kv.deleteLatest(a, 'x/y')
  advance(1)
  kv.deleteLatest(a, 'x/y')
  kv.undeleteVersions(a, 'x/y', [2])
  kv.deleteVersions(a, 'x/y', [1])
  kv.destroyVersions(a, 'x/y', [1])
  kv.destroyVersions(a, 'x/y', [1])
  kv.writeMetadata(a, 'x/y', { maxVersions: 3 })
  kv.patchMetadata(a, 'x/y', { customMetadata: { k: 'v' } })
  kv.readData(a, 'x/y', undefined)
  kv.list(a, '')
  kv.deleteMetadata(a, 'x/y')
  kv.deleteMetadata(a, 'x/y')
  kv.deleteLatest(a, 'missing')
  kv.writeConfig(a, { maxVersions: 4 })
  t.same(changes.map((c) => c.kind), ['write', 'patch', 'delete', 'undelete', 'delete', 'destroy', 'metadata-write', 'metadata-write', 'metadata-delete'])
  t.ok(changes.every((c) => c.inTransaction && c.accessor === a && c.path === 'x/y'))
})

t.test('a hook that throws rolls the mutation back (through the HTTP API)', async (t) => {
  const server = await startTestServer(t)
  const kv = kvClient(server.app)
  t.equal((await kv('POST', '/v1/secret/data/r', { data: { v: 1 } })).status, 200)
  server.services.kvChangeHooks.push(() => { throw new Error('outbox full') })
  const w = await kv('POST', '/v1/secret/data/r', { data: { v: 2 } })
  t.equal(w.status, 500)
  t.notMatch(w.text, /outbox full/, 'internals stay in the log')
  t.equal((await kv('DELETE', '/v1/secret/metadata/r')).status, 500)
  t.equal((await kv('POST', '/v1/secret/data/new', { data: { v: 1 } })).status, 500)
  server.services.kvChangeHooks.pop()
  const r = await kv('GET', '/v1/secret/data/r')
  t.same(r.body.data.data, { v: 1 }, 'version 2 was rolled back, metadata delete too')
  t.equal(r.body.data.metadata.version, 1)
  t.equal((await kv('GET', '/v1/secret/metadata/new')).status, 404, 'nothing of the new key remains')
})

t.test('readCurrent: the highest active version (Vault Jan-2026 fallback), secretExists', async (t) => {
  const { kv, a } = await setup(t)
  kv.writeData(a, 'app', { v: 'A' }, undefined)
  kv.writeData(a, 'app', { v: 'B' }, undefined)
  t.match(kv.readCurrent(a, 'app'), { version: 2, data: { v: 'B' }, deletionTime: '', deletionAtMs: null, createdTime: '2026-01-02T03:04:05Z' })
  kv.deleteLatest(a, 'app')
  t.match(kv.readCurrent(a, 'app'), { version: 2 }, 'deleted at this very instant: not yet in the past (Vault: deletionTime.Before(now))')
  const later = await setup(t)
  later.kv.writeData(later.a, 'app', { v: 'A' }, undefined)
  later.kv.writeData(later.a, 'app', { v: 'B' }, undefined)
  later.kv.deleteLatest(later.a, 'app')
  later.advance(1)
  t.match(later.kv.readCurrent(later.a, 'app'), { version: 1, data: { v: 'A' } }, 'soft delete of the latest falls back')
  later.kv.undeleteVersions(later.a, 'app', [2])
  t.match(later.kv.readCurrent(later.a, 'app'), { version: 2, data: { v: 'B' } })
  later.kv.destroyVersions(later.a, 'app', [2])
  t.match(later.kv.readCurrent(later.a, 'app'), { version: 1, data: { v: 'A' } })
  later.kv.deleteVersions(later.a, 'app', [1])
  later.advance(1)
  t.equal(later.kv.readCurrent(later.a, 'app'), undefined, 'no active version left')
  t.equal(later.kv.secretExists(later.a, 'app'), true, 'metadata still exists')
  later.kv.writeMetadata(later.a, 'meta-only', { maxVersions: 1 })
  t.equal(later.kv.secretExists(later.a, 'meta-only'), true)
  t.equal(later.kv.readCurrent(later.a, 'meta-only'), undefined)
  t.equal(later.kv.secretExists(later.a, 'nope'), false)
  later.kv.writeData(later.a, 'dir/x', { v: 1 }, undefined)
  t.equal(later.kv.secretExists(later.a, 'dir/'), false, 'a folder is not a secret')
  t.equal(later.kv.secretExists(later.a, ''), false)
  t.equal(later.kv.secretExists('kv_00000000', 'dir/x'), false, 'another mount')
})

t.test('delete_version_after expiry on the injected clock', async (t) => {
  const { kv, a, advance } = await setup(t)
  kv.writeConfig(a, { deleteVersionAfter: 10 })
  const w = kv.writeData(a, 'tmp', { v: 1 }, undefined)
  t.equal(w.deletion_time, '2026-01-02T03:04:15Z')
  const cur = kv.readCurrent(a, 'tmp')
  t.equal(cur?.deletionAtMs, Date.UTC(2026, 0, 2, 3, 4, 15))
  advance(10_000)
  t.equal(kv.readData(a, 'tmp', undefined).status, 'ok', 'at the deletion time exactly: still live')
  advance(1)
  t.equal(kv.readData(a, 'tmp', undefined).status, 'gone')
  t.equal(kv.readCurrent(a, 'tmp'), undefined)
  kv.writeMetadata(a, 'tmp', { deleteVersionAfter: 5 })
  kv.undeleteVersions(a, 'tmp', [1])
  t.match(kv.readData(a, 'tmp', undefined), { status: 'ok', metadata: { deletion_time: '2026-01-02T03:04:20.001Z' } }, 'undelete re-arms min(engine, key) from now')
})

t.test('disabling the mount deletes its KV rows (cascade), without hooks', async (t) => {
  const { db, services, kv, a, changes } = await setup(t)
  kv.writeData(a, 'x', { v: 1 }, undefined)
  kv.writeConfig(a, { maxVersions: 3 })
  const count = (table: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n
  t.same([count('kv_config'), count('kv_metadata'), count('kv_versions')], [1, 1, 1])
  const before = changes.length
  await services.mounts.disable('secret')
  t.same([count('kv_config'), count('kv_metadata'), count('kv_versions')], [0, 0, 0])
  t.equal(changes.length, before)
})
