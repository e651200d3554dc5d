// Issue 18 "Done when" (repository level): three pools standing for three replicas on one
// PostgreSQL 15 database. 200 parallel "write the next KV version" units of work on one path
// give versions 1..200 exactly once each; a check-and-set race has exactly one winner. (The
// 3-replica HTTP test follows the conversion of the services to the async store.)
import t, { type Test } from 'tap'
import { migratePostgres } from '../../../db/pg/migrate.js'
import { openPgStore } from '../../../db/store/pg/pg-store.js'
import type { Store } from '../../../db/store/repositories.js'
import { usePostgres } from '../../pg/shared-postgres.js'
import { casWrite, mountRow, pgSettings, writeNextVersion } from '../contract/contract-engines.js'
import { capturingLog } from './pg-test-kit.js'

const db = await usePostgres(t)

if (db !== undefined) {
  async function replicas (t: Test): Promise<Store[]> {
    const url = await db!.another()
    await migratePostgres(pgSettings(url))
    const stores = ['r1', 'r2', 'r3'].map((r) => openPgStore(pgSettings(url, r, 5), capturingLog().log))
    t.teardown(async () => { for (const s of stores) await s.close() })
    await stores[0].repos.mounts.insert(mountRow())
    return stores
  }

  t.test('200 parallel next-version writes to one path over 3 pools: versions 1..200 exactly once', async (t) => {
    const stores = await replicas(t)
    const versions = await Promise.all(Array.from({ length: 200 }, async (_, i) =>
      await writeNextVersion(stores[i % 3], 'kv_1', 'shared/key', Buffer.from(`write ${i}`))))
    t.strictSame([...versions].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i + 1), 'each version handed out once')
    const stored = await stores[1].repos.kv.versions('kv_1', 'shared/key')
    t.strictSame(stored.map((v) => v.version), Array.from({ length: 200 }, (_, i) => i + 1), 'every version stored')
    t.equal((await stores[2].repos.kv.metadata('kv_1', 'shared/key'))?.current_version, 200)
    const payloads = new Set<string>()
    for (const v of stored) payloads.add(String(await stores[0].repos.kv.versionData('kv_1', 'shared/key', v.version)))
    t.equal(payloads.size, 200, 'no write lost: 200 distinct values stored')
  })

  t.test('check-and-set race over 3 pools: exactly one winner, on an existing and on a new key', async (t) => {
    const stores = await replicas(t)
    await writeNextVersion(stores[0], 'kv_1', 'cas/key', Buffer.from('v1'))
    const existing = await Promise.all(Array.from({ length: 30 }, async (_, i) => await casWrite(stores[i % 3], 'kv_1', 'cas/key', 1)))
    t.equal(existing.filter(Boolean).length, 1, 'one writer with cas=1 wins')
    t.equal((await stores[0].repos.kv.metadata('kv_1', 'cas/key'))?.current_version, 2)
    const fresh = await Promise.all(Array.from({ length: 30 }, async (_, i) => await casWrite(stores[i % 3], 'kv_1', 'cas/new', 0)))
    t.equal(fresh.filter(Boolean).length, 1, 'one writer with cas=0 creates the key')
    t.strictSame((await stores[1].repos.kv.versions('kv_1', 'cas/new')).map((v) => v.version), [1])
  })

  t.test('failed units of work always give their client back to the pool', async (t) => {
    const [store] = await replicas(t) // 5 connections per pool
    for (let i = 0; i < 15; i++) {
      await t.rejects(store.transaction(async (r) => { await r.kv.metadataForUpdate('kv_1', 'k'); throw new Error(`no ${i}`) }))
      await t.rejects(store.transaction(async (r) => { await r.mounts.insert(mountRow()) }), { code: '23505' })
    }
    t.equal(await writeNextVersion(store, 'kv_1', 'k', Buffer.from('ok')), 1, 'the pool still serves, no lock left behind')
  })
}

if (db !== undefined) {
  t.test('two units locking two rows in opposite orders (a deadlock): both commit, the loser run again', async (t) => {
    const url = await db!.another()
    await migratePostgres(pgSettings(url))
    const stores = ['d1', 'd2'].map((r) => openPgStore(pgSettings(url, r, 3), capturingLog().log))
    t.teardown(async () => { for (const s of stores) await s.close() })
    const token = (accessor: string) => ({
      accessor, id_hash: `h-${accessor}`, policies: '["default"]', path: 'auth/token/create', display_name: 'token', meta: null,
      num_uses: 10, creation_time: 1_700_000_000, creation_ttl: 0, explicit_max_ttl: 0, expire_time_ms: null,
      renewable: 0, orphan: 1, parent_accessor: null, period: 0, last_renewal_ms: null, role: null
    })
    await stores[0].repos.tokens.insert(token('a'))
    await stores[0].repos.tokens.insert(token('b'))
    // Each unit's first lock is taken before either asks for its second (first attempts only).
    let arrived = 0
    let release!: () => void
    const both = new Promise<void>((resolve) => { release = resolve })
    const unit = async (store: Store, first: string, second: string): Promise<void> => {
      let attempts = 0
      await store.transaction(async (r) => {
        await r.tokens.useOnce(first)
        if (++attempts === 1) { if (++arrived === 2) release(); await both }
        await r.tokens.useOnce(second)
      })
    }
    await Promise.all([unit(stores[0], 'a', 'b'), unit(stores[1], 'b', 'a')])
    t.equal((await stores[0].repos.tokens.byAccessor('a'))?.num_uses, 8, 'a used once by each unit, no more')
    t.equal((await stores[0].repos.tokens.byAccessor('b'))?.num_uses, 8, 'b used once by each unit, no more')
  })
}
