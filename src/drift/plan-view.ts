/**
 * The drift plan's wire shape (issue 21; an extension, so it is served only under
 * `/v1/sys/sync-ext/...`, round2.md R2-2): one entry per association target with its state, what
 * changed, the recorded and remote version and time, and the action repair would take. Built from
 * a {@link DriftFinding}, so it never holds a value or a digest. Times are RFC 3339 UTC (Vault's
 * format, decisions D-32.2), `""` when unknown; versions are `""` when unknown.
 */
import { Type, type Static } from 'typebox'
import { formatTime } from '../kv/kv-time.js'
import { named } from '../openapi/schema-json.js'
import { DRIFT_CHANGES, type DriftFinding, type DriftState, type RepairAction } from './drift-types.js'

const STATES: DriftState[] = ['in-sync', 'drifted-metadata', 'drifted-value', 'remote-missing', 'ownership-lost']
const ACTIONS: Array<RepairAction['kind']> = ['none', 'refresh-evidence', 'update-properties', 'write', 'recreate']

/** One target of a drift plan. */
export const DriftPlanEntrySchema = named('DriftPlanEntry', Type.Object({
  name: Type.String({ description: 'External (remote) secret name' }),
  state: Type.Enum(STATES, { type: 'string', description: 'Drift state of the target' }),
  changes: Type.Array(Type.Enum([...DRIFT_CHANGES], { type: 'string' }), { description: 'What differs from the recorded write' }),
  recorded_version: Type.String({ description: 'Remote version vault-sync wrote' }),
  recorded_updated: Type.String({ description: 'Remote update time of that write (RFC 3339)' }),
  remote_version: Type.String({ description: 'Latest remote version when read; "" when unknown' }),
  remote_updated: Type.String({ description: 'Latest remote update time (RFC 3339); "" when unknown' }),
  remote_enabled: Type.Union([Type.Boolean(), Type.Null()], { description: 'Whether the latest remote version is enabled; null when unknown' }),
  action: Type.Enum(ACTIONS, { type: 'string', description: 'What repair would do' }),
  action_version: Type.String({ description: 'The remote version a property update targets; "" otherwise' }),
  reason: Type.String({ description: 'Why repair would do nothing, when it would not; "" otherwise' })
}))

export type DriftPlanEntry = Static<typeof DriftPlanEntrySchema>

const secondsToTime = (s: number | undefined): string => (s === undefined ? '' : formatTime(s * 1_000_000))

/** The plan entry of target `name` for `f`. */
export function planEntry (name: string, f: DriftFinding): DriftPlanEntry {
  const a = f.action
  return {
    name,
    state: f.state,
    changes: [...f.changes],
    recorded_version: f.recorded.version,
    recorded_updated: secondsToTime(f.recorded.updated),
    remote_version: f.remote?.version ?? '',
    remote_updated: secondsToTime(f.remote?.updated),
    remote_enabled: f.remote?.enabled ?? null,
    action: a.kind,
    action_version: a.kind === 'update-properties' || a.kind === 'refresh-evidence' ? a.version : '',
    reason: a.kind === 'none' ? a.reason ?? '' : ''
  }
}
