// The KV service (async, on the Store): hooks run inside each mutation's unit of work with its
// repositories (a throwing or rejecting hook rolls it back),
// what sync reads (secretExists, readCurrent: highest active version), delete_version_after expiry
// on an injected clock, and cascade on mount disable (decisions D-21).
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { openDatabase } from '../../../db/database.js'
import { generateSealKey } from '../../../src/crypto/seal.js'
import type { KvChange } from '../../../src/kv/kv-events.js'
import { MISS } from '../../../src/kv/kv-service.js'
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
  await kv.writeData(a, 'x/y', { v: 1 }, undefined)
  await kv.patchData(a, 'x/y', { w: 2 }, undefined)
  await kv.deleteLatest(a, 'x/y')
  advance(1)
  await kv.deleteLatest(a, 'x/y')
  await kv.undeleteVersions(a, 'x/y', [2])
  await kv.deleteVersions(a, 'x/y', [1])
  await kv.destroyVersions(a, 'x/y', [1])
  await kv.destroyVersions(a, 'x/y', [1])
  await kv.writeMetadata(a, 'x/y', { maxVersions: 3 })
  await kv.patchMetadata(a, 'x/y', { customMetadata: { k: 'v' } })
  await kv.readData(a, 'x/y', undefined)
  await kv.list(a, '')
  await kv.deleteMetadata(a, 'x/y')
  await kv.deleteMetadata(a, 'x/y')
  await kv.deleteLatest(a, 'missing')
  await kv.writeConfig(a, { maxVersions: 4 })
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
  await kv.writeData(a, 'app', { v: 'A' }, undefined)
  await kv.writeData(a, 'app', { v: 'B' }, undefined)
  t.match(await kv.readCurrent(a, 'app'), { version: 2, data: { v: 'B' }, deletionTime: '', deletionAtMs: null, createdTime: '2026-01-02T03:04:05Z' })
  await kv.deleteLatest(a, 'app')
  t.match(await kv.readCurrent(a, 'app'), { version: 2 }, 'deleted at this very instant: not yet in the past (Vault: deletionTime.Before(now))')
  const later = await setup(t)
  await later.kv.writeData(later.a, 'app', { v: 'A' }, undefined)
  await later.kv.writeData(later.a, 'app', { v: 'B' }, undefined)
  await later.kv.deleteLatest(later.a, 'app')
  later.advance(1)
  t.match(await later.kv.readCurrent(later.a, 'app'), { version: 1, data: { v: 'A' } }, 'soft delete of the latest falls back')
  await later.kv.undeleteVersions(later.a, 'app', [2])
  t.match(await later.kv.readCurrent(later.a, 'app'), { version: 2, data: { v: 'B' } })
  await later.kv.destroyVersions(later.a, 'app', [2])
  t.match(await later.kv.readCurrent(later.a, 'app'), { version: 1, data: { v: 'A' } })
  await later.kv.deleteVersions(later.a, 'app', [1])
  later.advance(1)
  t.equal(await later.kv.readCurrent(later.a, 'app'), undefined, 'no active version left')
  t.equal(await later.kv.secretExists(later.a, 'app'), true, 'metadata still exists')
  await later.kv.writeMetadata(later.a, 'meta-only', { maxVersions: 1 })
  t.equal(await later.kv.secretExists(later.a, 'meta-only'), true)
  t.equal(await later.kv.readCurrent(later.a, 'meta-only'), undefined)
  t.equal(await later.kv.secretExists(later.a, 'nope'), false)
  await later.kv.writeData(later.a, 'dir/x', { v: 1 }, undefined)
  t.equal(await later.kv.secretExists(later.a, 'dir/'), false, 'a folder is not a secret')
  t.equal(await later.kv.secretExists(later.a, ''), false)
  t.equal(await later.kv.secretExists('kv_00000000', 'dir/x'), false, 'another mount')
})

t.test('delete_version_after expiry on the injected clock', async (t) => {
  const { kv, a, advance } = await setup(t)
  await kv.writeConfig(a, { deleteVersionAfter: 10 })
  const w = await kv.writeData(a, 'tmp', { v: 1 }, undefined)
  t.equal(w.deletion_time, '2026-01-02T03:04:15Z')
  const cur = await kv.readCurrent(a, 'tmp')
  t.equal(cur?.deletionAtMs, Date.UTC(2026, 0, 2, 3, 4, 15))
  advance(10_000)
  t.equal((await kv.readData(a, 'tmp', undefined)).status, 'ok', 'at the deletion time exactly: still live')
  advance(1)
  t.equal((await kv.readData(a, 'tmp', undefined)).status, 'gone')
  t.equal(await kv.readCurrent(a, 'tmp'), undefined)
  await kv.writeMetadata(a, 'tmp', { deleteVersionAfter: 5 })
  await kv.undeleteVersions(a, 'tmp', [1])
  t.match(await kv.readData(a, 'tmp', undefined), { status: 'ok', metadata: { deletion_time: '2026-01-02T03:04:20.001Z' } }, 'undelete re-arms min(engine, key) from now')
})

t.test('disabling the mount deletes its KV rows (cascade), without hooks', async (t) => {
  const { db, services, kv, a, changes } = await setup(t)
  await kv.writeData(a, 'x', { v: 1 }, undefined)
  await kv.writeConfig(a, { maxVersions: 3 })
  const count = (table: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n
  t.same([count('kv_config'), count('kv_metadata'), count('kv_versions')], [1, 1, 1])
  const before = changes.length
  await services.mounts.disable('secret')
  t.same([count('kv_config'), count('kv_metadata'), count('kv_versions')], [0, 0, 0])
  t.equal(changes.length, before)
})

t.test('an async hook runs in the unit with its repositories; its rejection rolls the write back', async (t) => {
  const { services, kv, a } = await setup(t)
  services.kvChangeHooks.push(async (c, repos) => { await repos.meta.set(`seen:${c.path}`, c.kind) })
  await kv.writeData(a, 'h', { v: 1 }, undefined)
  t.equal((await services.store.repos.meta.get('seen:h'))?.toString(), 'write', 'the hook wrote in the unit, committed with it')
  services.kvChangeHooks.push(async (_c, repos) => { await repos.meta.set('doomed', 'x'); throw new Error('refused') })
  await t.rejects(kv.writeData(a, 'h', { v: 2 }, undefined), /refused/)
  services.kvChangeHooks.pop()
  t.equal(await services.store.repos.meta.get('doomed'), undefined, "the hook's own write was rolled back")
  t.match(await kv.readData(a, 'h', undefined), { status: 'ok', value: { v: 1 }, metadata: { version: 1 } }, 'version 2 was rolled back')
  t.match(await kv.readCurrent(a, 'h'), { version: 1, data: { v: 1 } }, 'what sync reads agrees')
  t.equal(await kv.secretExists(a, 'h'), true)
  t.same(await kv.keysUnder(a, ''), ['h'])
})

t.test('reads: the cached read answers synchronously once loaded; a write is seen at once', async (t) => {
  const { kv, a } = await setup(t)
  await kv.writeData(a, 'c', { v: 1 }, undefined)
  t.equal(kv.peekReadJson(a, 'c', undefined), MISS, 'nothing cached after the write')
  t.match(await kv.readData(a, 'c', undefined), { status: 'ok', value: { v: 1 } })
  const hit = kv.peekReadJson(a, 'c', undefined)
  t.match(hit, { status: 'ok' }, 'a hit needs no promise')
  t.equal(hit !== MISS && hit.status === 'ok' ? hit.value.toString('utf8') : undefined, '{"v":1}', 'with the data as JSON')
  t.equal(kv.peekSecretExists(a, 'c'), true)
  await kv.writeData(a, 'c', { v: 2 }, undefined)
  t.equal(kv.peekReadJson(a, 'c', undefined), MISS, 'the write forgot the key')
  t.match(await kv.readData(a, 'c', undefined), { status: 'ok', value: { v: 2 }, metadata: { version: 2 } })
})

t.test('SQLite: a write whose hooks are all idle runs in one synchronous transaction, as the unit would', async (t) => {
  const { services, kv, a, db } = await setup(t)
  services.kvChangeHooks.pop() // the recorder of `setup` has no `idle`: every write would take the unit
  let called = 0
  let idle = true
  services.kvChangeHooks.push(Object.assign(() => { called++; t.ok(db.inTransaction) }, { idle: () => idle }))
  await kv.writeConfig(a, { maxVersions: 2 })
  await kv.writeData(a, 'f', { v: 1 }, undefined)
  t.match(await kv.readData(a, 'f', undefined), { status: 'ok', value: { v: 1 }, metadata: { version: 1 } })
  await kv.writeData(a, 'f', { v: 2 }, undefined)
  t.equal(kv.peekReadJson(a, 'f', undefined), MISS, 'the write forgot the key')
  t.equal(kv.peekSecretExists(a, 'f'), true, 'but kept the metadata row it committed (the next existence check reads nothing)')
  await kv.writeData(a, 'f', { v: 3 }, undefined)
  t.match(await kv.readData(a, 'f', undefined), { status: 'ok', value: { v: 3 }, metadata: { version: 3 } })
  t.match(await kv.readData(a, 'f', 1), { status: 'missing' }, 'trimmed to max_versions')
  await kv.writeConfig(a, { casRequired: true })
  await t.rejects(kv.writeData(a, 'f', { v: 4 }, undefined), { status: 400, errors: [/check-and-set/] }, 'the CAS rule holds')
  await t.rejects(kv.writeData(a, 'f', { v: 4 }, 2), { status: 400, errors: [/did not match/] })
  t.match(await kv.writeData(a, 'f', { v: 4 }, 3), { version: 4 })
  t.equal(called, 0, 'idle hooks are not called')
  t.equal(db.inTransaction, false)
  idle = false
  t.match(await kv.writeData(a, 'f', { v: 5 }, 4), { version: 5 })
  t.equal(called, 1, 'a hook with something to do runs, inside the unit')
  t.match(await kv.readCurrent(a, 'f'), { version: 5, data: { v: 5 } })
})

// Later writes of a key in one synchronous group do not ask the hooks again (their answer cannot
// change while the group holds the write lock); the next group asks again.
t.test('SQLite: the hooks say idle once per key and group, and are asked again after its COMMIT', async (t) => {
  const { services, kv, a } = await setup(t)
  services.kvChangeHooks.pop()
  const asked: string[] = []
  let called = 0
  let idle = true
  services.kvChangeHooks.push(Object.assign(() => { called++ }, { idle: (c: KvChange) => { asked.push(c.path); return idle } }))
  await kv.writeData(a, 'warm', { v: 0 }, undefined)
  asked.length = 0
  const commits: Array<Promise<void>> = []
  const now = (path: string, v: number): number | undefined => {
    let told: (err?: unknown) => void = () => {}
    commits.push(new Promise<void>((resolve, reject) => { told = (err) => { if (err === undefined) resolve(); else reject(err) } }))
    return kv.writeDataNow(a, path, { v }, undefined, told)?.version
  }
  t.strictSame([now('g', 1), now('h', 1), now('g', 2), now('g', 3), now('h', 2)], [1, 1, 2, 3, 2], 'one group, written at once')
  t.strictSame(asked, ['g', 'h'], 'asked once per key')
  await Promise.all(commits)
  idle = false
  t.match(await kv.writeData(a, 'g', { v: 4 }, undefined), { version: 4 })
  t.equal(called, 1, 'after the COMMIT the hooks are asked again, and one with something to do runs')
  t.match(await kv.readCurrent(a, 'g'), { version: 4, data: { v: 4 } })
  t.match(await kv.readCurrent(a, 'h'), { version: 2, data: { v: 2 } })
})
