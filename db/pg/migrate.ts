/**
 * Applies the PostgreSQL migrations of `schema.ts` (case PG-6). Each migration runs in ONE
 * transaction that first takes `pg_advisory_xact_lock(MIGRATION_LOCK_KEY)`: replicas starting
 * together queue on the lock, the first applies the migration and records it in
 * `schema_migrations`, the others then see it recorded and skip it. A transaction-scoped lock
 * is released by COMMIT or ROLLBACK (or the session's end), so no lock can outlive the run.
 * All of it runs on one dedicated connection, never a pool checkout.
 */
import type pg from 'pg'
import { pgModule } from './pg-module.js'
import { clientConfig, type PgConnectionSettings } from './connection.js'
import { PG_MIGRATIONS, type PgMigration } from './schema.js'
import { SchemaTooNewError, type MigrationResult } from '../schema-version.js'

export { SchemaTooNewError, type MigrationResult }

/** Advisory lock key of migrations (ASCII "vsmigrat"). */
export const MIGRATION_LOCK_KEY = '8534995076093878644'

/** Longest wait for another replica's migration, ms. */
const MIGRATION_LOCK_WAIT_MS = 300_000

/** What a replica that finds a newer schema tells the operator. */
const ADVICE = 'another replica runs a newer vault-sync; upgrade this one (vault-sync never downgrades a schema)'

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`

async function currentVersion (client: pg.ClientBase): Promise<number> {
  const r = await client.query('SELECT coalesce(max(version), 0)::int AS v FROM schema_migrations')
  return r.rows[0].v as number
}

/**
 * Schema version of the database (0 when never migrated).
 * @throws SchemaTooNewError when it is newer than `migrations` know.
 */
export async function schemaVersion (client: pg.ClientBase, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number> {
  const exists = await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS e")
  const v = exists.rows[0].e === true ? await currentVersion(client) : 0
  if (v > migrations.length) throw new SchemaTooNewError(v, migrations.length, ADVICE)
  return v
}

/**
 * Migrates the database behind `client` to the last of `migrations`, one transaction per
 * migration under the advisory lock.
 * @throws SchemaTooNewError (before changing anything) when the database is newer; the error
 *   of a failing migration (that migration is rolled back, earlier ones stay).
 */
export async function migrateWith (client: pg.ClientBase, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<MigrationResult> {
  let from: number | undefined
  const applied: number[] = []
  for (;;) {
    await client.query('BEGIN')
    try {
      await client.query(`SET LOCAL lock_timeout = ${MIGRATION_LOCK_WAIT_MS}`)
      await client.query('SET LOCAL statement_timeout = 0') // a migration may be long
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
      await client.query(CREATE_TABLE)
      const v = await currentVersion(client)
      from ??= v
      if (v > migrations.length) throw new SchemaTooNewError(v, migrations.length, ADVICE)
      if (v === migrations.length) {
        await client.query('COMMIT')
        return { from, to: v, applied }
      }
      await client.query(migrations[v].sql)
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [v + 1, migrations[v].name])
      await client.query('COMMIT')
      applied.push(v + 1)
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
  }
}

/**
 * Opens a dedicated connection, migrates (`migrateWith`) and closes it.
 * @throws as `migrateWith`, or the connection error.
 */
export async function migratePostgres (settings: PgConnectionSettings, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<MigrationResult> {
  const client = new (pgModule().Client)(clientConfig(settings, 'migrate'))
  client.on('error', () => {}) // a lost connection fails the pending query, which is reported
  await client.connect()
  try {
    return await migrateWith(client, migrations)
  } finally {
    await client.end().catch(() => {})
  }
}
