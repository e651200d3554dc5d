/**
 * What is stored per destination about drift (issue 21, `destination_drift`): the override of
 * the global settings (JSON of `DriftOverride`) and the summary of the last sweep. Parsing is
 * lenient about stored JSON (a damaged row reads as no override), never about requests
 * (drift-settings.ts `parseDriftOverride` answers 400s).
 */
import { DRIFT_MODES, type DriftOverride } from './drift-settings.js'
import type { DriftState } from './drift-types.js'

/** The summary of one sweep of one destination (no names, values or digests). */
export interface SweepSummary {
  /** When the round began, epoch ms. */
  at: number
  /** The LIST was read to its end. */
  complete: boolean
  list_calls: number
  /** GETs of suspects. */
  reads: number
  /** Written targets of live associations. */
  targets: number
  /** Targets given a finding. */
  checked: number
  /** Targets without evidence (written before drift evidence existed) or with sync work queued. */
  skipped: number
  /** Suspects left for the next round (call budget spent). */
  deferred: number
  /** Associations queued for repair (repair mode). */
  repairs_queued: number
  /** Findings per state. */
  states: Partial<Record<DriftState, number>>
  /** Why the round failed, or null. */
  error: string | null
}

/** The stored override, or `{}` when absent or unreadable. */
export function parseStoredOverride (json: string | undefined): DriftOverride {
  if (json === undefined) return {}
  try {
    const o = JSON.parse(json) as Record<string, unknown>
    const out: DriftOverride = {}
    if (typeof o.mode === 'string' && (DRIFT_MODES as readonly string[]).includes(o.mode)) out.mode = o.mode as DriftOverride['mode']
    if (typeof o.intervalMs === 'number' && o.intervalMs > 0) out.intervalMs = o.intervalMs
    if (typeof o.repairMissing === 'boolean') out.repairMissing = o.repairMissing
    return out
  } catch {
    return {}
  }
}

/** The stored summary, or null. */
export function parseSummary (json: string | null | undefined): SweepSummary | null {
  if (json == null) return null
  try { return JSON.parse(json) as SweepSummary } catch { return null }
}
