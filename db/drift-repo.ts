/**
 * Per-destination drift rows (`destination_drift`, issue 21): the destination's override of the
 * global drift settings (JSON of `DriftOverride`, set on `sys/sync-ext/destinations/:type/:name/drift`),
 * when it was last swept (epoch ms) and that sweep's summary (JSON, never a value or digest).
 * A row exists only once a destination was overridden or swept; it goes with its destination.
 * The per-target evidence and findings live on `association_targets` (associations-repo.ts).
 */
import type { Db } from './database.js'

export interface DestinationDriftRow {
  destination_id: string
  /** JSON object of the override's fields (`{}`: none). */
  override: string
  last_sweep_at: number | null
  /** JSON of the last sweep's summary, or null. */
  last_result: string | null
}

export interface DriftRepo {
  get: (destinationId: string) => DestinationDriftRow | undefined
  /** Every row (the scheduler's read, one per destination at most). */
  all: () => DestinationDriftRow[]
  /** Sets the override (JSON), keeping the sweep columns. */
  setOverride: (destinationId: string, override: string) => void
  /** Records a sweep (epoch ms) and its summary (JSON), keeping the override. */
  setSweep: (destinationId: string, at: number, result: string) => void
}

/** Prepared statements over `destination_drift`. */
export function createDriftRepo (db: Db): DriftRepo {
  const get = db.prepare<[string], DestinationDriftRow>('SELECT * FROM destination_drift WHERE destination_id = ?')
  const all = db.prepare<[], DestinationDriftRow>('SELECT * FROM destination_drift')
  const setOverride = db.prepare(`INSERT INTO destination_drift (destination_id, override) VALUES (?, ?)
    ON CONFLICT (destination_id) DO UPDATE SET override = excluded.override`)
  const setSweep = db.prepare(`INSERT INTO destination_drift (destination_id, last_sweep_at, last_result) VALUES (?, ?, ?)
    ON CONFLICT (destination_id) DO UPDATE SET last_sweep_at = excluded.last_sweep_at, last_result = excluded.last_result`)
  return {
    get: (d) => get.get(d),
    all: () => all.all(),
    setOverride: (d, o) => { setOverride.run(d, o) },
    setSweep: (d, at, r) => { setSweep.run(d, at, r) }
  }
}
