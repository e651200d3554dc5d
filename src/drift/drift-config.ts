/**
 * The global drift settings (issue 21), read from these variables by `src/config.ts` (the
 * `-config` file's `sync` stanza maps onto the same variables, src/config/config-keys.ts;
 * round2.md R2-4):
 * - `VAULT_SYNC_DRIFT_MODE`: `off`, `detect` (default) or `repair`;
 * - `VAULT_SYNC_DRIFT_INTERVAL`: time between two sweeps of a destination (Go duration, >= 1m; default 1h);
 * - `VAULT_SYNC_DRIFT_REPAIR_MISSING`: repair re-creates secrets missing remotely (default false);
 * - `VAULT_SYNC_DRIFT_BUDGET_PERCENT`: share of a vault's call budget drift may use, 1-50 (default 10);
 * - `VAULT_SYNC_DRIFT_MAX_CALLS`: most calls of one sweep of one destination (default 2,400);
 * - `VAULT_SYNC_DRIFT_PAGE_SIZE`: LIST page size asked for, 1-25 (default 25).
 * Destinations override mode, interval and repair_missing on `sys/sync-ext/destinations/:type/:name/drift`.
 */
import { DEFAULT_DRIFT_SETTINGS, type DriftSettings } from './drift-settings.js'

/** The global settings and the sweep's own limits. */
export interface DriftConfig extends DriftSettings {
  /** Most calls (LIST pages and reads) of one sweep of one destination. */
  maxCallsPerSweep: number
  /** LIST page size asked for, 1..25. */
  pageSize: number
}

/** Defaults of {@link DriftConfig}. */
export const DEFAULT_DRIFT_CONFIG: Readonly<DriftConfig> = Object.freeze({ ...DEFAULT_DRIFT_SETTINGS, maxCallsPerSweep: 2_400, pageSize: 25 })
