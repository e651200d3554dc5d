/**
 * KV v2 rows (`kv_config`, `kv_metadata`, `kv_versions`; migration 2): prepared statements only,
 * no rules. Times are integer microseconds since the epoch, durations whole seconds, `data` and
 * `custom_metadata` sealed blobs (the service seals and opens them). Callers run mutations inside
 * one transaction (`src/kv/kv-service.ts`).
 */
import type { Db } from './database.js'

/** Engine config of one mount; absent row = all defaults (0/false/0). */
export interface KvConfigRow {
  accessor: string
  max_versions: number
  cas_required: number
  /** Seconds; 0 = unset, -1 = disabled for every key. */
  delete_version_after: number
}

/** Per-key metadata. */
export interface KvMetadataRow {
  accessor: string
  path: string
  current_version: number
  oldest_version: number
  created_time: number
  updated_time: number
  max_versions: number
  cas_required: number
  /** Seconds; 0 = unset. */
  delete_version_after: number
  /** Sealed JSON string map, or null when the key has none. */
  custom_metadata: Buffer | null
}

/** Per-version metadata (without the sealed data). */
export interface KvVersionRow {
  version: number
  created_time: number
  /** Microseconds, or null when never deleted. */
  deletion_time: number | null
  destroyed: number
}

export interface KvRepo {
  /** The mount's config row, or undefined when never written. */
  config: (accessor: string) => KvConfigRow | undefined
  /** Inserts or replaces the mount's config row. */
  upsertConfig: (row: KvConfigRow) => void
  /** The key's metadata row, or undefined when the key has none. */
  metadata: (accessor: string, path: string) => KvMetadataRow | undefined
  /** Inserts or replaces the key's metadata row (its versions are untouched). */
  upsertMetadata: (row: KvMetadataRow) => void
  /** Deletes the key's metadata and, by cascade, its versions. @returns rows deleted (0 or 1). */
  deleteMetadata: (accessor: string, path: string) => number
  /** Paths of keys in `[from, to)` by byte order (`to` undefined = no upper bound). */
  pathsInRange: (accessor: string, from: string, to: string | undefined) => string[]
  /** Every version row of the key, oldest first. */
  versions: (accessor: string, path: string) => KvVersionRow[]
  /** Inserts a version with its sealed data. */
  insertVersion: (accessor: string, path: string, row: KvVersionRow, data: Buffer) => void
  /** Sets (or clears with null) a version's deletion time, microseconds. */
  setDeletionTime: (accessor: string, path: string, version: number, deletionTime: number | null) => void
  /** Marks a version destroyed and drops its data. */
  destroyVersion: (accessor: string, path: string, version: number) => void
  /** Removes versions `from..to` inclusive (trimming by max_versions). */
  deleteVersionRange: (accessor: string, path: string, from: number, to: number) => void
  /** A version's sealed data: undefined when no such version, null when destroyed. */
  versionData: (accessor: string, path: string, version: number) => Buffer | null | undefined
}

/** Versions `from..to` (inclusive) a data write trims by max_versions. */
export interface KvTrim { from: number, to: number }

/** SQLite's `KvRepo`, with a data write's statements as one (`Store.runSync`'s synchronous twin only). */
export interface SqliteKvRepo extends KvRepo {
  /**
   * A data write in ONE statement: upserts the key's metadata `row`, removes the versions of
   * `trim` and inserts `version` with its sealed `data` (through an INSTEAD OF trigger on a
   * connection-local view). One statement is atomic on its own: when it fails, SQLite undoes all
   * of it, so a synchronous group's member needs no savepoint around it (issue 16), and the
   * write costs one call instead of three.
   */
  appendVersion: (row: KvMetadataRow, trim: KvTrim | undefined, version: KvVersionRow, data: Buffer) => void
}

/**
 * The connection-local (TEMP) view and INSTEAD OF trigger behind `appendVersion`: an insert into
 * the view runs the metadata upsert, the trim and the version insert as one statement. Nothing of
 * them is stored in the database file, so no migration; made once per connection.
 */
const APPEND_VERSION_SQL = `
  CREATE TEMP VIEW IF NOT EXISTS kv_append_version AS SELECT
    NULL AS accessor, NULL AS path, NULL AS current_version, NULL AS oldest_version, NULL AS created_time,
    NULL AS updated_time, NULL AS max_versions, NULL AS cas_required, NULL AS delete_version_after,
    NULL AS custom_metadata, NULL AS trim_from, NULL AS trim_to, NULL AS version, NULL AS version_created_time,
    NULL AS deletion_time, NULL AS destroyed, NULL AS data;
  CREATE TEMP TRIGGER IF NOT EXISTS kv_append_version_insert INSTEAD OF INSERT ON kv_append_version BEGIN
    INSERT INTO kv_metadata (accessor, path, current_version, oldest_version, created_time, updated_time, max_versions,
      cas_required, delete_version_after, custom_metadata)
    VALUES (NEW.accessor, NEW.path, NEW.current_version, NEW.oldest_version, NEW.created_time, NEW.updated_time,
      NEW.max_versions, NEW.cas_required, NEW.delete_version_after, NEW.custom_metadata)
    ON CONFLICT(accessor, path) DO UPDATE SET current_version = excluded.current_version,
      oldest_version = excluded.oldest_version, created_time = excluded.created_time,
      updated_time = excluded.updated_time, max_versions = excluded.max_versions, cas_required = excluded.cas_required,
      delete_version_after = excluded.delete_version_after, custom_metadata = excluded.custom_metadata;
    DELETE FROM kv_versions WHERE NEW.trim_from IS NOT NULL AND accessor = NEW.accessor AND path = NEW.path
      AND version BETWEEN NEW.trim_from AND NEW.trim_to;
    INSERT INTO kv_versions (accessor, path, version, created_time, deletion_time, destroyed, data)
      VALUES (NEW.accessor, NEW.path, NEW.version, NEW.version_created_time, NEW.deletion_time, NEW.destroyed, NEW.data);
  END`

/** The metadata row of a raw `kv_metadata` row (its columns in table order), as one object literal. */
const metadataRow = (r: unknown[]): KvMetadataRow => ({
  accessor: r[0] as string,
  path: r[1] as string,
  current_version: r[2] as number,
  oldest_version: r[3] as number,
  created_time: r[4] as number,
  updated_time: r[5] as number,
  max_versions: r[6] as number,
  cas_required: r[7] as number,
  delete_version_after: r[8] as number,
  custom_metadata: r[9] as Buffer | null
})

/** Prepared statements over the KV tables. */
export function createKvRepo (db: Db): SqliteKvRepo {
  const config = db.prepare<[string], KvConfigRow>('SELECT * FROM kv_config WHERE accessor = ?')
  const upsertConfig = db.prepare(`INSERT INTO kv_config (accessor, max_versions, cas_required, delete_version_after)
    VALUES (@accessor, @max_versions, @cas_required, @delete_version_after)
    ON CONFLICT(accessor) DO UPDATE SET max_versions = excluded.max_versions, cas_required = excluded.cas_required,
    delete_version_after = excluded.delete_version_after`)
  // Raw (an array per row): better-sqlite3 builds a row object property by property, each column
  // name looked up in V8's string table (issue 16: most of a data write's metadata read).
  const metadata = db.prepare<[string, string], unknown[]>(`SELECT accessor, path, current_version, oldest_version, created_time,
    updated_time, max_versions, cas_required, delete_version_after, custom_metadata FROM kv_metadata WHERE accessor = ? AND path = ?`).raw()
  const upsertMetadata = db.prepare(`INSERT INTO kv_metadata (accessor, path, current_version, oldest_version,
    created_time, updated_time, max_versions, cas_required, delete_version_after, custom_metadata)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(accessor, path) DO UPDATE SET current_version = excluded.current_version,
    oldest_version = excluded.oldest_version, created_time = excluded.created_time,
    updated_time = excluded.updated_time, max_versions = excluded.max_versions, cas_required = excluded.cas_required,
    delete_version_after = excluded.delete_version_after, custom_metadata = excluded.custom_metadata`)
  const deleteMetadata = db.prepare('DELETE FROM kv_metadata WHERE accessor = ? AND path = ?')
  const pathsFrom = db.prepare<[string, string], { path: string }>(
    'SELECT path FROM kv_metadata WHERE accessor = ? AND path >= ? ORDER BY path')
  const pathsRange = db.prepare<[string, string, string], { path: string }>(
    'SELECT path FROM kv_metadata WHERE accessor = ? AND path >= ? AND path < ? ORDER BY path')
  const versions = db.prepare<[string, string], KvVersionRow>(
    'SELECT version, created_time, deletion_time, destroyed FROM kv_versions WHERE accessor = ? AND path = ? ORDER BY version')
  const insertVersion = db.prepare(`INSERT INTO kv_versions (accessor, path, version, created_time, deletion_time,
    destroyed, data) VALUES (?, ?, ?, ?, ?, ?, ?)`)
  const setDeletion = db.prepare('UPDATE kv_versions SET deletion_time = ? WHERE accessor = ? AND path = ? AND version = ?')
  const destroy = db.prepare('UPDATE kv_versions SET destroyed = 1, data = NULL WHERE accessor = ? AND path = ? AND version = ?')
  const deleteRange = db.prepare('DELETE FROM kv_versions WHERE accessor = ? AND path = ? AND version BETWEEN ? AND ?')
  const data = db.prepare<[string, string, number], { data: Buffer | null }>(
    'SELECT data FROM kv_versions WHERE accessor = ? AND path = ? AND version = ?')
  db.exec(APPEND_VERSION_SQL)
  const appendVersion = db.prepare('INSERT INTO kv_append_version VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
  return {
    config: (a) => config.get(a),
    upsertConfig: (row) => { upsertConfig.run(row) },
    metadata: (a, p) => {
      const r = metadata.get(a, p)
      return r === undefined ? undefined : metadataRow(r)
    },
    // Positional parameters: binding by name looks each one up on the row (issue 16: a KV write's cost).
    upsertMetadata: (r) => {
      upsertMetadata.run(r.accessor, r.path, r.current_version, r.oldest_version, r.created_time, r.updated_time, r.max_versions,
        r.cas_required, r.delete_version_after, r.custom_metadata)
    },
    deleteMetadata: (a, p) => deleteMetadata.run(a, p).changes,
    pathsInRange: (a, from, to) => (to === undefined ? pathsFrom.all(a, from) : pathsRange.all(a, from, to)).map((r) => r.path),
    versions: (a, p) => versions.all(a, p),
    insertVersion: (a, p, row, blob) => {
      insertVersion.run(a, p, row.version, row.created_time, row.deletion_time, row.destroyed, blob)
    },
    setDeletionTime: (a, p, v, t) => { setDeletion.run(t, a, p, v) },
    destroyVersion: (a, p, v) => { destroy.run(a, p, v) },
    deleteVersionRange: (a, p, from, to) => { deleteRange.run(a, p, from, to) },
    versionData: (a, p, v) => data.get(a, p, v)?.data,
    appendVersion: (r, trim, v, blob) => {
      appendVersion.run(r.accessor, r.path, r.current_version, r.oldest_version, r.created_time, r.updated_time, r.max_versions,
        r.cas_required, r.delete_version_after, r.custom_metadata, trim?.from ?? null, trim?.to ?? null, v.version, v.created_time,
        v.deletion_time, v.destroyed, blob)
    }
  }
}

/** Methods of `KvRepo` that touch one key's rows, called `(accessor, path, ...)`. */
const KEY_METHODS = new Set(['metadata', 'versions', 'versionData', 'deleteMetadata', 'insertVersion', 'setDeletionTime', 'destroyVersion', 'deleteVersionRange'])

/**
 * The cache scope of a `KvRepo` call (`cached-repo.ts` `ScopeOf`): one mount's config, or one
 * key's metadata and versions, so a KV write forgets only that key's cached rows (issue 16).
 * `undefined` (forget everything) for any other method.
 */
export function kvRepoScope (method: string, args: readonly unknown[]): string | undefined {
  if (method === 'config') return `config\0${String(args[0])}`
  if (method === 'upsertConfig') return `config\0${(args[0] as KvConfigRow).accessor}`
  if (method === 'upsertMetadata') {
    const row = args[0] as KvMetadataRow
    return `key\0${row.accessor}\0${row.path}`
  }
  if (KEY_METHODS.has(method)) return `key\0${String(args[0])}\0${String(args[1])}`
  return undefined
}
