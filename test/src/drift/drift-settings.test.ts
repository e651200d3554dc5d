// Drift settings (issue 21): the per-destination override's fields and 400s naming them, the
// effective settings and their wire view, the drift share of a vault's call budget, and what each
// mode does with each kind of finding (repair only in `repair` mode, never for ownership lost).
import t from 'tap'
import { VaultError } from '../../../src/vault/errors.js'
import type { DriftFinding } from '../../../src/drift/drift-types.js'
import {
  DEFAULT_DRIFT_SETTINGS, decideRepair, driftCallsPerWindow, driftSettingsView, effectiveDriftSettings, parseDriftOverride
} from '../../../src/drift/drift-settings.js'

const status = (fn: () => unknown): { status?: number, message?: string } => {
  try { fn() } catch (e) { if (e instanceof VaultError) return { status: e.status, message: e.errors[0] }; throw e }
  return {}
}

t.test('override parsing', async (t) => {
  t.same(parseDriftOverride({}), {})
  t.same(parseDriftOverride({ mode: 'repair', interval: '30m', repair_missing: 'true' }), { mode: 'repair', intervalMs: 1_800_000, repairMissing: true })
  t.same(parseDriftOverride({ interval: 120 }), { intervalMs: 120_000 }, 'a bare number is seconds, as in Vault')
  t.same(status(() => parseDriftOverride({ mode: 'fix' })), { status: 400, message: 'mode: invalid value "fix": must be "off", "detect" or "repair"' })
  t.same(status(() => parseDriftOverride({ interval: '10s' })), { status: 400, message: 'interval: must be at least 1m0s' })
  t.match(status(() => parseDriftOverride({ interval: 'soon' })), { status: 400, message: /field "interval"/ })
  t.match(status(() => parseDriftOverride({ repair_missing: 'maybe' })), { status: 400, message: /field "repair_missing"/ })
  t.match(status(() => parseDriftOverride({ mode: { a: 1 } })), { status: 400, message: /field "mode"/ })
})

t.test('effective settings, view and budget', async (t) => {
  t.same(effectiveDriftSettings(DEFAULT_DRIFT_SETTINGS), { mode: 'detect', intervalMs: 3_600_000, repairMissing: false, budgetShare: 0.1 })
  const s = effectiveDriftSettings(DEFAULT_DRIFT_SETTINGS, { mode: 'repair', repairMissing: true })
  t.same(driftSettingsView(s), { mode: 'repair', interval: '1h0m0s', repair_missing: true })
  t.equal(driftCallsPerWindow(s, 3600), 360, '10 % of the client-side limit of 3,600 per 10 s')
  t.equal(driftCallsPerWindow({ ...s, budgetShare: 0.0001 }, 3600), 1, 'never zero')
})

t.test('what each mode does with a finding', async (t) => {
  const base = { changes: [], recorded: { version: 'v', updated: 1 } }
  const f = (state: DriftFinding['state'], action: DriftFinding['action']): DriftFinding => ({ ...base, state, action })
  const cases: Array<[DriftFinding, string, string, string]> = [
    // finding, off, detect, repair
    [f('in-sync', { kind: 'none' }), 'nothing', 'nothing', 'nothing'],
    [f('in-sync', { kind: 'refresh-evidence', version: 'w', updated: 2 }), 'nothing', 'record', 'record'],
    [f('drifted-metadata', { kind: 'update-properties', version: 'v' }), 'nothing', 'report', 'enqueue'],
    [f('drifted-value', { kind: 'write' }), 'nothing', 'report', 'enqueue'],
    [f('remote-missing', { kind: 'none', reason: 'r' }), 'nothing', 'report', 'report'],
    [f('remote-missing', { kind: 'recreate' }), 'nothing', 'report', 'enqueue'],
    [f('ownership-lost', { kind: 'none', reason: 'r' }), 'nothing', 'report', 'report']
  ]
  for (const [finding, off, detect, repair] of cases) {
    const label = `${finding.state}/${finding.action.kind}`
    t.equal(decideRepair({ ...DEFAULT_DRIFT_SETTINGS, mode: 'off' }, finding), off, `off: ${label}`)
    t.equal(decideRepair(DEFAULT_DRIFT_SETTINGS, finding), detect, `detect: ${label}`)
    t.equal(decideRepair({ ...DEFAULT_DRIFT_SETTINGS, mode: 'repair' }, finding), repair, `repair: ${label}`)
  }
})
