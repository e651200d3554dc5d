// db/pg/change-feed.ts and change-triggers.ts on a real PostgreSQL 15: a change committed by one
// replica moves the ChangeCheck of another (its read caches forget), a rolled-back one does not,
// and nothing is cached while the listener is down; after its reconnect everything is forgotten.
import t from 'tap'
import { createPool, type PgLogger } from '../../../db/pg/connection.js'
import { CACHED_TABLES, CHANGE_CHANNEL } from '../../../db/pg/change-triggers.js'
import { openPgReplica, type PgReplica } from '../../../db/pg/pg-replica.js'
import { createReadCache } from '../../../db/read-cache.js'
import { createPgStore } from '../../../db/store/pg/pg-store.js'
import { usePostgres } from '../../pg/shared-postgres.js'
import { capturingLog, waitFor } from './pg-test-kit.js'

const db = await usePostgres(t)

if (db !== undefined) {
  const settings = { connectionUrl: db.url, maxParallel: 3 }
  const replica = async (name: string, log: PgLogger = capturingLog().log): Promise<PgReplica> => {
    const r = await openPgReplica({ settings, log, replica: name, ping: { pingIntervalMs: 200, pingTimeoutMs: 2000 } })
    t.teardown(() => r.close())
    await waitFor(() => r.listener.hearing === true, 'the listener to hear its ping')
    return r
  }
  const b = await replica('b')
  // Replica "a": another pool on the same database (migrated by b).
  const aPool = createPool({ ...settings, replica: 'a' }, capturingLog().log)
  const a = createPgStore(aPool)
  t.teardown(() => a.close())
  /** Resolves once b heard a change of `table` beyond `before` notifications. */
  const heard = async (table: string, before: number): Promise<void> => {
    await waitFor(() => (b.changes.counts()[table] ?? 0) > before, `b to hear a change of ${table}`)
  }

  t.test('every cached table has the trigger; the feed starts at zero', async (t) => {
    const rows = (await aPool.query("SELECT DISTINCT event_object_table AS t FROM information_schema.triggers WHERE trigger_name LIKE '%_notify_change' ORDER BY 1")).rows
    t.same(rows.map((r) => r.t), [...CACHED_TABLES].sort())
    t.same(Object.keys(b.changes.counts()).sort(), [...CACHED_TABLES].sort())
  })

  t.test('a policy committed on a moves b\'s checks of acl_policies only, once per transaction', async (t) => {
    const policies = b.changes.check(['acl_policies'])
    const kv = b.changes.check(['kv_metadata', 'kv_versions'])
    const all = b.changes.check()
    const [p0, k0, all0] = [policies.version(), kv.version(), all.version()]
    t.equal(policies.version(), p0, 'stable while nothing changes')
    const before = b.changes.counts().acl_policies
    await a.transaction(async (r) => {
      await r.policies.upsert({ name: 'ops', raw: 'path "x" {}', rules: '[]' })
      await r.policies.upsert({ name: 'dev', raw: 'path "y" {}', rules: '[]' })
    })
    await heard('acl_policies', before)
    t.equal(b.changes.counts().acl_policies, before + 1, 'two statements of one transaction: one notification')
    t.not(policies.version(), p0)
    t.not(all.version(), all0)
    t.equal(kv.version(), k0, 'a check of other tables does not move')
  })

  t.test('a rolled-back write and association view bookkeeping notify nothing', async (t) => {
    const counts = b.changes.counts()
    await t.rejects(a.transaction(async (r) => {
      await r.policies.upsert({ name: 'never', raw: '', rules: '[]' })
      throw new Error('roll back')
    }), /roll back/)
    await aPool.query('UPDATE destinations SET view_gen = view_gen + 1')
    await aPool.query("INSERT INTO meta (key, value) VALUES ('marker', '\\x01')")
    // Notifications arrive in commit order: once the marker is heard, anything before it was too.
    await heard('meta', counts.meta)
    t.equal(b.changes.counts().acl_policies, counts.acl_policies, 'rollback: no notification')
    t.equal(b.changes.counts().destinations, counts.destinations, 'view_gen only: no notification')
  })

  t.test('a read cache on b answers the policy a wrote once b heard it', async (t) => {
    const cache = createReadCache<string, Promise<unknown>>(b.changes.check(['acl_policies']))
    const read = async (): Promise<unknown> => (await cache.get('ops', async () => await b.store.repos.policies.get('ops')) as { raw: string } | undefined)?.raw
    t.equal(await read(), 'path "x" {}')
    const before = b.changes.counts().acl_policies
    await a.repos.policies.upsert({ name: 'ops', raw: 'path "z" {}', rules: '[]' })
    await heard('acl_policies', before)
    t.equal(await read(), 'path "z" {}', 'b reads the new policy')
  })

  t.test('while the listener is down nothing is cached; after its reconnect every check has moved', async (t) => {
    const { log, lines } = capturingLog()
    const c = await replica('c', log)
    const check = c.changes.check(['mounts'])
    const v0 = check.version()
    t.equal(check.version(), v0)
    await aPool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'vault-sync/c/listener'")
    await waitFor(() => !c.listener.connected, 'the listener to notice')
    t.not(check.version(), check.version(), 'a new version on every call: caches keep nothing')
    await waitFor(() => lines.some((l) => l.includes('listening again')), 'the reconnect')
    await waitFor(() => c.listener.connected && c.listener.hearing === true, 'hearing again')
    const v1 = check.version()
    t.not(v1, v0, 'what may have been missed is forgotten')
    t.equal(check.version(), v1, 'stable again')
  })

  t.test('the channel is the one the listener subscribes to', async (t) => {
    t.same(await b.listener.listeningChannels(), ['vault_sync_ping', CHANGE_CHANNEL].sort())
  })
}
