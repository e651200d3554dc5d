/**
 * What both engines' migrations share (`database.ts` for SQLite, `pg/migrate.ts` for
 * PostgreSQL): the `schema_migrations` table's meaning (one row per applied migration: version
 * from 1, a short name, when it was applied), the outcome of a run, and the refusal of a schema
 * newer than this build.
 */

/** Outcome of a run: schema version before and after, and the versions this run applied. */
export interface MigrationResult { from: number, to: number, applied: number[] }

/** The database was migrated by a newer vault-sync than this one. */
export class SchemaTooNewError extends Error {
  /**
   * @param found the database's schema version
   * @param known the newest version this build knows
   * @param advice what the operator can do (differs per engine)
   */
  constructor (readonly found: number, readonly known: number, advice: string) {
    super(`database schema version ${found} is newer than this vault-sync knows (${known}): ${advice}`)
    this.name = 'SchemaTooNewError'
  }
}
