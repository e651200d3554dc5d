/**
 * Drift settings (issue 21): the mode (`off`, `detect` — the default — or `repair`), the sweep
 * interval, whether repair may re-create a missing secret, and the share of a vault's call budget
 * drift may use (default 10 %, so sync traffic always wins). Set globally in the configuration and
 * overridden per destination on the extension path `sys/sync-ext/destinations/:type/:name/drift`
 * (Vault's destination schema has no such fields; round2.md R2-2). Pure: parsing and decisions only.
 */
import { formatGoDuration } from '../vault/duration.js'
import { badRequest } from '../vault/errors.js'
import { decodeBool, decodeString } from '../vault/field-decode.js'
import { decodeDuration } from '../vault/field-decode.js'
import type { DriftFinding } from './drift-types.js'

/** The modes: no sweeps; sweeps that only report; sweeps whose findings enqueue repair jobs. */
export const DRIFT_MODES = ['off', 'detect', 'repair'] as const
export type DriftMode = typeof DRIFT_MODES[number]

/** Effective drift settings of one destination. */
export interface DriftSettings {
  mode: DriftMode
  /** Time between two sweeps of a destination, ms (>= 1 minute). */
  intervalMs: number
  /** Re-create a secret missing remotely (otherwise it is only reported). */
  repairMissing: boolean
  /** Share of the vault's per-window "other" call budget drift may use, 0 < share <= 0.5. */
  budgetShare: number
}

/** A destination's override: only the fields it sets. */
export type DriftOverride = Partial<Pick<DriftSettings, 'mode' | 'intervalMs' | 'repairMissing'>>

/** Defaults: detect, one sweep an hour, missing secrets reported only, 10 % of the budget. */
export const DEFAULT_DRIFT_SETTINGS: Readonly<DriftSettings> = Object.freeze({ mode: 'detect', intervalMs: 3_600_000, repairMissing: false, budgetShare: 0.1 })

/** The shortest sweep interval, ms. */
export const MIN_DRIFT_INTERVAL_MS = 60_000

/** The request fields of the per-destination drift endpoint. */
export const DRIFT_OVERRIDE_FIELDS: ReadonlySet<string> = new Set(['mode', 'interval', 'repair_missing'])

/**
 * Decodes a per-destination override from a request body (`mode`, `interval` as a Vault duration
 * or seconds, `repair_missing` as a Vault bool); absent fields stay unset.
 * @throws VaultError 400 naming the field.
 */
export function parseDriftOverride (body: Record<string, unknown>): DriftOverride {
  const out: DriftOverride = {}
  const mode = decodeString(body.mode, 'mode')
  if (mode !== undefined) {
    if (!(DRIFT_MODES as readonly string[]).includes(mode)) throw badRequest(`mode: invalid value ${JSON.stringify(mode)}: must be "off", "detect" or "repair"`)
    out.mode = mode as DriftMode
  }
  const seconds = decodeDuration(body.interval, 'interval', false)
  if (seconds !== undefined) {
    if (seconds * 1000 < MIN_DRIFT_INTERVAL_MS) throw badRequest(`interval: must be at least ${formatGoDuration(MIN_DRIFT_INTERVAL_MS / 1000)}`)
    out.intervalMs = seconds * 1000
  }
  const repairMissing = decodeBool(body.repair_missing, 'repair_missing')
  if (repairMissing !== undefined) out.repairMissing = repairMissing
  return out
}

/** The global settings with a destination's override on top. */
export function effectiveDriftSettings (global: Readonly<DriftSettings>, override: DriftOverride = {}): DriftSettings {
  return { ...global, ...override }
}

/** The wire view of effective settings (`interval` as a Go duration, as Vault prints durations). */
export function driftSettingsView (s: Readonly<DriftSettings>): { mode: DriftMode, interval: string, repair_missing: boolean } {
  return { mode: s.mode, interval: formatGoDuration(s.intervalMs / 1000), repair_missing: s.repairMissing }
}

/**
 * Drift's calls per window for a vault whose client-side limit is `othersPerWindow` calls per
 * window (azure-kv-limits.ts): at least 1.
 */
export function driftCallsPerWindow (s: Readonly<DriftSettings>, othersPerWindow: number): number {
  return Math.max(1, Math.floor(othersPerWindow * s.budgetShare))
}

/**
 * What a round does with a finding under the mode: `enqueue` an ordinary repair job (it still
 * passes every gate), `record` the new remote version/time as evidence (no Azure call), or
 * `report` only. `off` never sweeps, so it reports nothing.
 */
export function decideRepair (s: Readonly<DriftSettings>, f: DriftFinding): 'enqueue' | 'record' | 'report' | 'nothing' {
  if (s.mode === 'off') return 'nothing'
  const kind = f.action.kind
  if (kind === 'none') return f.state === 'in-sync' ? 'nothing' : 'report'
  // Refreshing evidence is bookkeeping, not repair: detect mode does it too, so a benign rewrite stops being a suspect.
  if (kind === 'refresh-evidence') return 'record'
  return s.mode === 'repair' ? 'enqueue' : 'report'
}
