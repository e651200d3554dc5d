/**
 * A real SQLite file (migrated) with one destination and associations, for the repository
 * tests of `db/`.
 */
import type { Test } from 'tap'
import { join } from 'node:path'
import { openDatabase, type Db } from '../../db/database.js'
import { createAssociationsRepo, type AssociationRow } from '../../db/associations-repo.js'
import { createDestinationsRepo } from '../../db/destinations-repo.js'
import { tempDir } from '../helper.js'

/** Opens a fresh database file with destination `d1`, closed when `t` ends. */
export function openTestDb (t: Test): Db {
  const db = openDatabase(join(tempDir(t), 'repo.db'))
  t.teardown(() => { db.close() })
  createDestinationsRepo(db).insert({
    id: 'd1', type: 'azure-kv', name: 'one', connection: '{}', sealed_secrets: null, options: '{}', created_at: 1, updated_at: 1,
    purge_state: null, purge_initiated_at: null, purge_error: null, deleted_at: null
  })
  return db
}

/** Inserts association `id` of `d1` on `kv_1/<path>`. */
export function addAssociation (db: Db, id: string, over: Partial<AssociationRow> = {}): AssociationRow {
  const row: AssociationRow = {
    id, destination_id: 'd1', accessor: 'kv_1', mount_path: 'secret/', secret_path: id, granularity: 'secret-path',
    name_template: '{{ .SecretPath }}', removed: 0, status: 'PENDING', message: null, created_at: 1, updated_at: 1, ...over
  }
  createAssociationsRepo(db).insert(row)
  return row
}
