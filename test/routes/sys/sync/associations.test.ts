// Associations (spec/vault-sync-api.md §3.9-3.13; decisions D-1, D-2, D-15.4, D-15.13-15, D-20,
// D-32.1): set/remove, the lists, the outbox record, queue capacity, delete and purge.
import t from 'tap'
import { startTestServer, vault, type TestServer } from '../../../helper.js'
import { createAzureDestination, json, mergePatch, putSecret } from '../../../sync-fixtures.js'
import { serverSql } from '../../../server-sql.js'

const D = '/v1/sys/sync/destinations/azure-kv'
const set = async (s: TestServer, dest: string, mount: string, secret: string) =>
  await vault(s.app, 'PUT', `${D}/${dest}/associations/set`, { body: { mount, secret_name: secret } })
const remove = async (s: TestServer, dest: string, mount: string, secret: string) =>
  await vault(s.app, 'PUT', `${D}/${dest}/associations/remove`, { body: { mount, secret_name: secret } })
const accessorOf = async (s: TestServer, mount: string): Promise<string> => json(await vault(s.app, 'GET', `/v1/sys/mounts/${mount}`)).data.accessor

/** Reads the storage the server writes (a second connection, as an operator would), on either engine. */
async function sql (t: Parameters<typeof serverSql>[0], s: TestServer) {
  const db = await serverSql(t, s)
  return {
    outbox: async () => await db.all<{ association_id: string, generation: number, refresh: number }>('SELECT association_id, generation, refresh FROM sync_outbox ORDER BY association_id'),
    count: db.count,
    run: db.run
  }
}

t.test('set persists at once with the outbox record; a repeated set refreshes (no duplicate, new generation)', async (t) => {
  const s = await startTestServer(t)
  await createAzureDestination(s.app, 'd1')
  await putSecret(s.app, 'secret', 'team/app/db', { password: 'p' })
  const accessor = await accessorOf(s, 'secret')
  const res = await set(s, 'd1', '/secret//', '/team/app/db')
  t.equal(res.statusCode, 200)
  const data = json(res).data
  t.same(Object.keys(data.associated_secrets), [`${accessor}/team/app/db`])
  t.match(data.associated_secrets[`${accessor}/team/app/db`], { accessor, mount: 'secret', secret_name: 'team/app/db', sync_status: 'PENDING' })
  t.match(data.associated_secrets[`${accessor}/team/app/db`].updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
  t.equal(data.store_name, 'd1')
  t.equal(data.store_type, 'azure-kv')
  const db = await sql(t, s)
  t.same((await db.outbox()).map((r) => [r.generation, r.refresh]), [[1, 1]], 'queued, as an explicit set (refresh)')
  const again = await set(s, 'd1', 'secret', 'team/app/db')
  t.same(Object.keys(json(again).data.associated_secrets), [`${accessor}/team/app/db`])
  t.same((await db.outbox()).map((r) => r.generation), [2], 'the refresh is queued on the same row')
  t.equal(await db.count('associations'), 1)
})

t.test('a KV write queues the live associations of that secret, not removed ones', async (t) => {
  const s = await startTestServer(t)
  await createAzureDestination(s.app, 'd1')
  await createAzureDestination(s.app, 'd2')
  await putSecret(s.app, 'secret', 'a', { v: 1 })
  await set(s, 'd1', 'secret', 'a')
  await set(s, 'd2', 'secret', 'a')
  await remove(s, 'd2', 'secret', 'a')
  const db = await sql(t, s)
  const before = new Map((await db.outbox()).map((r) => [r.association_id, r.generation]))
  await putSecret(s.app, 'secret', 'a', { v: 2 })
  const after = (await db.outbox())
  t.same(after.map((r) => r.generation - before.get(r.association_id)!).sort(), [0, 1])
})

t.test('set refusals: missing fields, unknown or non-KV-v2 mount, missing destination (nothing stored)', async (t) => {
  const s = await startTestServer(t)
  await createAzureDestination(s.app, 'd1')
  await putSecret(s.app, 'secret', 'x', { a: 1 })
  const cases: Array<[string, Record<string, unknown>, string]> = [
    [`${D}/d1/associations/set`, { secret_name: 'x' }, 'missing required field "mount"'],
    [`${D}/d1/associations/set`, { mount: 'secret' }, 'missing required field "secret_name"'],
    [`${D}/d1/associations/set`, { mount: 'cubbyhole', secret_name: 'x' }, 'only KV version 2 mounts can be synced; cubbyhole/ is cubbyhole'],
    [`${D}/d1/associations/set`, { mount: 'kv-nope', secret_name: 'x' }, 'no mount found at kv-nope/'],
    [`${D}/nope/associations/set`, { mount: 'secret', secret_name: 'x' }, 'destination "nope" of type "azure-kv" does not exist']
  ]
  for (const [url, body, message] of cases) {
    const res = await vault(s.app, 'PUT', url, { body })
    t.equal(res.statusCode, 400, message)
    t.same(json(res).errors, [message])
  }
  t.same(json(await vault(s.app, 'GET', `${D}/d1/associations`)).data.associated_secrets, {})
  t.equal((await vault(s.app, 'GET', `${D}/nope/associations`)).statusCode, 404)
  t.equal((await vault(s.app, 'PUT', '/v1/sys/sync/destinations/gh/d1/associations/set', { body: { mount: 'secret', secret_name: 'x' } })).statusCode, 404)
})

t.test('an external name Azure cannot take is CLIENT_SIDE_ERROR at set time (D-20), still associated', async (t) => {
  const s = await startTestServer(t)
  await createAzureDestination(s.app, 'd1', { secret_name_template: '{{ .NamespacePath }}' })
  await putSecret(s.app, 'secret', 'x', { a: 1 })
  const res = await set(s, 'd1', 'secret', 'x')
  t.equal(res.statusCode, 200)
  const entry = Object.values(json(res).data.associated_secrets)[0] as Record<string, string>
  t.equal(entry.sync_status, 'CLIENT_SIDE_ERROR')
  t.equal(entry.message, 'external name "" is invalid for Azure Key Vault: the name is empty')
})

t.test('remove marks UNSYNCING and keeps the entry; it no longer counts; set revives it', async (t) => {
  const s = await startTestServer(t)
  await createAzureDestination(s.app, 'd1')
  await putSecret(s.app, 'secret', 'x', { a: 1 })
  const accessor = await accessorOf(s, 'secret')
  await set(s, 'd1', 'secret', 'x')
  let res = await remove(s, 'd1', 'secret', 'x')
  t.equal(res.statusCode, 200)
  t.equal(json(res).data.associated_secrets[`${accessor}/x`].sync_status, 'UNSYNCING')
  t.equal(json(await vault(s.app, 'GET', `${D}/d1/associations`)).data.associated_secrets[`${accessor}/x`].sync_status, 'UNSYNCING')
  t.equal((await vault(s.app, 'GET', '/v1/sys/sync/associations?list=true')).statusCode, 404, 'removed entries are not counted')
  res = await remove(s, 'd1', 'secret', 'never-set')
  t.equal(res.statusCode, 200, 'removing what is not associated is a no-op')
  res = await set(s, 'd1', 'secret', 'x')
  t.equal(json(res).data.associated_secrets[`${accessor}/x`].sync_status, 'PENDING')
})

t.test('D-21: an association of a disabled mount is removed by its old path, also once a new mount took the path', async (t) => {
  const s = await startTestServer(t)
  await createAzureDestination(s.app, 'd1')
  await vault(s.app, 'POST', '/v1/sys/mounts/kv4', { body: { type: 'kv-v2' } })
  await putSecret(s.app, 'kv4', 'app', { pw: 'old' })
  const old = await accessorOf(s, 'kv4')
  await set(s, 'd1', 'kv4', 'app')
  t.equal((await vault(s.app, 'DELETE', '/v1/sys/mounts/kv4')).statusCode, 204)
  await vault(s.app, 'POST', '/v1/sys/mounts/kv4', { body: { type: 'kv-v2' } })
  await putSecret(s.app, 'kv4', 'app', { pw: 'new' })
  const fresh = await accessorOf(s, 'kv4')
  t.not(fresh, old, 'a new mount at the old path')
  await set(s, 'd1', 'kv4', 'app')
  const status = async (): Promise<Record<string, string>> => Object.fromEntries(Object.entries(json(await vault(s.app, 'GET', `${D}/d1/associations`)).data.associated_secrets as Record<string, { sync_status: string }>).map(([k, v]) => [k, v.sync_status]))
  t.same(await status(), { [`${fresh}/app`]: 'PENDING', [`${old}/app`]: 'PENDING' }, 'the disabled mount\'s association is still listed')
  t.equal((await remove(s, 'd1', 'kv4', 'app')).statusCode, 200)
  t.same(await status(), { [`${fresh}/app`]: 'UNSYNCING', [`${old}/app`]: 'UNSYNCING' }, 'one remove by the path reaches both')
  await set(s, 'd1', 'kv4', 'app')
  t.same(await status(), { [`${fresh}/app`]: 'PENDING', [`${old}/app`]: 'UNSYNCING' }, 'a set revives only the live mount\'s')
})

t.test('global list and the destinations of one secret, nested mounts and paths included', async (t) => {
  const s = await startTestServer(t)
  await vault(s.app, 'POST', '/v1/sys/mounts/team/kv', { body: { type: 'kv-v2' } })
  await createAzureDestination(s.app, 'd1')
  await createAzureDestination(s.app, 'd2')
  await putSecret(s.app, 'team/kv', 'my/secret/1', { a: 1 })
  await putSecret(s.app, 'secret', 'b', { a: 1 })
  await set(s, 'd1', 'team/kv', 'my/secret/1')
  await set(s, 'd2', 'team/kv', 'my/secret/1')
  await set(s, 'd1', 'secret', 'b')
  await set(s, 'd2', 'secret', 'b')
  await remove(s, 'd2', 'secret', 'b')
  const all = json(await vault(s.app, 'GET', '/v1/sys/sync/associations?list=true')).data
  t.same(all, {
    keys: ['secret/b', 'team/kv/my/secret/1'],
    key_info: { 'secret/b': [{ mount: 'secret/', secret_path: 'b' }], 'team/kv/my/secret/1': [{ mount: 'team/kv/', secret_path: 'my/secret/1' }] },
    total_associations: 3,
    total_secrets: 2
  })
  const byQuery = await vault(s.app, 'GET', '/v1/sys/sync/associations/destinations?mount=team/kv&secret_name=my/secret/1')
  t.equal(byQuery.statusCode, 200)
  t.same(Object.keys(json(byQuery).data.associated_destinations).sort(), ['azure-kv/d1', 'azure-kv/d2'])
  t.match(json(byQuery).data.associated_destinations['azure-kv/d1'], { type: 'azure-kv', name: 'd1', sync_status: 'PENDING' })
  const byPath = json(await vault(s.app, 'GET', '/v1/sys/sync/associations/team/kv/my/secret/1'))
  t.same(byPath.data, json(byQuery).data)
  const withRemoved = json(await vault(s.app, 'GET', '/v1/sys/sync/associations/secret/b')).data.associated_destinations
  t.equal(withRemoved['azure-kv/d2'].sync_status, 'UNSYNCING', 'removed associations still show')
  const none = await vault(s.app, 'GET', '/v1/sys/sync/associations/destinations?mount=secret&secret_name=zzz')
  t.equal(none.statusCode, 404)
  t.same(json(none), { errors: [] })
})

t.test('queue_capacity: set/remove beyond it answer 503 and store nothing; a full queue turns KV-driven work into INTERNAL_VAULT_ERROR', async (t) => {
  const s = await startTestServer(t)
  await createAzureDestination(s.app, 'd1')
  for (const p of ['a', 'b', 'c']) await putSecret(s.app, 'secret', p, { v: 1 })
  const accessor = await accessorOf(s, 'secret')
  await mergePatch(s.app, '/v1/sys/sync/config', { queue_capacity: 1 })
  t.equal((await set(s, 'd1', 'secret', 'a')).statusCode, 200)
  const full = await set(s, 'd1', 'secret', 'b')
  t.equal(full.statusCode, 503)
  t.same(json(full).errors, ['sync queue is full (queue_capacity=1); retry later'])
  t.notOk(`${accessor}/b` in json(await vault(s.app, 'GET', `${D}/d1/associations`)).data.associated_secrets, 'nothing stored')
  t.equal((await set(s, 'd1', 'secret', 'a')).statusCode, 200, 'an association already queued coalesces')
  // What the worker would do once it settles a's row: delete it (a second connection).
  await (await sql(t, s)).run('DELETE FROM sync_outbox')
  await mergePatch(s.app, '/v1/sys/sync/config', { queue_capacity: 2 })
  t.equal((await set(s, 'd1', 'secret', 'b')).statusCode, 200)
  t.equal((await set(s, 'd1', 'secret', 'c')).statusCode, 200)
  const w = await putSecret(s.app, 'secret', 'a', { v: 2 })
  t.equal(w.statusCode, 200, 'a KV write never fails because of sync')
  const entry = json(await vault(s.app, 'GET', `${D}/d1/associations`)).data.associated_secrets[`${accessor}/a`]
  t.same([entry.sync_status, entry.message], ['INTERNAL_VAULT_ERROR', 'sync queue is full'])
})

t.test('DELETE: refused while live associations exist; after remove it answers 204 and frees the name (D-2)', async (t) => {
  const s = await startTestServer(t)
  await createAzureDestination(s.app, 'd1')
  await putSecret(s.app, 'secret', 'x', { a: 1 })
  await set(s, 'd1', 'secret', 'x')
  const refused = await vault(s.app, 'DELETE', `${D}/d1`)
  t.equal(refused.statusCode, 400)
  t.same(json(refused).errors, ['destination has 1 associations; set purge=true to unsync and delete them'])
  await remove(s, 'd1', 'secret', 'x')
  t.equal((await vault(s.app, 'DELETE', `${D}/d1`)).statusCode, 204, 'Terraform destroy: remove then plain DELETE')
  t.equal((await vault(s.app, 'GET', `${D}/d1`)).statusCode, 404)
  t.equal((await vault(s.app, 'GET', '/v1/sys/sync/destinations?list=true')).statusCode, 404)
  const db = await sql(t, s)
  t.equal(await db.count('destinations'), 1, 'kept (hidden) while its unsync is queued')
  t.equal(await db.count('sync_outbox'), 1)
  t.equal((await createAzureDestination(s.app, 'd1')).statusCode, 200, 'the name is free at once')
  t.same(json(await vault(s.app, 'GET', `${D}/d1/associations`)).data.associated_secrets, {}, 'the new destination starts empty')
  t.equal(await s.services.destinationService.dropSettledHidden(), 0, 'kept while the unsync is queued')
  await db.run('DELETE FROM sync_outbox') // what the worker does when the unsync settles
  t.equal(await s.services.destinationService.dropSettledHidden(), 1)
  t.same([await db.count('destinations'), await db.count('associations')], [1, 0], 'only the new d1 is left')
})

t.test('DELETE ?purge=true starts a purge: readable with purge_initiated_at, edits refused; force_delete ends it', async (t) => {
  const s = await startTestServer(t)
  await createAzureDestination(s.app, 'd1')
  await putSecret(s.app, 'secret', 'x', { a: 1 })
  const accessor = await accessorOf(s, 'secret')
  await set(s, 'd1', 'secret', 'x')
  t.equal((await vault(s.app, 'DELETE', `${D}/d1?purge=true`)).statusCode, 204)
  const read = json(await vault(s.app, 'GET', `${D}/d1`)).data
  t.match(read.purge_initiated_at, /^\d{4}-\d\d-\d\dT/)
  t.notOk('purge_error' in read)
  t.equal(json(await vault(s.app, 'GET', `${D}/d1/associations`)).data.associated_secrets[`${accessor}/x`].sync_status, 'UNSYNCING')
  for (const res of [await set(s, 'd1', 'secret', 'x'), await remove(s, 'd1', 'secret', 'x'), await mergePatch(s.app, `${D}/d1`, { client_id: 'x' })]) {
    t.equal(res.statusCode, 400)
    t.same(json(res).errors, ['destination "d1" is being purged'])
  }
  t.equal((await vault(s.app, 'DELETE', `${D}/d1?purge=true`)).statusCode, 204, 'a second purge request is accepted')
  t.equal((await vault(s.app, 'DELETE', `${D}/d1?force_delete=true`)).statusCode, 204)
  t.equal((await vault(s.app, 'GET', `${D}/d1`)).statusCode, 404)
  const db = await sql(t, s)
  t.same([await db.count('destinations'), await db.count('associations'), await db.count('association_targets'), await db.count('sync_outbox')], [0, 0, 0, 0])
})
