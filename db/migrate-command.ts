/**
 * `vault-sync migrate`: brings the configured store's schema up to date and says what it did.
 * SQLite: opening the file applies its migrations (`database.ts`, recorded in `schema_migrations`). PostgreSQL: `pg/migrate.ts`
 * (one transaction per migration under an advisory lock; safe while other replicas start).
 */
import { hostname } from 'node:os'
import type { PgConnectionSettings } from './pg/connection.js'

/** The storage part of the configuration (`config.ts`); db/ imports nothing of src/. */
export interface StorageSettings {
  storage: string
  postgres: Pick<PgConnectionSettings, 'connectionUrl' | 'maxParallel'> | undefined
  dbPath: string
}

/**
 * Migrates and resolves a one-line report for the operator.
 * @throws SchemaTooNewError when the database is newer than this build; a connection or
 *   migration error otherwise (never carrying the connection URL).
 */
export async function runMigrateCommand (config: StorageSettings): Promise<string> {
  if (config.storage === 'postgresql' && config.postgres !== undefined) {
    const { migratePostgres } = await import('./pg/migrate.js')
    const r = await migratePostgres({ ...config.postgres, replica: hostname() })
    return r.applied.length === 0
      ? `PostgreSQL schema already at version ${r.to}`
      : `PostgreSQL schema migrated from version ${r.from} to ${r.to} (applied ${r.applied.join(', ')})`
  }
  const { openAndMigrate } = await import('./database.js')
  const { db, migration: r } = openAndMigrate(config.dbPath)
  db.close()
  return r.applied.length === 0
    ? `SQLite schema of ${config.dbPath} already at version ${r.to}`
    : `SQLite schema of ${config.dbPath} migrated from version ${r.from} to ${r.to} (applied ${r.applied.join(', ')})`
}
