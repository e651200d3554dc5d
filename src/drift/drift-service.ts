/**
 * The drift extension's read and settings side (issue 21; routes under
 * `sys/sync-ext/destinations/:type/:name/...`, round2.md R2-2): the effective settings of a
 * destination and its override (`.../drift`), the plan (`.../plan`: per written target its state,
 * recorded and remote version and time and the action repair would take, from the last sweep's
 * findings; never a value or a digest), and the per-destination summary the extension status
 * shows. Reads the database only: a route never calls Azure, so the plan costs no Azure call and
 * stays within any drift budget; sweeps run in the worker process (drift-runner.ts).
 */
import type { DriftTargetRow } from '../../db/associations-repo.js'
import type { DestinationRow } from '../../db/destinations-repo.js'
import type { DriftRepo } from '../../db/drift-repo.js'
import type { DestinationService } from '../sync/destination-service.js'
import { normalizeMount } from '../sync/association-service.js'
import { badRequest, notFound } from '../vault/errors.js'
import { decodeString } from '../vault/field-decode.js'
import { vaultTime } from '../vault/time.js'
import type { DriftConfig } from './drift-config.js'
import { driftSettingsView, effectiveDriftSettings, parseDriftOverride, type DriftOverride } from './drift-settings.js'
import { parseStoredOverride, parseSummary, type SweepSummary } from './drift-summary.js'
import type { DriftState, StoredFinding } from './drift-types.js'
import { planEntry, type DriftPlanEntry } from './plan-view.js'

export interface DriftServiceDeps {
  drift: DriftRepo
  /** Written targets of a destination's live associations (associations-repo.ts). */
  targetsOf: (destinationId: string) => DriftTargetRow[]
  destinations: Pick<DestinationService, 'find'>
  /** Global settings (config.ts `drift`). */
  config: Readonly<DriftConfig>
  /** Whether the destination type can be swept (its driver has `drift`). */
  sweepable: (type: string) => boolean
}

const STATES: DriftState[] = ['in-sync', 'drifted-metadata', 'drifted-value', 'remote-missing', 'ownership-lost']

/** The settings view of `.../drift`. */
export interface DriftSettingsResponse {
  mode: string
  interval: string
  repair_missing: boolean
  /** The fields this destination overrides (the rest come from the server configuration). */
  overridden: string[]
  supported: boolean
}

/** One target of the plan: the entry and where it comes from. */
export type PlanTarget = DriftPlanEntry & { mount: string, secret_name: string, sub_key: string, checked_at: string }

/** A written target without a finding yet, and why. */
export interface UncheckedTarget { name: string, mount: string, secret_name: string, sub_key: string, reason: string }

export interface DriftPlan {
  mode: string
  last_sweep_at: string | null
  /** The last sweep read the whole LIST. */
  complete: boolean
  targets: PlanTarget[]
  unchecked: UncheckedTarget[]
}

/** The drift block of one destination in `sys/sync-ext/status`. */
export interface DriftStatus {
  mode: string
  last_sweep_at: string | null
  /** Targets whose last finding is not in-sync. */
  drifted: number
  states: Record<DriftState, number>
  error: string | null
}

const OVERRIDE_KEYS: Record<keyof DriftOverride, string> = { mode: 'mode', intervalMs: 'interval', repairMissing: 'repair_missing' }

/** Creates the service. */
export function createDriftService (deps: DriftServiceDeps) {
  function destination (type: string, name: string): DestinationRow {
    const { row } = deps.destinations.find(type, name)
    if (row === undefined) throw notFound()
    return row
  }
  const overrideOf = (id: string): DriftOverride => parseStoredOverride(deps.drift.get(id)?.override)
  const settingsOf = (row: DestinationRow): DriftSettingsResponse => {
    const o = overrideOf(row.id)
    return {
      ...driftSettingsView(effectiveDriftSettings(deps.config, o)),
      overridden: (Object.keys(o) as Array<keyof DriftOverride>).map((k) => OVERRIDE_KEYS[k]).sort(),
      supported: deps.sweepable(row.type)
    }
  }
  const findingOf = (t: DriftTargetRow): StoredFinding | undefined => (t.drift_finding === null ? undefined : JSON.parse(t.drift_finding) as StoredFinding)

  return {
    /** `GET .../drift`. @throws VaultError 404 (no such destination; unknown type: unsupported path). */
    settings: (type: string, name: string): DriftSettingsResponse => settingsOf(destination(type, name)),

    /**
     * `POST|PUT .../drift`: sets the fields given (`mode`, `interval`, `repair_missing`) on top of
     * the stored override. @throws VaultError 400 naming the field; 404.
     */
    update (type: string, name: string, body: Record<string, unknown>): DriftSettingsResponse {
      const row = destination(type, name)
      const next = { ...overrideOf(row.id), ...parseDriftOverride(body) }
      deps.drift.setOverride(row.id, JSON.stringify(next))
      return settingsOf(row)
    },

    /** `DELETE .../drift`: back to the server's settings. @throws VaultError 404. */
    reset (type: string, name: string): void {
      deps.drift.setOverride(destination(type, name).id, '{}')
    },

    /**
     * `GET .../plan`, optionally for one secret (`mount` and `secret_name` together).
     * @throws VaultError 400 when only one of them is given; 404.
     */
    plan (type: string, name: string, query: Record<string, unknown>): DriftPlan {
      const row = destination(type, name)
      const mount = decodeString(query.mount, 'mount')
      const secret = decodeString(query.secret_name, 'secret_name')
      if ((mount === undefined) !== (secret === undefined)) throw badRequest(mount === undefined ? 'mount: required with secret_name' : 'secret_name: required with mount')
      const wanted = mount === undefined ? undefined : { mount: `${normalizeMount(mount)}/`, secret: secret!.replace(/^\/+/, '') }
      const stored = deps.drift.get(row.id)
      const summary: SweepSummary | null = parseSummary(stored?.last_result)
      const plan: DriftPlan = {
        mode: settingsOf(row).mode,
        last_sweep_at: stored?.last_sweep_at == null ? null : vaultTime(stored.last_sweep_at),
        complete: summary?.complete ?? false,
        targets: [],
        unchecked: []
      }
      for (const t of deps.targetsOf(row.id)) {
        if (wanted !== undefined && (t.mount_path !== wanted.mount || t.secret_path !== wanted.secret)) continue
        const where = { mount: t.mount_path.replace(/\/$/, ''), secret_name: t.secret_path, sub_key: t.sub_key }
        const f = findingOf(t)
        if (f !== undefined) plan.targets.push({ ...planEntry(t.external_name, f), ...where, checked_at: vaultTime(f.checkedAt) })
        else plan.unchecked.push({ name: t.external_name, ...where, reason: t.drift_evidence === null ? 'no evidence recorded: written before drift detection, or not written since' : 'not swept since its last write' })
      }
      return plan
    },

    /** The status block of destination `row`. */
    status (row: Pick<DestinationRow, 'id' | 'type'>): DriftStatus {
      const stored = deps.drift.get(row.id)
      const states = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<DriftState, number>
      for (const t of deps.targetsOf(row.id)) {
        const f = findingOf(t)
        if (f !== undefined) states[f.state]++
      }
      return {
        mode: deps.sweepable(row.type) ? effectiveDriftSettings(deps.config, overrideOf(row.id)).mode : 'off',
        last_sweep_at: stored?.last_sweep_at == null ? null : vaultTime(stored.last_sweep_at),
        drifted: STATES.filter((s) => s !== 'in-sync').reduce((n, s) => n + states[s], 0),
        states,
        error: parseSummary(stored?.last_result)?.error ?? null
      }
    }
  }
}

export type DriftService = ReturnType<typeof createDriftService>
