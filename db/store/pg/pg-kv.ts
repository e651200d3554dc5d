/**
 * KV v2 rows on PostgreSQL (`KvRepository`; the SQLite twin is `db/kv-repo.ts`). Paths compare
 * and sort by bytes (`COLLATE "C"`), as SQLite's BINARY collation does, whatever the database's
 * locale. `metadataForUpdate` serialises every read-modify-write of one key across replicas.
 */
import type { KvConfigRow, KvMetadataRow, KvVersionRow } from '../../kv-repo.js'
import type { KvRepository } from '../repositories.js'
import { insertInto, setExcluded, statement, valuesOf, type Sql } from './pg-sql.js'

const CONFIG_COLUMNS = ['accessor', 'max_versions', 'cas_required', 'delete_version_after'] as const
const METADATA_COLUMNS = ['accessor', 'path', 'current_version', 'oldest_version', 'created_time', 'updated_time',
  'max_versions', 'cas_required', 'delete_version_after', 'custom_metadata'] as const

/** Advisory lock class of KV keys (two-int advisory locks: their own key space). */
const KV_KEY_LOCK_CLASS = 1986

const S = {
  config: statement('kv_config', 'SELECT * FROM kv_config WHERE accessor = $1'),
  upsertConfig: statement('kv_upsert_config', insertInto('kv_config', CONFIG_COLUMNS,
    `ON CONFLICT (accessor) DO UPDATE SET ${setExcluded(CONFIG_COLUMNS.slice(1))}`)),
  metadata: statement('kv_metadata', 'SELECT * FROM kv_metadata WHERE accessor = $1 AND path = $2'),
  // Held until COMMIT/ROLLBACK; covers a key that has no row yet (FOR UPDATE alone locks nothing then).
  lockKey: statement('kv_lock_key', `SELECT pg_advisory_xact_lock(${KV_KEY_LOCK_CLASS}, hashtext($1 || ':' || $2))`),
  metadataForUpdate: statement('kv_metadata_for_update', 'SELECT * FROM kv_metadata WHERE accessor = $1 AND path = $2 FOR UPDATE'),
  upsertMetadata: statement('kv_upsert_metadata', insertInto('kv_metadata', METADATA_COLUMNS,
    `ON CONFLICT (accessor, path) DO UPDATE SET ${setExcluded(METADATA_COLUMNS.slice(2))}`)),
  deleteMetadata: statement('kv_delete_metadata', 'DELETE FROM kv_metadata WHERE accessor = $1 AND path = $2'),
  pathsFrom: statement('kv_paths_from', `SELECT path FROM kv_metadata WHERE accessor = $1 AND path COLLATE "C" >= $2
    ORDER BY path COLLATE "C"`),
  pathsRange: statement('kv_paths_range', `SELECT path FROM kv_metadata WHERE accessor = $1 AND path COLLATE "C" >= $2
    AND path COLLATE "C" < $3 ORDER BY path COLLATE "C"`),
  // Metadata and versions in one round trip; each version as [version, created, deletion, destroyed].
  keyState: statement('kv_key_state', `SELECT m.*, coalesce((SELECT json_agg(json_build_array(v.version, v.created_time,
    v.deletion_time, v.destroyed) ORDER BY v.version) FROM kv_versions v WHERE v.accessor = m.accessor AND v.path = m.path),
    '[]') AS versions FROM kv_metadata m WHERE m.accessor = $1 AND m.path = $2`),
  versions: statement('kv_versions', `SELECT version, created_time, deletion_time, destroyed FROM kv_versions
    WHERE accessor = $1 AND path = $2 ORDER BY version`),
  insertVersion: statement('kv_insert_version', insertInto('kv_versions',
    ['accessor', 'path', 'version', 'created_time', 'deletion_time', 'destroyed', 'data'])),
  setDeletion: statement('kv_set_deletion', 'UPDATE kv_versions SET deletion_time = $4 WHERE accessor = $1 AND path = $2 AND version = $3'),
  destroy: statement('kv_destroy', 'UPDATE kv_versions SET destroyed = 1, data = NULL WHERE accessor = $1 AND path = $2 AND version = $3'),
  deleteRange: statement('kv_delete_range', 'DELETE FROM kv_versions WHERE accessor = $1 AND path = $2 AND version BETWEEN $3 AND $4'),
  data: statement('kv_data', 'SELECT data FROM kv_versions WHERE accessor = $1 AND path = $2 AND version = $3')
}

/** The KV repository over `sql`. */
export function pgKvRepository (sql: Sql): KvRepository {
  return {
    config: async (a) => await sql.one<KvConfigRow>(S.config, [a]),
    upsertConfig: async (row) => { await sql.run(S.upsertConfig, valuesOf(row, CONFIG_COLUMNS)) },
    metadata: async (a, p) => await sql.one<KvMetadataRow>(S.metadata, [a, p]),
    metadataForUpdate: async (a, p) => {
      // Two statements: the SELECT takes its snapshot after the lock is granted, so it sees
      // what the previous holder committed (a row it inserted included).
      await sql.run(S.lockKey, [a, p])
      return await sql.one<KvMetadataRow>(S.metadataForUpdate, [a, p])
    },
    keyState: async (a, p) => {
      const row = await sql.one<KvMetadataRow & { versions: Array<[number, number, number | null, number]> }>(S.keyState, [a, p])
      if (row === undefined) return undefined
      const { versions, ...metadata } = row
      return { metadata, versions: versions.map(([version, created, deletion, destroyed]) => ({ version, created_time: created, deletion_time: deletion, destroyed })) }
    },
    upsertMetadata: async (row) => { await sql.run(S.upsertMetadata, valuesOf(row, METADATA_COLUMNS)) },
    deleteMetadata: async (a, p) => await sql.run(S.deleteMetadata, [a, p]),
    pathsInRange: async (a, from, to) => (to === undefined
      ? await sql.all<{ path: string }>(S.pathsFrom, [a, from])
      : await sql.all<{ path: string }>(S.pathsRange, [a, from, to])).map((r) => r.path),
    versions: async (a, p) => await sql.all<KvVersionRow>(S.versions, [a, p]),
    insertVersion: async (a, p, row, blob) => {
      await sql.run(S.insertVersion, [a, p, row.version, row.created_time, row.deletion_time, row.destroyed, blob])
    },
    setDeletionTime: async (a, p, v, t) => { await sql.run(S.setDeletion, [a, p, v, t]) },
    destroyVersion: async (a, p, v) => { await sql.run(S.destroy, [a, p, v]) },
    deleteVersionRange: async (a, p, from, to) => { await sql.run(S.deleteRange, [a, p, from, to]) },
    versionData: async (a, p, v) => (await sql.one<{ data: Buffer | null }>(S.data, [a, p, v]))?.data
  }
}
