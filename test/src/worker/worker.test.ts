// The sync worker, by behaviour, over a destination type of the tests' own (the fake-store
// driver, wrapped so a test can fail or hold an attempt) and a worker clock the test moves
// forward: nothing is retried before it is due, a retry happens once it is, and a KV write made
// while an attempt is in flight is synced after it (generation fencing, decisions D-1).
import t, { type Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../../src/config.js'
import type { SyncDriver } from '../../../src/drivers/driver.js'
import { remoteClientError } from '../../../src/drivers/sync-error.js'
import type { OpResult, TargetOp } from '../../../src/drivers/target-ops.js'
import { startServer, type RunningServer } from '../../../src/server.js'
import { createFakeStores, type FakeStores } from '../drivers/fake-store/fake-store.js'
import { createFakeStoreDriver, type FakeConnection } from '../drivers/fake-store/fake-store-driver.js'

const D = 'sys/sync/destinations/fake-store/shop'

interface Rig {
  server: RunningServer
  stores: FakeStores
  /** Runs before each `apply` of the fake driver; may return results instead of applying. */
  hook: { before?: (ops: TargetOp[]) => Promise<OpResult[] | undefined> }
  call: (method: string, path: string, body?: unknown) => Promise<{ status: number, json: any }>
  /** Moves the worker clock forward, wakes the worker and waits until it is idle. */
  advance: (ms: number) => Promise<void>
  status: () => Promise<string[]>
}

async function rig (t: Test): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'vault-sync-worker-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const stores = createFakeStores()
  const fake = createFakeStoreDriver(stores)
  const hook: Rig['hook'] = {}
  const driver: SyncDriver<FakeConnection> = {
    ...fake,
    apply: async (conn, ops, signal) => (await hook.before?.(ops)) ?? await fake.apply(conn, ops, signal)
  }
  let offset = 0
  const config = loadConfig({ dbPath: join(dir, 'vs.db'), listenAddress: '127.0.0.1:0', sealKeyFile: join(dir, 'seal.key') },
    { VAULT_SYNC_LOG_LEVEL: 'silent', VAULT_SYNC_WORKER: 'on', VAULT_SYNC_CLIENT_ERROR_RETRY: '10m' })
  const server = await startServer({
    config, dev: { rootTokenId: 'root' }, drivers: (r) => { r.register(driver) }, workerClock: () => Date.now() + offset
  })
  t.teardown(async () => { await server.close() })
  const call: Rig['call'] = async (method, path, body) => {
    const res = await server.app.inject({ method: method as 'GET', url: `/v1/${path}`, headers: { 'x-vault-token': 'root' }, payload: body === undefined ? undefined : JSON.stringify(body) })
    return { status: res.statusCode, json: res.body === '' ? undefined : res.json() }
  }
  t.equal((await call('POST', D, { store: 'shop', api_key: 'k', secret_name_template: '{{ .SecretPath }}' })).status, 200)
  return {
    server,
    stores,
    hook,
    call,
    advance: async (ms) => { offset += ms; server.worker!.wake(); await server.worker!.whenIdle() },
    status: async () => Object.values((await call('GET', `${D}/associations`)).json.data.associated_secrets).map((e) => (e as { sync_status: string }).sync_status)
  }
}

t.test('a refused attempt is not retried before VAULT_SYNC_CLIENT_ERROR_RETRY, and is once it passed', async (t) => {
  const r = await rig(t)
  let attempts = 0
  r.hook.before = async (ops) => {
    attempts++
    return attempts === 1 ? ops.map(() => ({ ok: false, error: remoteClientError('403 Forbidden: not allowed') })) : undefined
  }
  await r.call('POST', 'secret/data/app', { data: { v: 1 } })
  await r.call('POST', `${D}/associations/set`, { mount: 'secret', secret_name: 'app' })
  await r.server.worker!.whenIdle()
  t.same(await r.status(), ['CLIENT_SIDE_ERROR'])
  await r.advance(9 * 60_000)
  t.equal(attempts, 1, 'nothing happens before the retry is due')
  await r.advance(2 * 60_000)
  t.equal(attempts, 2, 'retried once due')
  t.same(await r.status(), ['SYNCED'])
  t.same(r.stores.names('shop'), ['app'])
})

t.test('a KV write during an attempt is synced after it (the newer generation is not lost)', async (t) => {
  const r = await rig(t)
  let release: () => void = () => {}
  let entered: () => void = () => {}
  const inFlight = new Promise<void>((resolve) => { entered = resolve })
  const held = new Promise<void>((resolve) => { release = resolve })
  let attempts = 0
  r.hook.before = async () => {
    if (++attempts === 1) { entered(); await held }
    return undefined
  }
  await r.call('POST', 'secret/data/app', { data: { v: 1 } })
  await r.call('POST', `${D}/associations/set`, { mount: 'secret', secret_name: 'app' })
  await inFlight
  t.equal((await r.call('POST', 'secret/data/app', { data: { v: 2 } })).status, 200, 'written while the first attempt is in flight')
  release()
  await r.server.worker!.whenIdle()
  t.equal(attempts, 2, 'a second attempt followed the first')
  t.same(r.stores.get('shop', 'app')!.versions.map((v) => v.value), ['{"v":1}', '{"v":2}'], 'the latest KV version is what the store holds last')
  t.same(await r.status(), ['SYNCED'])
})

// With one process owning everything the driver's call goes out before the in-flight mark
// (issue 17, ninth session); an attempt that fails at once must still end in its failure's
// status, not in the SYNCING the mark writes a turn later.
t.test('a driver call that throws at once ends INTERNAL_VAULT_ERROR, not SYNCING', async (t) => {
  const r = await rig(t)
  let attempts = 0
  r.hook.before = async () => {
    attempts++
    if (attempts === 1) throw new Error('driver bug')
    return undefined
  }
  await r.call('POST', 'secret/data/app', { data: { v: 1 } })
  await r.call('POST', `${D}/associations/set`, { mount: 'secret', secret_name: 'app' })
  await r.server.worker!.whenIdle()
  t.equal(attempts, 1)
  t.same(await r.status(), ['INTERNAL_VAULT_ERROR'], 'the failure is the last word')
})
