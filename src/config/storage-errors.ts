/**
 * Errors of opening the configured storage, restated in the operator's terms: as every other bad
 * setting (README, "Configuration": "A bad value stops start-up with a message naming the
 * variable"), a database file that cannot be used names the setting that chose it
 * (`VAULT_SYNC_DB_PATH`, `-dev-db`; the CLI restates it as the configuration file's
 * `storage "sqlite" path` and line with `inFileTerms`), the file and what to fix.
 */
import { DatabaseFileError } from '../../db/database-file.js'
import { ConfigError, pgConnectionUrlError, type Config } from '../config.js'

/**
 * `err` from opening or migrating the storage of `config`, as a `ConfigError` when it is about
 * the setting: a `DatabaseFileError` (db/database-file.ts: read-only, not a database, damaged...)
 * names `config.dbPathSetting`; node-postgres's URL error names `VAULT_PG_CONNECTION_URL`
 * (`pgConnectionUrlError`). Any other error is returned unchanged.
 */
export function storageOpenError (config: Pick<Config, 'dbPathSetting'>, err: unknown): unknown {
  if (err instanceof DatabaseFileError) return new ConfigError(config.dbPathSetting, err.message)
  return pgConnectionUrlError(err)
}
