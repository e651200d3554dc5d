/**
 * What a drift sweep recorded on a target changes about the worker's next write of it (issue 21;
 * README "Drift detection"). Two records count:
 * - the repair mark (`REPAIR_DIGEST`, drift-runner.ts): the write is a repair, made only while the
 *   secret is still this association's (`WriteOp.ownedCheck`); when the sweep's plan was
 *   `update-properties` and the KV value is still the one that version holds (the target's drift
 *   evidence), the repair is that property update (`WriteOp.propertiesVersion`), no new version;
 * - an `ownership-lost` finding (someone re-created the name, or its latest version carries
 *   another owner's tag): an automatic write (a new KV version, a reconciliation) is checked the
 *   same way and refused while that holds, so a name someone else took is never taken over.
 * A refresh (an explicit `associations/set`) is neither: it writes, adopting the name (D-8: last
 * write wins on set). Writes of targets drift did not flag are not checked (no Key Vault read per
 * write). Pure but for the sibling look-up the caller passes.
 */
import type { TargetRow } from '../../db/associations-repo.js'
import type { DriftEvidence, StoredFinding } from '../drift/drift-types.js'
import { REPAIR_DIGEST } from '../drift/evidence.js'
import { compareValue, type DriftKey } from '../drift/value-digest.js'
import type { WriteOp } from '../drivers/target-ops.js'
import type { PlannedTarget } from '../sync/plan.js'

/** What the guard needs besides the plan and the recorded targets. */
export interface DriftGuardOptions {
  /** The association's built-in tag value (decisions D-3). */
  ownerTagValue: string
  /** The attempt is a refresh (`associations/set`): nothing is guarded. */
  refresh: boolean
  /** The key of drift value digests; without it no property repair is recognised. */
  driftKey: DriftKey | undefined
  /** Built-in tag values of this server's other live associations recording `name` on the same store (they share it). */
  siblingTagValues: (name: string) => Promise<string[]>
}

/** A recorded target as the guard reads it. */
export type GuardedTarget = Pick<TargetRow, 'sub_key' | 'digest' | 'external_version' | 'drift_evidence' | 'drift_finding'>

function parsed<T> (json: string | null | undefined): T | undefined {
  if (json == null) return undefined
  try { return JSON.parse(json) as T } catch { return undefined }
}

/** True when `op` writes the value and content type evidence `e` records for the version it names. */
function sameContent (op: WriteOp, e: DriftEvidence | undefined, key: DriftKey | undefined): boolean {
  return e !== undefined && key !== undefined && op.contentType === e.contentType && compareValue(key, e.valueDigest, op.value) === 'same'
}

/**
 * Sets `ownedCheck` (and, for a property repair, `propertiesVersion`) on the planned writes of
 * targets drift flagged, in place. A first write of a name (its own adoption check) is left alone.
 */
export async function guardDriftFlagged (planned: PlannedTarget[], recorded: readonly GuardedTarget[], o: DriftGuardOptions): Promise<void> {
  if (o.refresh) return
  for (const p of planned) {
    if (p.kind !== 'write' || p.op.op !== 'write' || p.op.firstWrite) continue
    const rec = recorded.find((r) => r.sub_key === p.subKey)
    const finding = parsed<StoredFinding>(rec?.drift_finding)
    const repair = rec?.digest === REPAIR_DIGEST
    if (!repair && finding?.state !== 'ownership-lost') continue
    const version = rec?.external_version ?? finding?.recorded.version
    if (version === undefined) continue
    p.op.ownedCheck = { ownerTagValue: o.ownerTagValue, version, siblingTagValues: await o.siblingTagValues(p.name) }
    const action = finding?.action
    if (repair && action?.kind === 'update-properties' && sameContent(p.op, parsed<DriftEvidence>(rec?.drift_evidence), o.driftKey)) {
      p.op.propertiesVersion = action.version
    }
  }
}
