/**
 * The engines the repository contract suite runs on (issue 18): a SQLite temp file and a
 * throwaway PostgreSQL 15 (`test/pg/shared-postgres.ts`; missing binaries skip the PostgreSQL
 * half, or fail it with `CI=true`), in databases with an English default collation. Each
 * `open(t)` gives a fresh, migrated, empty store, closed when `t` ends; rows every case needs
 * come from `seed`.
 */
import type { Test } from 'tap'
import { join } from 'node:path'
import { openDatabase } from '../../../db/database.js'
import { migratePostgres } from '../../../db/pg/migrate.js'
import type { AssociationRow } from '../../../db/associations-repo.js'
import type { DestinationRow } from '../../../db/destinations-repo.js'
import type { MountRow } from '../../../db/mounts-repo.js'
import { openPgStore } from '../../../db/store/pg/pg-store.js'
import type { Repositories, Store } from '../../../db/store/repositories.js'
import { createSqliteStore } from '../../../db/store/sqlite-store.js'
import { tempDir } from '../../helper.js'
import { usePostgres } from '../../pg/shared-postgres.js'
import { capturingLog } from '../pg/pg-test-kit.js'

/**
 * The PostgreSQL databases of the suite sort text as English does by default (ICU `en-US`:
 * `a < ä < B`), as a managed PostgreSQL usually does, so the byte-order cases prove that the
 * repositories compare and sort paths and names as SQLite does whatever the locale.
 */
const ENGLISH_COLLATION = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'"

/** One engine under test. */
export interface Engine {
  name: 'sqlite' | 'postgresql'
  /** A fresh migrated store, closed at the end of `t`. */
  open: (t: Test) => Promise<Store>
}

/** Connection settings of a PostgreSQL test store (`replica` names it in pg_stat_activity). */
export function pgSettings (url: string, replica = 'contract', maxParallel = 4) {
  return { connectionUrl: url, maxParallel, replica }
}

/** The engines available here (SQLite always; PostgreSQL when installed). Call at the top of a file. */
export async function contractEngines (t: Test): Promise<Engine[]> {
  const engines: Engine[] = [{
    name: 'sqlite',
    open: async (t) => {
      const store = createSqliteStore(openDatabase(join(tempDir(t), 'contract.db')))
      t.teardown(() => store.close())
      return store
    }
  }]
  const pg = await usePostgres(t)
  if (pg !== undefined) {
    engines.push({
      name: 'postgresql',
      open: async (t) => {
        const url = await pg.another(ENGLISH_COLLATION)
        await migratePostgres(pgSettings(url))
        const store = openPgStore(pgSettings(url), capturingLog().log)
        t.teardown(() => store.close())
        return store
      }
    })
  }
  return engines
}

/** Defines `name` once per engine (`<engine>: <name>`), each with a fresh store. */
export function contract (t: Test, engines: Engine[], name: string, body: (t: Test, store: Store) => Promise<void>): void {
  for (const e of engines) t.test(`${e.name}: ${name}`, async (t) => { await body(t, await e.open(t)) })
}

/** A KV v2 mount row `kv_1` at `secret/`. */
export function mountRow (over: Partial<MountRow> = {}): MountRow {
  return {
    accessor: 'kv_1', path: 'secret/', type: 'kv', uuid: 'u-1', description: '', options: '{"version":"2"}', config: '{}',
    local: 0, seal_wrap: 0, external_entropy_access: 0, builtin: 0, ...over
  }
}

/** A live destination row `d1` (azure-kv/one). */
export function destinationRow (over: Partial<DestinationRow> = {}): DestinationRow {
  return {
    id: 'd1', type: 'azure-kv', name: 'one', connection: '{"key_vault_uri":"https://one.vault.azure.net"}',
    sealed_secrets: Buffer.from([1, 2, 3]), options: '{}', created_at: 1, updated_at: 1, purge_state: null,
    purge_initiated_at: null, purge_error: null, deleted_at: null, ...over
  }
}

/** An association `id` of `d1` on `kv_1/<id>`. */
export function associationRow (id: string, over: Partial<AssociationRow> = {}): AssociationRow {
  return {
    id, destination_id: 'd1', accessor: 'kv_1', mount_path: 'secret/', secret_path: id, granularity: 'secret-path',
    name_template: '{{ .SecretPath }}', removed: 0, status: 'PENDING', message: null, created_at: 1, updated_at: 1, ...over
  }
}

/** Inserts the mount `kv_1` and destination `d1`, and associations `ids`. */
export async function seed (repos: Repositories, ids: string[] = []): Promise<AssociationRow[]> {
  await repos.mounts.insert(mountRow())
  await repos.destinations.insert(destinationRow())
  const rows = ids.map((id) => associationRow(id))
  for (const r of rows) await repos.associations.insert(r)
  return rows
}

/**
 * One "write the next version" unit of work, as the KV service does it: lock the key's
 * metadata, compute version current + 1, save metadata and the version. Resolves the version.
 */
export async function writeNextVersion (store: Store, accessor: string, path: string, data: Buffer): Promise<number> {
  return await store.transaction(async (r) => {
    const md = await r.kv.metadataForUpdate(accessor, path)
    const version = (md?.current_version ?? 0) + 1
    const t = 1_700_000_000_000_000 + version
    await r.kv.upsertMetadata({
      accessor, path, current_version: version, oldest_version: md?.oldest_version ?? 1, created_time: md?.created_time ?? t,
      updated_time: t, max_versions: 0, cas_required: 0, delete_version_after: 0, custom_metadata: null
    })
    await r.kv.insertVersion(accessor, path, { version, created_time: t, deletion_time: null, destroyed: 0 }, data)
    return version
  })
}

/** A check-and-set write: succeeds (resolves true) only when the key's current version is `cas`. */
export async function casWrite (store: Store, accessor: string, path: string, cas: number): Promise<boolean> {
  return await store.transaction(async (r) => {
    const md = await r.kv.metadataForUpdate(accessor, path)
    if ((md?.current_version ?? 0) !== cas) return false
    const t = 1_700_000_000_000_000
    await r.kv.upsertMetadata({
      accessor, path, current_version: cas + 1, oldest_version: 1, created_time: md?.created_time ?? t, updated_time: t,
      max_versions: 0, cas_required: 1, delete_version_after: 0, custom_metadata: null
    })
    await r.kv.insertVersion(accessor, path, { version: cas + 1, created_time: t, deletion_time: null, destroyed: 0 }, Buffer.from('x'))
    return true
  })
}
