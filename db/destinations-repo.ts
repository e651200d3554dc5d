/**
 * Sync destination rows (`destinations`). A destination is keyed by a UUID `id`; its
 * `(type, name)` is unique among live rows only, so a destination hidden by a DELETE while its
 * unsyncs settle (decisions D-2, `deleted_at` set) frees its name at once.
 *
 * `connection` and `options` are JSON objects owned by the destination's driver;
 * `sealed_secrets` is the sealed JSON of its secret fields (never plain text). Times are epoch ms.
 */
import type { Db } from './database.js'

export interface DestinationRow {
  id: string
  type: string
  name: string
  /** JSON object: the driver's non-secret connection fields. */
  connection: string
  /** Sealed JSON object of the secret fields (`client_secret`), or null when none is stored. */
  sealed_secrets: Buffer | null
  /** JSON object: the driver's options (granularity, template, tags, networking). */
  options: string
  created_at: number
  updated_at: number
  purge_state: 'purging' | 'purge_failed' | null
  purge_initiated_at: number | null
  purge_error: string | null
  deleted_at: number | null
  /**
   * The destination's store as its driver names it (`endpointKey`, e.g. a Key Vault's origin;
   * never a secret), recorded by the worker (issue 18: work is owned per vault); null until then.
   */
  vault_key?: string | null
}

export interface DestinationsRepo {
  /** The live (not hidden) destination of that type and name. */
  live: (type: string, name: string) => DestinationRow | undefined
  byId: (id: string) => DestinationRow | undefined
  /** Every live destination, ordered by type then name (byte order). */
  allLive: () => DestinationRow[]
  insert: (row: DestinationRow) => void
  /** Rewrites connection, secrets and options of `row.id`. */
  update: (row: Pick<DestinationRow, 'id' | 'connection' | 'sealed_secrets' | 'options' | 'updated_at'>) => void
  setPurge: (id: string, state: DestinationRow['purge_state'], initiatedAt: number | null, error: string | null) => void
  /** Hides the destination from reads and lists (D-2); the row stays until its unsyncs settle. */
  hide: (id: string, at: number) => void
  /** Deletes the row; its associations, targets and outbox rows go with it (cascade). */
  delete: (id: string) => void
  /** Records the destination's vault key (issue 18); true when it changed. */
  setVaultKey: (id: string, vaultKey: string | null) => boolean
}

/** Prepared statements over `destinations`. */
export function createDestinationsRepo (db: Db): DestinationsRepo {
  const live = db.prepare<[string, string], DestinationRow>(
    'SELECT * FROM destinations WHERE type = ? AND name = ? AND deleted_at IS NULL')
  const byId = db.prepare<[string], DestinationRow>('SELECT * FROM destinations WHERE id = ?')
  const allLive = db.prepare<[], DestinationRow>(
    'SELECT * FROM destinations WHERE deleted_at IS NULL ORDER BY type COLLATE BINARY, name COLLATE BINARY')
  const insert = db.prepare(`INSERT INTO destinations (id, type, name, connection, sealed_secrets, options,
    created_at, updated_at, purge_state, purge_initiated_at, purge_error, deleted_at) VALUES (@id, @type, @name,
    @connection, @sealed_secrets, @options, @created_at, @updated_at, @purge_state, @purge_initiated_at,
    @purge_error, @deleted_at)`)
  const update = db.prepare(`UPDATE destinations SET connection = @connection, sealed_secrets = @sealed_secrets,
    options = @options, updated_at = @updated_at WHERE id = @id`)
  const setPurge = db.prepare('UPDATE destinations SET purge_state = ?, purge_initiated_at = ?, purge_error = ? WHERE id = ?')
  const hide = db.prepare('UPDATE destinations SET deleted_at = ? WHERE id = ?')
  const del = db.prepare('DELETE FROM destinations WHERE id = ?')
  const setVaultKey = db.prepare('UPDATE destinations SET vault_key = ? WHERE id = ? AND vault_key IS NOT ?')
  return {
    live: (type, name) => live.get(type, name),
    byId: (id) => byId.get(id),
    allLive: () => allLive.all(),
    insert: (row) => { insert.run(row) },
    update: (row) => { update.run(row) },
    setPurge: (id, state, initiatedAt, error) => { setPurge.run(state, initiatedAt, error, id) },
    hide: (id, at) => { hide.run(at, id) },
    delete: (id) => { del.run(id) },
    setVaultKey: (id, vaultKey) => setVaultKey.run(vaultKey, id, vaultKey).changes > 0
  }
}
