/** Mount table rows (`mounts`). Paths are stored with a trailing `/` (`secret/`). */
import type { Db } from './database.js'

export interface MountRow {
  accessor: string
  path: string
  type: string
  uuid: string
  description: string
  /** JSON string map, or null (built-in mounts). */
  options: string | null
  /** JSON object of the mount's config. */
  config: string
  local: number
  seal_wrap: number
  external_entropy_access: number
  builtin: number
}

export interface MountsRepo {
  all: () => MountRow[]
  byPath: (path: string) => MountRow | undefined
  byAccessor: (accessor: string) => MountRow | undefined
  insert: (row: MountRow) => void
  updateTune: (accessor: string, description: string, config: string, options: string | null) => void
  /**
   * Moves the mount to `path` (trailing `/`; Vault's remount, `src/mounts/remount.ts`): its
   * accessor, uuid, config and data (keyed by accessor) stay.
   */
  updatePath: (accessor: string, path: string) => void
  deleteByAccessor: (accessor: string) => void
  /**
   * Inside a transaction: no other transaction adds or removes a mount until this one ends, so a
   * path checked against `all()` afterwards stays free until the insert commits (Vault refuses
   * overlapping mount paths; the unique index only stops an identical one). SQLite: nothing to
   * do (a unit of work holds the database's one write lock from BEGIN IMMEDIATE); PostgreSQL: a
   * transaction-scoped advisory lock. Outside a transaction it holds nothing.
   */
  lockTable: () => void
}

/** Prepared statements over `mounts`. */
export function createMountsRepo (db: Db): MountsRepo {
  const all = db.prepare<[], MountRow>('SELECT * FROM mounts ORDER BY path')
  const byPath = db.prepare<[string], MountRow>('SELECT * FROM mounts WHERE path = ?')
  const byAccessor = db.prepare<[string], MountRow>('SELECT * FROM mounts WHERE accessor = ?')
  const insert = db.prepare(`INSERT INTO mounts (accessor, path, type, uuid, description, options, config, local,
    seal_wrap, external_entropy_access, builtin) VALUES (@accessor, @path, @type, @uuid, @description, @options,
    @config, @local, @seal_wrap, @external_entropy_access, @builtin)`)
  const tune = db.prepare('UPDATE mounts SET description = ?, config = ?, options = ? WHERE accessor = ?')
  const move = db.prepare('UPDATE mounts SET path = ? WHERE accessor = ?')
  const del = db.prepare('DELETE FROM mounts WHERE accessor = ?')
  return {
    all: () => all.all(),
    byPath: (p) => byPath.get(p),
    byAccessor: (a) => byAccessor.get(a),
    insert: (row) => { insert.run(row) },
    updateTune: (a, d, c, o) => { tune.run(d, c, o, a) },
    updatePath: (a, p) => { move.run(p, a) },
    deleteByAccessor: (a) => { del.run(a) },
    lockTable: () => {}
  }
}
