// The maintained view of a destination's associations (issue 16): GET/set/remove answer the
// same bytes as the map rebuilt from the rows and serialised through the response schema, after
// changes made by the API, by another connection (a worker in another process), deletions,
// unmounts, sub-keys, duplicate keys and code-point ordering; answers of 64 KiB and more sent as
// pieces (src/vault/pieces-payload.ts) over a real socket. SQLite only (`SQLITE_FILE`): the
// reference is rebuilt from the SQLite file through the SQLite repositories, and "another
// connection" writes that file (on PostgreSQL, test/routes/sys covers the same views).
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { connect, type AddressInfo } from 'node:net'
import Fastify from 'fastify'
import { createAssociationsRepo, type TargetRow } from '../../../db/associations-repo.js'
import { associationEntries, compareCodePoints } from '../../../src/sync/association-view.js'
import { AssociationListSchema, DestinationAssociationsSchema, envelope } from '../../../src/sync/sync-schemas.js'
import type { AssociationEntry } from '../../../src/sync/sync-types.js'
import { PIECES_FROM_BYTES } from '../../../src/vault/envelope-json.js'
import { ROOT_TOKEN, SQLITE_FILE, startTestServer, vault, type TestServer } from '../../helper.js'
import { rawRequest } from '../../raw-http.js'
import { createAzureDestination, json, putSecret } from '../../sync-fixtures.js'

const D = '/v1/sys/sync/destinations/azure-kv'

/** The envelope the route answered before issue 16: rows -> entries object -> schema serializer. */
async function reference (s: TestServer, dest: string, requestId: string, warnings: string[] | null): Promise<string> {
  const db = new Database(s.dbPath, { readonly: true })
  try {
    const repo = createAssociationsRepo(db)
    const d = db.prepare('SELECT id, name, type FROM destinations WHERE type = ? AND name = ? AND deleted_at IS NULL').get('azure-kv', dest) as { id: string, name: string, type: string }
    const mounts = new Map((db.prepare('SELECT accessor, path FROM mounts').all() as Array<{ accessor: string, path: string }>).map((m) => [m.accessor, m.path]))
    const targets = repo.targetsOfDestination(d.id)
    const out: Record<string, AssociationEntry> = {}
    for (const a of repo.ofDestination(d.id)) {
      const own = targets.filter((x: TargetRow) => x.association_id === a.id)
      for (const [k, e] of associationEntries(a, own, mounts.get(a.accessor) ?? a.mount_path)) out[k] = e
    }
    const app = Fastify()
    app.get('/', { schema: { response: { 200: envelope(DestinationAssociationsSchema) } } }, async () => ({
      request_id: requestId, lease_id: '', renewable: false, lease_duration: 0,
      data: { associated_secrets: out, store_name: d.name, store_type: d.type },
      wrap_info: null, warnings, auth: null, mount_type: 'system'
    }))
    return (await app.inject({ method: 'GET', url: '/' })).body
  } finally {
    db.close()
  }
}

async function sameBytes (t: Test, s: TestServer, dest: string, what: string): Promise<void> {
  const res = await vault(s.app, 'GET', `${D}/${dest}/associations`)
  t.equal(res.statusCode, 200, what)
  t.equal(res.headers['content-type'], 'application/json', `${what}: content type`)
  t.equal(res.body, await reference(s, dest, json(res).request_id, null), `${what}: same bytes as the rebuilt map`)
}

t.test('GET, set and remove answer the bytes of the rebuilt map through every kind of change', async (t) => {
  const s = await startTestServer(t, SQLITE_FILE)
  await createAzureDestination(s.app, 'd1')
  await createAzureDestination(s.app, 'keys', { granularity: 'secret-key' })
  for (const p of ['b', 'a', 'a/x', 'z\u{1F600}', 'z\uFFFD', 'q"uote', 'x/y/z']) await putSecret(s.app, 'secret', p, { x: '1', w: '2' })
  await sameBytes(t, s, 'd1', 'empty destination')

  for (const p of ['b', 'a', 'z\u{1F600}', 'z\uFFFD', 'q"uote', 'x/y/z']) {
    const res = await vault(s.app, 'PUT', `${D}/d1/associations/set`, { body: { mount: 'secret', secret_name: p } })
    t.equal(res.body, await reference(s, 'd1', json(res).request_id, null), `set ${JSON.stringify(p)}: same bytes`)
  }
  const keys = Object.keys(json(await vault(s.app, 'GET', `${D}/d1/associations`)).data.associated_secrets)
  t.same(keys.map((k) => k.slice(k.indexOf('/') + 1)), ['a', 'b', 'q"uote', 'x/y/z', 'z\uFFFD', 'z\u{1F600}'], 'code-point (SQLite BINARY) order')

  // A warning for an unknown field rides in the same envelope.
  const warned = await vault(s.app, 'PUT', `${D}/d1/associations/set`, { body: { mount: 'secret', secret_name: 'b', extra: 1 } })
  t.equal(warned.body, await reference(s, 'd1', json(warned).request_id, json(warned).warnings), 'set with a warning: same bytes')

  // Another connection (the worker in another process) settles and fails targets.
  const other = new Database(s.dbPath)
  t.teardown(() => other.close())
  const repo = createAssociationsRepo(other)
  const ids = (other.prepare('SELECT id FROM associations ORDER BY secret_path').all() as Array<{ id: string }>).map((r) => r.id)
  repo.setTargetStatus(ids[0], '', 'SYNCED', null, 1_700_000_000_000)
  repo.setTargetStatus(ids[1], '', 'EXTERNAL_SERVICE_ERROR', 'Azure said "no"\n', 1_700_000_000_001)
  await sameBytes(t, s, 'd1', 'after another connection changed two targets')

  const removed = await vault(s.app, 'PUT', `${D}/d1/associations/remove`, { body: { mount: 'secret', secret_name: 'b' } })
  t.equal(removed.body, await reference(s, 'd1', json(removed).request_id, null), 'remove: same bytes')
  t.equal(json(removed).data.associated_secrets[Object.keys(json(removed).data.associated_secrets).find((k) => k.endsWith('/b'))!].sync_status, 'UNSYNCING')

  repo.delete(ids[2])
  await sameBytes(t, s, 'd1', 'after another connection deleted an association')

  // Sub-keys, and a key two associations produce (`a` by sub-key `x`, and the secret `a/x`).
  await vault(s.app, 'PUT', `${D}/keys/associations/set`, { body: { mount: 'secret', secret_name: 'a' } })
  await vault(s.app, 'PUT', `${D}/keys/associations/set`, { body: { mount: 'secret', secret_name: 'a/x' } })
  const both = json(await vault(s.app, 'GET', `${D}/keys/associations`)).data.associated_secrets
  t.ok(Object.keys(both).some((k) => k.endsWith('/a/x')), 'the shared key is there once')
  await sameBytes(t, s, 'keys', 'secret-key destination with a key produced twice')
  await putSecret(s.app, 'secret', 'a', { x: '1', w: '2', v: '3' })
  await vault(s.app, 'PUT', `${D}/keys/associations/set`, { body: { mount: 'secret', secret_name: 'a' } })
  await sameBytes(t, s, 'keys', 'after a new sub-key')

  // An unmount: the entries keep the recorded mount path (D-21); a new mount at the same path is another accessor.
  await vault(s.app, 'POST', '/v1/sys/mounts/other', { body: { type: 'kv', options: { version: '2' } } })
  await putSecret(s.app, 'other', 'o', { v: '1' })
  await vault(s.app, 'PUT', `${D}/d1/associations/set`, { body: { mount: 'other', secret_name: 'o' } })
  await sameBytes(t, s, 'd1', 'a second mount')
  t.equal((await vault(s.app, 'DELETE', '/v1/sys/mounts/other')).statusCode, 204)
  await sameBytes(t, s, 'd1', 'after the unmount')
})

t.test('hundreds of associations set in shuffled order (the view splits its chunks) keep the rebuilt order and bytes', async (t) => {
  const s = await startTestServer(t, SQLITE_FILE)
  await createAzureDestination(s.app, 'big')
  const names = Array.from({ length: 300 }, (_, i) => `p${(i * 7919) % 300}`)
  for (const p of names) await putSecret(s.app, 'secret', p, { v: '1' })
  await vault(s.app, 'GET', `${D}/big/associations`) // the view exists before the inserts
  for (const p of names) {
    const res = await vault(s.app, 'PUT', `${D}/big/associations/set`, { body: { mount: 'secret', secret_name: p } })
    t.equal(res.statusCode, 200)
  }
  await sameBytes(t, s, 'big', '300 associations inserted one by one')
  await s.services.associationService.setMany('azure-kv', 'big', names.slice(0, 50).map((p) => ({ mount: 'secret', secret_name: p })))
  await sameBytes(t, s, 'big', 'after 50 refreshes')
})

t.test('setMany stores several associations in one transaction, all or none', async (t) => {
  const s = await startTestServer(t, SQLITE_FILE)
  await createAzureDestination(s.app, 'd1')
  for (const p of ['a', 'b']) await putSecret(s.app, 'secret', p, { v: '1' })
  const service = s.services.associationService
  await t.rejects(service.setMany('azure-kv', 'd1', [{ mount: 'secret', secret_name: 'a' }, { mount: 'secret', secret_name: 'missing' }]), 'a missing secret refuses the batch')
  t.same(json(await vault(s.app, 'GET', `${D}/d1/associations`)).data.associated_secrets, {}, 'nothing stored')
  await service.setMany('azure-kv', 'd1', [{ mount: 'secret', secret_name: 'a' }, { mount: 'secret', secret_name: 'b' }])
  t.equal(Object.keys(json(await vault(s.app, 'GET', `${D}/d1/associations`)).data.associated_secrets).length, 2)
  await sameBytes(t, s, 'd1', 'after setMany')
})

/** `LIST sys/sync/associations` as answered before issue 16: rows -> sorted by UTF-8 bytes -> schema serializer. */
async function globalReference (s: TestServer, requestId: string): Promise<string> {
  const db = new Database(s.dbPath, { readonly: true })
  try {
    const rows = db.prepare(`SELECT a.accessor, a.mount_path, a.secret_path, m.path AS current FROM associations a
      JOIN destinations d ON d.id = a.destination_id LEFT JOIN mounts m ON m.accessor = a.accessor
      WHERE d.deleted_at IS NULL AND a.removed = 0`).all() as Array<{ accessor: string, mount_path: string, secret_path: string, current: string | null }>
    const info = new Map<string, { mount: string, secret_path: string }>()
    for (const r of rows) {
      const mount = (r.current ?? r.mount_path).replace(/\/+$/, '')
      const key = `${mount}/${r.secret_path}`
      if (!info.has(key)) info.set(key, { mount: `${mount}/`, secret_path: r.secret_path })
    }
    const keys = [...info.keys()].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
    const app = Fastify()
    app.get('/', { schema: { response: { 200: envelope(AssociationListSchema) } } }, async () => ({
      request_id: requestId, lease_id: '', renewable: false, lease_duration: 0,
      data: { keys, key_info: Object.fromEntries(keys.map((k) => [k, [info.get(k)!]])), total_associations: rows.length, total_secrets: keys.length },
      wrap_info: null, warnings: null, auth: null, mount_type: 'system'
    }))
    return (await app.inject({ method: 'GET', url: '/' })).body
  } finally {
    db.close()
  }
}

t.test('LIST sys/sync/associations answers the bytes of the rebuilt list after every kind of change', async (t) => {
  const s = await startTestServer(t, SQLITE_FILE)
  const listAll = async () => await vault(s.app, 'GET', '/v1/sys/sync/associations/?list=true')
  t.equal((await listAll()).statusCode, 404, 'nothing associated: 404')
  await createAzureDestination(s.app, 'd1')
  await createAzureDestination(s.app, 'd2')
  await vault(s.app, 'POST', '/v1/sys/mounts/other', { body: { type: 'kv', options: { version: '2' } } })
  for (const p of ['b', 'a', 'z\u{1F600}', 'z\uFFFD']) await putSecret(s.app, 'secret', p, { v: '1' })
  await putSecret(s.app, 'other', 'o', { v: '1' })
  const check = async (what: string): Promise<void> => {
    const res = await listAll()
    t.equal(res.statusCode, 200, what)
    t.equal(res.body, await globalReference(s, json(res).request_id), `${what}: same bytes as the rebuilt list`)
  }
  for (const p of ['b', 'a', 'z\u{1F600}', 'z\uFFFD']) {
    await vault(s.app, 'PUT', `${D}/d1/associations/set`, { body: { mount: 'secret', secret_name: p } })
    await check(`after set ${p}`)
  }
  await vault(s.app, 'PUT', `${D}/d2/associations/set`, { body: { mount: 'secret', secret_name: 'a' } })
  await vault(s.app, 'PUT', `${D}/d2/associations/set`, { body: { mount: 'other', secret_name: 'o' } })
  await check('a secret on two destinations, a second mount')
  await vault(s.app, 'PUT', `${D}/d1/associations/remove`, { body: { mount: 'secret', secret_name: 'b' } })
  await check('after a remove')
  t.equal((await vault(s.app, 'DELETE', '/v1/sys/mounts/other')).statusCode, 204)
  await check('after an unmount')
  // A purge's end, as the worker records it (another connection): the destination is gone.
  const other = new Database(s.dbPath)
  other.prepare("UPDATE destinations SET deleted_at = 1 WHERE name = 'd2'").run()
  other.close()
  await check('after a destination was deleted by another connection')
})

t.test('compareCodePoints is the byte order of UTF-8', async (t) => {
  const words = ['a', 'b', 'ab', '', 'z\uFFFD', 'z\u{1F600}', 'z\uE000', '\u00e9', 'Z', 'a/b', 'a-b']
  const bytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
  t.same([...words].sort(compareCodePoints), bytes)
})

/** One request over a fresh connection (`Connection: close`): the status and header lines as sent, and the body. */
async function rawOnce (port: number, request: string): Promise<{ head: string[], body: Buffer }> {
  const sock = connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  sock.on('data', (c: Buffer) => chunks.push(c))
  await new Promise<void>((resolve, reject) => { sock.on('end', resolve); sock.on('error', reject); sock.write(request) })
  const all = Buffer.concat(chunks)
  const split = all.indexOf('\r\n\r\n')
  return { head: all.subarray(0, split).toString('latin1').split('\r\n'), body: all.subarray(split + 4) }
}

t.test('answers of 64 KiB and more go out as their pieces: same bytes and header lines as a joined buffer', async (t) => {
  const s = await startTestServer(t, SQLITE_FILE)
  const { port } = s.app.server.address() as AddressInfo
  await createAzureDestination(s.app, 'big')
  await createAzureDestination(s.app, 'small')
  const names = Array.from({ length: 600 }, (_, i) => `p${i}`)
  for (const p of names) await putSecret(s.app, 'secret', p, { v: '1' })
  await s.services.associationService.setMany('azure-kv', 'big', names.slice(1).map((p) => ({ mount: 'secret', secret_name: p })))
  await s.services.associationService.setMany('azure-kv', 'small', [{ mount: 'secret', secret_name: 'p0' }])
  const auth = { 'X-Vault-Token': ROOT_TOKEN, Connection: 'close' }
  const check = async (what: string, dest: string, res: { head: string[], body: Buffer }): Promise<void> => {
    const body = res.body.toString('utf8')
    t.same(res.head.filter((l) => !l.startsWith('Date: ')),
      ['HTTP/1.1 200 OK', 'content-type: application/json', 'cache-control: no-store', `content-length: ${res.body.length}`, 'Connection: close'], `${what}: header lines`)
    t.equal(body, await reference(s, dest, JSON.parse(body).request_id, null), `${what}: same bytes as the rebuilt map`)
  }
  const big = await rawOnce(port, rawRequest('GET', `${D}/big/associations`, auth))
  t.ok(big.body.length >= PIECES_FROM_BYTES, `the answer is ${big.body.length} bytes: sent as pieces`)
  await check('GET of the large map', 'big', big)
  await check('set on the large map', 'big', await rawOnce(port, rawRequest('PUT', `${D}/big/associations/set`, { ...auth, 'Content-Type': 'application/json' }, JSON.stringify({ mount: 'secret', secret_name: 'p0' }))))
  await check('remove on the large map', 'big', await rawOnce(port, rawRequest('PUT', `${D}/big/associations/remove`, { ...auth, 'Content-Type': 'application/json' }, JSON.stringify({ mount: 'secret', secret_name: 'p7' }))))
  await sameBytes(t, s, 'big', 'the large map through inject')
  const small = await rawOnce(port, rawRequest('GET', `${D}/small/associations`, auth))
  t.ok(small.body.length < PIECES_FROM_BYTES, 'the small answer is one joined buffer')
  await check('GET of a small map', 'small', small)
})
