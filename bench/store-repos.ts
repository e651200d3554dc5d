/**
 * Repository-level cost of the async storage interface (issue 18), before the services move to
 * it: a KV read (metadata, version rows, sealed data of one key: what a cache miss costs) and a
 * KV write unit of work (lock the key, next version, save), on
 * - the synchronous better-sqlite3 repositories the services use today,
 * - the async SQLite store over them (`db/store/sqlite-store.ts`), one operation at a time as
 *   the synchronous ones (a single connection gains nothing from more),
 * - the PostgreSQL store (`db/store/pg/pg-store.ts`) on a throwaway local PostgreSQL 15,
 *   16 operations in flight on a pool of 10.
 * Prints and writes ops/s with the load average to `bench/results/issue-18-store-repos.json`.
 * Compare within one run only. `node dist/bench/store-repos.js [--quick]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../db/database.js'
import { createKvRepo } from '../db/kv-repo.js'
import { migratePostgres } from '../db/pg/migrate.js'
import { openPgStore } from '../db/store/pg/pg-store.js'
import type { Store } from '../db/store/repositories.js'
import { createSqliteStore } from '../db/store/sqlite-store.js'
import { startThrowawayPostgres } from '../src/demo/throwaway-postgres.js'

const QUICK = process.argv.includes('--quick')
const KEYS = 1000
const N = { read: QUICK ? 5000 : 40_000, write: QUICK ? 1000 : 8000 }
const quiet = { info: () => {}, warn: () => {}, error: () => {} }
const MOUNT = {
  accessor: 'kv_1', path: 'secret/', type: 'kv', uuid: 'u', description: '', options: '{"version":"2"}', config: '{}',
  local: 0, seal_wrap: 0, external_entropy_access: 0, builtin: 0
}

async function writeNext (store: Store, path: string): Promise<void> {
  await store.transaction(async (r) => {
    const md = await r.kv.metadataForUpdate('kv_1', path)
    const version = (md?.current_version ?? 0) + 1
    const t = Date.now() * 1000
    await r.kv.upsertMetadata({
      accessor: 'kv_1', path, current_version: version, oldest_version: md?.oldest_version ?? 1, created_time: md?.created_time ?? t,
      updated_time: t, max_versions: 0, cas_required: 0, delete_version_after: 0, custom_metadata: null
    })
    await r.kv.insertVersion('kv_1', path, { version, created_time: t, deletion_time: null, destroyed: 0 }, Buffer.alloc(64, version))
  })
}

async function readKey (store: Store, path: string): Promise<void> {
  const md = await store.repos.kv.metadata('kv_1', path)
  await store.repos.kv.versions('kv_1', path)
  await store.repos.kv.versionData('kv_1', path, md?.current_version ?? 1)
}

/** Ops per second of `n` calls of `op(i)`, `inFlight` at a time. */
async function rate (n: number, inFlight: number, op: (i: number) => Promise<void> | void): Promise<number> {
  let next = 0
  const start = process.hrtime.bigint()
  await Promise.all(Array.from({ length: inFlight }, async () => { while (next < n) await op(next++) }))
  return Math.round(n / (Number(process.hrtime.bigint() - start) / 1e9))
}

async function seed (store: Store): Promise<void> {
  await store.repos.mounts.insert(MOUNT)
  for (let i = 0; i < KEYS; i++) await writeNext(store, `k${i}`)
}

const dir = mkdtempSync(join(tmpdir(), 'vault-sync-bench-store-'))
// Not under `dir` (mode 0700): as root the server runs as `postgres` and must reach its folder.
const pgDir = join(tmpdir(), `vault-sync-bench-pg-${process.pid}`)
const pgServer = await startThrowawayPostgres(pgDir)
try {
  const key = (i: number): string => `k${(i * 7919) % KEYS}`
  const results: Record<string, { readsPerS: number, writesPerS: number }> = {}

  const db = openDatabase(join(dir, 'sync.db'))
  const sqlite = createSqliteStore(db)
  await seed(sqlite)
  const kv = createKvRepo(db)
  const syncWrite = db.transaction((path: string) => {
    const md = kv.metadata('kv_1', path)
    const version = (md?.current_version ?? 0) + 1
    const t = Date.now() * 1000
    kv.upsertMetadata({ ...(md as NonNullable<typeof md>), current_version: version, updated_time: t })
    kv.insertVersion('kv_1', path, { version, created_time: t, deletion_time: null, destroyed: 0 }, Buffer.alloc(64, version))
  })
  const syncRead = (i: number): void => { const md = kv.metadata('kv_1', key(i)); kv.versions('kv_1', key(i)); kv.versionData('kv_1', key(i), md?.current_version ?? 1) }
  await rate(N.read / 4, 1, syncRead) // warm-up of both paths
  await rate(N.read / 4, 1, async (i) => { await readKey(sqlite, key(i)) })
  results['sqlite-sync-repos'] = {
    readsPerS: await rate(N.read, 1, syncRead),
    writesPerS: await rate(N.write, 1, (i) => { syncWrite(key(i)) })
  }
  results['sqlite-async-store'] = {
    readsPerS: await rate(N.read, 1, async (i) => { await readKey(sqlite, key(i)) }),
    writesPerS: await rate(N.write, 1, async (i) => { await writeNext(sqlite, key(i)) })
  }
  await sqlite.close()

  const settings = { connectionUrl: pgServer.url(), maxParallel: 10, replica: 'bench' }
  await migratePostgres(settings)
  const pg = openPgStore(settings, quiet)
  await seed(pg)
  results['postgresql-store'] = {
    readsPerS: await rate(N.read, 16, async (i) => { await readKey(pg, key(i)) }),
    writesPerS: await rate(N.write, 16, async (i) => { await writeNext(pg, key(i)) })
  }
  await pg.close()

  const report = { bench: 'store-repos', quick: QUICK, at: new Date().toISOString(), loadavg: loadavg().map((l) => l.toFixed(2)), results }
  console.log(JSON.stringify(report, null, 2))
  writeFileSync(join(import.meta.dirname, '..', '..', 'bench', 'results', 'issue-18-store-repos.json'), JSON.stringify(report, null, 2) + '\n')
} finally {
  await pgServer.stop()
  rmSync(dir, { recursive: true, force: true })
  rmSync(pgDir, { recursive: true, force: true })
}
