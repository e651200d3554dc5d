// A second destination type plugs in through the driver contract alone (issue 15): the
// `fake-store` driver of this folder (its own store, no Azure, no emulator) is added with ONE
// line to the server's registry instance, and create destination -> associate -> sync -> new
// version -> remove runs through the real HTTP API (a real socket) and the real worker. Only
// `src/` is imported: nothing outside this folder knows the type.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../../../src/config.js'
import { startServer } from '../../../../src/server.js'
import { createFakeStores } from './fake-store.js'
import { createFakeStoreDriver } from './fake-store-driver.js'

t.test('fake-store: create, associate, sync, new version, remove', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vault-sync-fake-store-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const stores = createFakeStores()
  const config = loadConfig({ dbPath: join(dir, 'vs.db'), listenAddress: '127.0.0.1:0', sealKeyFile: join(dir, 'seal.key') },
    { VAULT_SYNC_LOG_LEVEL: 'silent', VAULT_SYNC_WORKER: 'on' })
  const server = await startServer({
    config,
    dev: { rootTokenId: 'root' },
    drivers: (registry) => { registry.register(createFakeStoreDriver(stores)) }
  })
  t.teardown(async () => { await server.close() })
  const worker = server.worker!
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number, json: any }> => {
    const res = await fetch(`${server.address}/v1/${path}`, { method, headers: { 'X-Vault-Token': 'root' }, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    return { status: res.status, json: text === '' ? undefined : JSON.parse(text) }
  }
  const D = 'sys/sync/destinations/fake-store/shop'
  const status = async (): Promise<Record<string, { sync_status: string, secret_name: string }>> =>
    (await call('GET', `${D}/associations`)).json.data.associated_secrets

  // The driver's validation problems come back as Vault 400s.
  t.same((await call('POST', D, { store: 'shop' })).json, { errors: ['api_key is required'] })
  t.same((await call('POST', D, { store: 'shop', api_key: 'k', custom_tags: { a: '1', b: '2', c: '3', d: '4', e: '5' } })).json,
    { errors: ['custom_tags: at most 4 tags are allowed (Fake store allows 5 per secret, 1 is reserved for hashicorp:vault)'] })

  // Create: the type is listed, its connection details redacted.
  const created = await call('POST', D, { store: 'shop', api_key: 'k1', secret_name_template: '{{ .SecretPath }}', custom_tags: { team: 'a' } })
  t.equal(created.status, 200)
  t.same(created.json.data.connection_details, { api_key: '*****', store: 'shop' })
  t.same((await call('LIST', 'sys/sync/destinations')).json.data.keys, ['fake-store/'])
  t.same((await call('POST', D, { store: 'other' })).json, { errors: ['store cannot be changed after creation'] })

  // Associate and sync.
  t.equal((await call('POST', 'secret/data/team/app', { data: { password: 'one' } })).status, 200)
  t.equal((await call('POST', `${D}/associations/set`, { mount: 'secret', secret_name: 'team/app' })).status, 200)
  await worker.whenIdle()
  t.same(stores.names('shop'), ['team_app'], 'the driver named the secret by its own rules')
  const first = stores.get('shop', 'team_app')!.versions
  t.equal(first.length, 1)
  t.equal(first[0].value, '{"password":"one"}')
  t.equal(first[0].tags.team, 'a')
  t.match(first[0].tags['hashicorp:vault'], /^vault-sync:/)
  t.same(Object.values(await status()).map((e) => [e.sync_status, e.secret_name]), [['SYNCED', 'team/app']])

  // A new KV version becomes a new version in the store.
  t.equal((await call('POST', 'secret/data/team/app', { data: { password: 'two' } })).status, 200)
  await worker.whenIdle()
  const second = stores.get('shop', 'team_app')!.versions
  t.same(second.map((v) => v.value), ['{"password":"one"}', '{"password":"two"}'])
  t.same(Object.values(await status()).map((e) => e.sync_status), ['SYNCED'])

  // Remove: the secret goes, the association settles UNSYNCED.
  t.equal((await call('POST', `${D}/associations/remove`, { mount: 'secret', secret_name: 'team/app' })).status, 200)
  await worker.whenIdle()
  t.same(stores.names('shop'), [], 'unsynced from the store')
  t.same(Object.values(await status()).map((e) => e.sync_status), ['UNSYNCED'])
  t.same(stores.calls, ['put shop/team_app', 'put shop/team_app', 'delete shop/team_app'], 'exactly one call per change')
})
