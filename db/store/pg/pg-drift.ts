/**
 * Per-destination drift rows on PostgreSQL (`DriftRepository`; the SQLite twin is
 * `db/drift-repo.ts`, issue 21): the override of the global drift settings and the last sweep.
 * Both writes are one upsert each, so replicas setting an override and recording a sweep at
 * once keep each other's columns.
 */
import type { DestinationDriftRow } from '../../drift-repo.js'
import type { DriftRepository } from '../repositories.js'
import { statement, type Sql } from './pg-sql.js'

const S = {
  get: statement('drift_get', 'SELECT * FROM destination_drift WHERE destination_id = $1'),
  all: statement('drift_all', 'SELECT * FROM destination_drift ORDER BY destination_id COLLATE "C"'),
  setOverride: statement('drift_set_override', `INSERT INTO destination_drift (destination_id, override) VALUES ($1, $2)
    ON CONFLICT (destination_id) DO UPDATE SET override = excluded.override`),
  setSweep: statement('drift_set_sweep', `INSERT INTO destination_drift (destination_id, last_sweep_at, last_result) VALUES ($1, $2, $3)
    ON CONFLICT (destination_id) DO UPDATE SET last_sweep_at = excluded.last_sweep_at, last_result = excluded.last_result`)
}

/** The drift repository over `sql`. */
export function pgDriftRepository (sql: Sql): DriftRepository {
  return {
    get: async (d) => await sql.one<DestinationDriftRow>(S.get, [d]),
    all: async () => await sql.all<DestinationDriftRow>(S.all),
    setOverride: async (d, o) => { await sql.run(S.setOverride, [d, o]) },
    setSweep: async (d, at, r) => { await sql.run(S.setSweep, [d, at, r]) }
  }
}
