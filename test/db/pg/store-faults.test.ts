// The PostgreSQL store under faults (cases PG-4 and PG-5 at the repository level): a backend
// killed under a unit of work fails that unit only, and a unit contending for a key another
// replica holds fails fast with lock_not_available instead of hanging.
import t from 'tap'
import pg from 'pg'
import { migratePostgres } from '../../../db/pg/migrate.js'
import { openPgStore } from '../../../db/store/pg/pg-store.js'
import { usePostgres } from '../../pg/shared-postgres.js'
import { mountRow, pgSettings, writeNextVersion } from '../contract/contract-engines.js'
import { capturingLog } from './pg-test-kit.js'

const db = await usePostgres(t)

if (db !== undefined) {
  const url = await db.another()
  await migratePostgres(pgSettings(url))
  const admin = new pg.Client({ connectionString: url })
  admin.on('error', () => {})
  await admin.connect()
  t.teardown(() => admin.end())

  t.test('PG-4: a backend killed inside a unit of work fails that unit; the process and the pool carry on', async (t) => {
    const { log, lines } = capturingLog()
    const store = openPgStore(pgSettings(url, 'killed', 2), log)
    t.teardown(() => store.close())
    await store.repos.mounts.insert(mountRow({ accessor: 'kv_k', path: 'killed/' }))
    const unit = store.transaction(async (r) => {
      await r.kv.metadataForUpdate('kv_k', 'victim')
      const pid = (await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'vault-sync/killed/pool' AND state LIKE 'idle in transaction%'")).rows[0]?.pid
      await admin.query('SELECT pg_terminate_backend($1)', [pid])
      await r.kv.metadata('kv_k', 'victim') // on the dead connection
    })
    await t.rejects(unit, 'the unit rejects')
    for (let i = 1; i <= 3; i++) t.equal(await writeNextVersion(store, 'kv_k', 'victim', Buffer.from(`after ${i}`)), i, 'later units work')
    t.match(lines.join('\n'), /pooled connection lost/, 'the lost connection was logged, not thrown')
  })

  t.test('PG-5: a unit contending for a key another replica holds fails fast with 55P03', async (t) => {
    const holder = openPgStore(pgSettings(url, 'holder', 2), capturingLog().log)
    const contender = openPgStore({ ...pgSettings(url, 'contender', 2), lockTimeoutMs: 300 }, capturingLog().log)
    t.teardown(async () => { await holder.close(); await contender.close() })
    await holder.repos.mounts.insert(mountRow({ accessor: 'kv_l', path: 'locked/' }))
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    let locked!: () => void
    const isLocked = new Promise<void>((resolve) => { locked = resolve })
    const holding = holder.transaction(async (r) => {
      await r.kv.metadataForUpdate('kv_l', 'hot')
      locked()
      await held // a holder stalled inside its unit (what R2-3 forbids)
    })
    await isLocked
    await t.rejects(writeNextVersion(contender, 'kv_l', 'hot', Buffer.from('x')), { code: '55P03' }, 'lock_not_available, no hang')
    t.equal(await writeNextVersion(contender, 'kv_l', 'other', Buffer.from('y')), 1, 'other keys are not held up')
    release()
    await holding
    t.equal(await writeNextVersion(contender, 'kv_l', 'hot', Buffer.from('z')), 1, 'free again once the holder ends')
  })
}
