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
import type { DriftRepository, Store } from '../../db/store/repositories.js'
import type { DestinationService } from '../sync/destination-service.js'
import { normalizeMount } from '../sync/association-target.js'
import { badRequest, notFound } from '../vault/errors.js'
import { decodeString } from '../vault/field-decode.js'
import { vaultTime } from '../vault/time.js'
import type { DriftConfig } from './drift-config.js'
import { driftSettingsView, effectiveDriftSettings, parseDriftOverride, type DriftOverride } from './drift-settings.js'
import { parseStoredOverride, parseSummary, type SweepSummary } from './drift-summary.js'
import type { DriftState, StoredFinding } from './drift-types.js'
import { planEntry, type DriftPlanEntry } from './plan-view.js'

export interface DriftServiceDeps {
  /** Drift overrides and sweeps (`repos.drift`) and written targets (`repos.associations.driftTargetsOfDestination`) through it. */
  store: Store
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
  const { store } = deps
  const targetsOf = async (destinationId: string): Promise<DriftTargetRow[]> => await store.repos.associations.driftTargetsOfDestination(destinationId)
  async function destination (type: string, name: string): Promise<DestinationRow> {
    const { row } = await deps.destinations.find(type, name)
    if (row === undefined) throw notFound()
    return row
  }
  const overrideOf = async (id: string, drift: DriftRepository = store.repos.drift): Promise<DriftOverride> => parseStoredOverride((await drift.get(id))?.override)
  const settingsFrom = (row: DestinationRow, o: DriftOverride): DriftSettingsResponse => {
    return {
      ...driftSettingsView(effectiveDriftSettings(deps.config, o)),
      overridden: (Object.keys(o) as Array<keyof DriftOverride>).map((k) => OVERRIDE_KEYS[k]).sort(),
      supported: deps.sweepable(row.type)
    }
  }
  const findingOf = (t: DriftTargetRow): StoredFinding | undefined => (t.drift_finding === null ? undefined : JSON.parse(t.drift_finding) as StoredFinding)

  return {
    /** `GET .../drift`. @throws VaultError 404 (no such destination; unknown type: unsupported path). */
    settings: async (type: string, name: string): Promise<DriftSettingsResponse> => {
      const row = await destination(type, name)
      return settingsFrom(row, await overrideOf(row.id))
    },

    /**
     * `POST|PUT .../drift`: sets the fields given (`mode`, `interval`, `repair_missing`) on top of
     * the stored override, in one unit of work that starts by locking the destination row
     * (`liveForUpdate`), so concurrent updates on several replicas lose no field.
     * @throws VaultError 400 naming the field; 404.
     */
    async update (type: string, name: string, body: Record<string, unknown>): Promise<DriftSettingsResponse> {
      await destination(type, name) // 404 first, as before any field is judged
      const fields = parseDriftOverride(body)
      return await store.transaction(async ({ destinations, drift }) => {
        const row = await destinations.liveForUpdate(type, name)
        if (row === undefined) throw notFound()
        const next = { ...await overrideOf(row.id, drift), ...fields }
        await drift.setOverride(row.id, JSON.stringify(next))
        return settingsFrom(row, next)
      })
    },

    /** `DELETE .../drift`: back to the server's settings. @throws VaultError 404. */
    async reset (type: string, name: string): Promise<void> {
      await store.repos.drift.setOverride((await destination(type, name)).id, '{}')
    },

    /**
     * `GET .../plan`, optionally for one secret (`mount` and `secret_name` together).
     * @throws VaultError 400 when only one of them is given; 404.
     */
    async plan (type: string, name: string, query: Record<string, unknown>): Promise<DriftPlan> {
      const row = await destination(type, name)
      const mount = decodeString(query.mount, 'mount')
      const secret = decodeString(query.secret_name, 'secret_name')
      if ((mount === undefined) !== (secret === undefined)) throw badRequest(mount === undefined ? 'mount: required with secret_name' : 'secret_name: required with mount')
      const wanted = mount === undefined ? undefined : { mount: `${normalizeMount(mount)}/`, secret: secret!.replace(/^\/+/, '') }
      const stored = await store.repos.drift.get(row.id)
      const summary: SweepSummary | null = parseSummary(stored?.last_result)
      const plan: DriftPlan = {
        mode: settingsFrom(row, parseStoredOverride(stored?.override)).mode,
        last_sweep_at: stored?.last_sweep_at == null ? null : vaultTime(stored.last_sweep_at),
        complete: summary?.complete ?? false,
        targets: [],
        unchecked: []
      }
      for (const t of await targetsOf(row.id)) {
        if (wanted !== undefined && (t.mount_path !== wanted.mount || t.secret_path !== wanted.secret)) continue
        const where = { mount: t.mount_path.replace(/\/$/, ''), secret_name: t.secret_path, sub_key: t.sub_key }
        const f = findingOf(t)
        if (f !== undefined) plan.targets.push({ ...planEntry(t.external_name, f), ...where, checked_at: vaultTime(f.checkedAt) })
        else plan.unchecked.push({ name: t.external_name, ...where, reason: t.drift_evidence === null ? 'no evidence recorded: written before drift detection, or not written since' : 'not swept since its last write' })
      }
      return plan
    },

    /** The status block of destination `row`. */
    async status (row: Pick<DestinationRow, 'id' | 'type'>): Promise<DriftStatus> {
      const stored = await store.repos.drift.get(row.id)
      const states = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<DriftState, number>
      for (const t of await targetsOf(row.id)) {
        const f = findingOf(t)
        if (f !== undefined) states[f.state]++
      }
      return {
        mode: deps.sweepable(row.type) ? effectiveDriftSettings(deps.config, parseStoredOverride(stored?.override)).mode : 'off',
        last_sweep_at: stored?.last_sweep_at == null ? null : vaultTime(stored.last_sweep_at),
        drifted: STATES.filter((s) => s !== 'in-sync').reduce((n, s) => n + states[s], 0),
        states,
        error: parseSummary(stored?.last_result)?.error ?? null
      }
    }
  }
}

export type DriftService = ReturnType<typeof createDriftService>
