/**
 * Building and moving drift evidence (issue 21). The worker records evidence when it settles a
 * write (the remote version and `updated` the driver reports, the tags and content type it sent,
 * and the keyed digest of the rendered value); a round's `refresh-evidence` action moves it to a
 * benign rewrite's version without an Azure call. Pure.
 */
import type { DriftEvidence, RepairAction } from './drift-types.js'
import { valueDigest, type DriftKey } from './value-digest.js'

/**
 * The digest a drift repair records on a target (drift-runner.ts): it matches no plan digest, so
 * the next attempt writes the target, and it tells the worker that this write is a repair, which
 * the driver makes only while the secret is still this association's (`WriteOp.ownedCheck`), as
 * a property update when the plan said so (`WriteOp.propertiesVersion`; worker/drift-guard.ts).
 */
export const REPAIR_DIGEST = 'drift-repair'

/** What a settled write tells: remote version and update time (unix seconds), tags and content type sent. */
export interface SettledWrite {
  version: string
  updated: number
  tags: Readonly<Record<string, string>>
  contentType: string
}

/** The evidence of a settled write of `renderedValue` (the value itself is not kept). */
export function evidenceFromWrite (w: SettledWrite, renderedValue: string, key: DriftKey): DriftEvidence {
  return { version: w.version, updated: w.updated, tags: { ...w.tags }, contentType: w.contentType, valueDigest: valueDigest(key, renderedValue) }
}

/** The evidence after a `refresh-evidence` action: same content, the remote version and time now seen. */
export function refreshedEvidence (e: DriftEvidence, a: Extract<RepairAction, { kind: 'refresh-evidence' }>): DriftEvidence {
  return { ...e, version: a.version, updated: a.updated }
}

/**
 * The evidence of a settled write result, or `undefined` when the driver did not report the
 * remote version and `updated` time (or no key is configured): the target then has no evidence
 * and drift leaves it alone until its next write.
 */
export function evidenceOfResult (op: { value: string, tags: Readonly<Record<string, string>>, contentType: string },
  r: { version?: string, updated?: number }, key: DriftKey | undefined): DriftEvidence | undefined {
  if (key === undefined || r.version === undefined || r.version === '' || r.updated === undefined) return undefined
  return evidenceFromWrite({ version: r.version, updated: r.updated, tags: op.tags, contentType: op.contentType }, op.value, key)
}
