// db/pg/migrate.ts and `vault-sync migrate` on a real PostgreSQL 15 (case PG-6), and the first
// PostgreSQL migration being the SQLite schema.
import t, { type Test } from 'tap'
import pg from 'pg'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { openDatabase } from '../../../db/database.js'
import { MIGRATIONS } from '../../../db/migrations.js'
import { migrateWith, migratePostgres, schemaVersion } from '../../../db/pg/migrate.js'
import { PG_MIGRATIONS, type PgMigration } from '../../../db/pg/schema.js'
import { tempDir } from '../../helper.js'
import { usePostgres } from '../../pg/shared-postgres.js'

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'vault-sync')
const db = await usePostgres(t)

async function connect (t: Test, url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url })
  c.on('error', () => {})
  await c.connect()
  t.teardown(() => c.end())
  return c
}

/**
 * Advisory locks held on `c`'s database. pg_locks is cluster-wide: a backend of an earlier test's
 * exited process (another database) may still be ending, and its locks with it.
 */
async function advisoryLocks (c: pg.Client): Promise<number> {
  return (await c.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).rows[0].n
}

function migrateCli (env: Record<string, string>): Promise<{ code: number, out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'migrate'], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? -1, out: stdout + stderr })
    })
  })
}

if (db !== undefined) {
  const settings = (url: string) => ({ connectionUrl: url, maxParallel: 1, replica: 'test' })

  t.test('PG-6: three processes migrating an empty database at once: applied exactly once, no lock left', async (t) => {
    const url = await db.another()
    const env = { VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: url, VAULT_SYNC_LOG_LEVEL: 'warn' }
    const runs = await Promise.all([migrateCli(env), migrateCli(env), migrateCli(env)])
    t.same(runs.map((r) => r.code), [0, 0, 0], runs.map((r) => r.out).join('\n'))
    // Runs may take turns (one applies 1, another 2): each version is applied by exactly one run.
    const applied = runs.flatMap((r) => /\(applied ([\d, ]+)\)/.exec(r.out)?.[1].split(', ').map(Number) ?? []).sort((a, b) => a - b)
    t.same(applied, PG_MIGRATIONS.map((_, i) => i + 1), 'every migration applied exactly once')
    for (const r of runs) t.match(r.out, new RegExp(`^PostgreSQL schema (already at version|migrated from version \\d+ to) ${PG_MIGRATIONS.length}`))
    const c = await connect(t, url)
    t.same((await c.query('SELECT version, name FROM schema_migrations ORDER BY version')).rows,
      PG_MIGRATIONS.map((m, i) => ({ version: i + 1, name: m.name })))
    t.equal(await advisoryLocks(c), 0, 'pg_locks holds no advisory lock')
  })

  t.test('in one process: concurrent runs apply a migration with a side effect exactly once', async (t) => {
    const url = await db.another()
    const c = await connect(t, url)
    await c.query('CREATE TABLE side_effects (n int)')
    const migrations: PgMigration[] = [...PG_MIGRATIONS, { name: 'count', sql: 'INSERT INTO side_effects VALUES (1); SELECT pg_sleep(0.2)' }]
    const results = await Promise.all([1, 2, 3, 4, 5].map(async () => await migratePostgres(settings(url), migrations)))
    t.same(results.flatMap((r) => r.applied).sort((a, b) => a - b), migrations.map((_, i) => i + 1), 'each version applied by exactly one run')
    t.same(results.map((r) => r.to), [6, 6, 6, 6, 6].map(() => migrations.length))
    t.same((await c.query('SELECT count(*)::int AS n FROM side_effects')).rows, [{ n: 1 }])
    t.equal(await advisoryLocks(c), 0)
  })

  t.test('a failing migration is rolled back, earlier ones stay, no lock is left; a later run completes', async (t) => {
    const url = await db.another()
    const c = await connect(t, url)
    const broken: PgMigration[] = [...PG_MIGRATIONS, { name: 'broken', sql: 'CREATE TABLE half (x int); SELECT no_such_function()' }]
    await t.rejects(migratePostgres(settings(url), broken), { code: '42883' })
    t.equal(await schemaVersion(c), PG_MIGRATIONS.length)
    t.equal((await c.query("SELECT to_regclass('half') AS r")).rows[0].r, null, 'the failed migration left nothing')
    t.equal(await advisoryLocks(c), 0)
    const fixed: PgMigration[] = [...PG_MIGRATIONS, { name: 'fixed', sql: 'CREATE TABLE half (x int)' }]
    t.same(await migrateWith(c, fixed), { from: PG_MIGRATIONS.length, to: fixed.length, applied: [fixed.length] })
  })

  t.test('a replica refuses a schema newer than it knows, with a clear message, before changing anything', async (t) => {
    const url = await db.another()
    const c = await connect(t, url)
    await migrateWith(c)
    await c.query("INSERT INTO schema_migrations (version, name) VALUES ($1, 'from-the-future')", [PG_MIGRATIONS.length + 1])
    await t.rejects(migratePostgres(settings(url)), { name: 'SchemaTooNewError', found: PG_MIGRATIONS.length + 1, known: PG_MIGRATIONS.length })
    await t.rejects(schemaVersion(c), { name: 'SchemaTooNewError' })
    const cli = await migrateCli({ VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: url })
    t.equal(cli.code, 1)
    t.equal(cli.out, `vault-sync: database schema version ${PG_MIGRATIONS.length + 1} is newer than this vault-sync knows (${PG_MIGRATIONS.length}): another replica runs a newer vault-sync; upgrade this one (vault-sync never downgrades a schema)\n`)
    t.equal(await advisoryLocks(c), 0)
  })

  t.test('the PostgreSQL migrations give the SQLite schema (plus the replica tables): same tables, columns and indexes', async (t) => {
    const url = await db.another()
    const c = await connect(t, url)
    await migrateWith(c, PG_MIGRATIONS)
    const lite = openDatabase(':memory:')
    t.teardown(() => lite.close())
    const liteTables = (lite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name)
    const pgTables = (await c.query("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT IN ('leases', 'replicas') ORDER BY 1")).rows.map((r) => r.name)
    t.same(pgTables, liteTables)
    for (const table of liteTables) {
      const liteCols = (lite.prepare(`SELECT name, "notnull" AS nn, pk FROM pragma_table_info('${table}') ORDER BY name`).all() as Array<{ name: string, nn: number, pk: number }>)
        .map((r) => `${r.name}${r.nn === 1 || r.pk > 0 ? ' not null' : ''}`)
      const pgCols = (await c.query('SELECT column_name AS name, is_nullable AS n FROM information_schema.columns WHERE table_name = $1 ORDER BY 1', [table])).rows
        .map((r) => `${r.name}${r.n === 'NO' ? ' not null' : ''}`)
      t.same(pgCols, liteCols, `columns of ${table}`)
    }
    const liteIdx = (lite.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name)
    const pgIdx = (await c.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT IN ('leases', 'replicas') AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' ORDER BY 1")).rows.map((r) => r.indexname)
    t.same(pgIdx, liteIdx, 'named indexes')
  })

  t.test('vault-sync migrate on SQLite migrates and reports the schema version', async (t) => {
    const path = join(tempDir(t), 'vs.db')
    const env = { VAULT_SYNC_DB_PATH: path, VAULT_SYNC_STORAGE: 'sqlite' }
    const first = await migrateCli(env)
    t.equal(first.code, 0, first.out)
    t.equal(first.out, `SQLite schema of ${path} migrated from version 0 to ${MIGRATIONS.length} (applied ${MIGRATIONS.map((_, i) => i + 1).join(', ')})\n`)
    const again = await migrateCli(env)
    t.equal(again.out, `SQLite schema of ${path} already at version ${MIGRATIONS.length}\n`)
  })
}

t.test('vault-sync migrate with a URL node-postgres cannot parse names the setting, not the URL', async (t) => {
  const r = await migrateCli({ VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: 'postgresql://vs:s3cret@127.0.0.1:not-a-port/vs' })
  t.not(r.code, 0, 'the command fails')
  t.match(r.out, /VAULT_PG_CONNECTION_URL: is not a valid URL/)
  t.notMatch(r.out, 's3cret', 'the password is not printed')
})
