/**
 * The global drift settings from the environment (issue 21; the `-config` file's `sync` stanza
 * maps onto the same variables, src/config/config-keys.ts; round2.md R2-4):
 * - `VAULT_SYNC_DRIFT_MODE`: `off`, `detect` (default) or `repair`;
 * - `VAULT_SYNC_DRIFT_INTERVAL`: time between two sweeps of a destination (Go duration, >= 1m; default 1h);
 * - `VAULT_SYNC_DRIFT_REPAIR_MISSING`: repair re-creates secrets missing remotely (default false);
 * - `VAULT_SYNC_DRIFT_BUDGET_PERCENT`: share of a vault's call budget drift may use, 1-50 (default 10);
 * - `VAULT_SYNC_DRIFT_MAX_CALLS`: most calls of one sweep of one destination (default 2,400);
 * - `VAULT_SYNC_DRIFT_PAGE_SIZE`: LIST page size asked for, 1-25 (default 25).
 * Destinations override mode, interval and repair_missing on `sys/sync-ext/destinations/:type/:name/drift`.
 */
import { parseDurationMs } from '../vault/duration.js'
import { DEFAULT_DRIFT_SETTINGS, DRIFT_MODES, MIN_DRIFT_INTERVAL_MS, type DriftMode, type DriftSettings } from './drift-settings.js'

/** The global settings and the sweep's own limits. */
export interface DriftConfig extends DriftSettings {
  /** Most calls (LIST pages and reads) of one sweep of one destination. */
  maxCallsPerSweep: number
  /** LIST page size asked for, 1..25. */
  pageSize: number
}

/** Defaults of {@link DriftConfig}. */
export const DEFAULT_DRIFT_CONFIG: Readonly<DriftConfig> = Object.freeze({ ...DEFAULT_DRIFT_SETTINGS, maxCallsPerSweep: 2_400, pageSize: 25 })

/**
 * Reads the variables above from `env`; `fail(variable, message)` throws (config.ts passes one
 * that throws its `ConfigError`).
 */
export function driftConfigFromEnv (env: Readonly<Record<string, string | undefined>>, fail: (variable: string, message: string) => never): DriftConfig {
  const raw = (v: string): string | undefined => (env[v] === undefined || env[v] === '' ? undefined : env[v]!.trim())
  const int = (v: string, min: number, max: number, fallback: number): number => {
    const s = raw(v)
    if (s === undefined) return fallback
    if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) fail(v, `"${s}" is not an integer from ${min} to ${max}`)
    return Number(s)
  }
  const mode = raw('VAULT_SYNC_DRIFT_MODE') ?? DEFAULT_DRIFT_SETTINGS.mode
  if (!(DRIFT_MODES as readonly string[]).includes(mode)) fail('VAULT_SYNC_DRIFT_MODE', `"${mode}" is not one of off, detect, repair`)
  let intervalMs = DEFAULT_DRIFT_SETTINGS.intervalMs
  const interval = raw('VAULT_SYNC_DRIFT_INTERVAL')
  if (interval !== undefined) {
    try { intervalMs = parseDurationMs(interval, { nonNegative: true }) } catch (err) { fail('VAULT_SYNC_DRIFT_INTERVAL', `"${interval}" is not a duration (${(err as Error).message})`) }
    if (intervalMs < MIN_DRIFT_INTERVAL_MS) fail('VAULT_SYNC_DRIFT_INTERVAL', `"${interval}" is shorter than 1m`)
  }
  const missing = raw('VAULT_SYNC_DRIFT_REPAIR_MISSING')?.toLowerCase()
  let repairMissing = DEFAULT_DRIFT_SETTINGS.repairMissing
  if (missing !== undefined) {
    if (['1', 'true', 'on', 'yes'].includes(missing)) repairMissing = true
    else if (['0', 'false', 'off', 'no'].includes(missing)) repairMissing = false
    else fail('VAULT_SYNC_DRIFT_REPAIR_MISSING', `"${missing}" is not a boolean (true/false, on/off)`)
  }
  return {
    mode: mode as DriftMode,
    intervalMs,
    repairMissing,
    budgetShare: int('VAULT_SYNC_DRIFT_BUDGET_PERCENT', 1, 50, DEFAULT_DRIFT_SETTINGS.budgetShare * 100) / 100,
    maxCallsPerSweep: int('VAULT_SYNC_DRIFT_MAX_CALLS', 3, 100_000, DEFAULT_DRIFT_CONFIG.maxCallsPerSweep),
    pageSize: int('VAULT_SYNC_DRIFT_PAGE_SIZE', 1, 25, DEFAULT_DRIFT_CONFIG.pageSize)
  }
}
