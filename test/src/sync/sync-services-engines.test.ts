// The sync services on the async Store, on both engines (issue 18): what several replicas do
// at once to one destination or association — concurrent units on one PostgreSQL pool stand
// for replicas — creates one destination, one association, and queues one unsync.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import type { Store } from '../../../db/store/repositories.js'
import { loadConfig, driverSettings } from '../../../src/config.js'
import { createSealer } from '../../../src/crypto/seal.js'
import { createBuiltinRegistry } from '../../../src/drivers/registry.js'
import { createAssociationService } from '../../../src/sync/association-service.js'
import { createDestinationService } from '../../../src/sync/destination-service.js'
import { createSyncOutbox } from '../../../src/sync/outbox.js'
import { createSyncConfigService } from '../../../src/sync/sync-config-service.js'
import { DEFAULT_DRIFT_CONFIG } from '../../../src/drift/drift-config.js'
import { createDriftService } from '../../../src/drift/drift-service.js'
import { AZURE_BODY } from '../../sync-fixtures.js'
import { contract, contractEngines, mountRow } from '../../db/contract/contract-engines.js'

const engines = await contractEngines(t)
const NOW = 1_700_000_000_000

/** The destination and association services over `store` (the secret `secret/app` exists). */
async function services (store: Store) {
  await store.repos.mounts.insert(mountRow())
  const mount = mountRow()
  const syncConfig = createSyncConfigService({ store })
  const outbox = createSyncOutbox({ store, config: syncConfig })
  const destinations = createDestinationService({
    store, outbox,
    sealer: createSealer(randomBytes(32)), registry: createBuiltinRegistry(driverSettings(loadConfig({}, {}))), now: () => NOW
  })
  const associations = createAssociationService({
    store, outbox, destinations,
    mounts: { byAccessor: async () => mount, byPath: async (p) => (p === 'secret' ? mount : undefined), isKvV2: () => true, resolve: async () => undefined },
    secrets: { secretExists: async () => true, currentKeys: async () => [] },
    now: () => NOW
  })
  const drift = createDriftService({ store, destinations, config: DEFAULT_DRIFT_CONFIG, sweepable: () => true })
  return { destinations, associations, drift }
}

const times = <T>(n: number, fn: () => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: n }, fn))

contract(t, engines, 'concurrent creates of one destination name store one destination, each answered', async (t, store) => {
  const { destinations } = await services(store)
  // Every pooled connection open first, so the creates run side by side (PostgreSQL).
  await times(4, async () => await store.transaction(async (r) => await r.destinations.allLive()))
  const results = await times(6, async () => await destinations.write('azure-kv', 'd1', { ...AZURE_BODY }, 'write'))
  t.equal(results.length, 6)
  for (const r of results) t.equal(r.view.name, 'd1')
  t.strictSame((await store.repos.destinations.allLive()).map((d) => d.name), ['d1'])
})

contract(t, engines, 'concurrent sets of one secret make one association; concurrent removes queue one unsync', async (t, store) => {
  const { destinations, associations } = await services(store)
  await destinations.write('azure-kv', 'd1', { ...AZURE_BODY }, 'write')
  await times(4, async () => await store.transaction(async (r) => await r.destinations.allLive()))
  const body = { mount: 'secret', secret_name: 'app' }
  await times(8, async () => await associations.setJson('azure-kv', 'd1', body))
  const dest = (await destinations.find('azure-kv', 'd1')).row!
  const rows = await store.repos.associations.ofDestination(dest.id)
  t.equal(rows.length, 1, 'one association')
  t.match(rows[0], { removed: 0, status: 'PENDING' })
  const queued = await store.repos.outbox.byAssociation(rows[0].id)
  t.equal(queued?.generation, 8, 'each explicit set queued a refresh (D-8), coalesced in one row')
  await times(8, async () => await associations.removeJson('azure-kv', 'd1', body))
  t.match(await store.repos.associations.byId(rows[0].id), { removed: 1, status: 'UNSYNCING' })
  t.equal((await store.repos.outbox.byAssociation(rows[0].id))?.generation, 9, 'exactly one remover queued the unsync')
  const map = await associations.listForDestination('azure-kv', 'd1')
  t.strictSame(Object.keys(map.associated_secrets), ['kv_1/app'], 'the list view shows it once')
})

contract(t, engines, 'concurrent drift setting updates of one destination lose no field', async (t, store) => {
  const { destinations, drift } = await services(store)
  await destinations.write('azure-kv', 'd1', { ...AZURE_BODY }, 'write')
  await times(4, async () => await store.transaction(async (r) => await r.destinations.allLive()))
  await Promise.all([
    drift.update('azure-kv', 'd1', { mode: 'repair' }),
    drift.update('azure-kv', 'd1', { interval: '2h' }),
    drift.update('azure-kv', 'd1', { repair_missing: true })
  ])
  t.match(await drift.settings('azure-kv', 'd1'), { mode: 'repair', interval: '2h', repair_missing: true })
  t.strictSame((await drift.settings('azure-kv', 'd1')).overridden, ['interval', 'mode', 'repair_missing'])
})

contract(t, engines.filter((e) => e.name === 'postgresql'), 'a KV change that read an association a purge then deleted queues nothing, and its unit commits', async (t, store) => {
  // Replica explorer: the KV hook reads the secret's associations without a lock; a purge (or a
  // force delete) deleting one of them and committing before the hook's enqueue made the
  // outbox insert fail its foreign key (23503), and the KV write answered 500 and was lost.
  const { destinations, associations } = await services(store)
  await destinations.write('azure-kv', 'd1', { ...AZURE_BODY }, 'write')
  await associations.setJson('azure-kv', 'd1', { mount: 'secret', secret_name: 'app' })
  const outbox = createSyncOutbox({ store, config: createSyncConfigService({ store }) })
  let read!: () => void
  let deleted!: () => void
  const hasRead = new Promise<void>((resolve) => { read = resolve })
  const hasDeleted = new Promise<void>((resolve) => { deleted = resolve })
  const change = store.transaction(async (r) => {
    const rows = await r.associations.ofSecret('kv_1', 'app')
    read()
    await hasDeleted
    const queued: boolean[] = []
    for (const a of rows) queued.push(await outbox.enqueue(a.id, NOW, { status: 'PENDING', whenFull: 'error' }))
    await r.meta.set('kv-change', 'kept')
    return queued
  })
  await hasRead
  await store.transaction(async (r) => { for (const a of await r.associations.ofSecret('kv_1', 'app')) await r.associations.delete(a.id) })
  deleted()
  t.strictSame(await change, [false], 'the gone association is not queued')
  t.equal((await store.repos.meta.get('kv-change'))?.toString(), 'kept', 'the change\'s unit committed')
  t.equal(await store.repos.outbox.count(), 0)
})
