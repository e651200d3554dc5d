/**
 * One drift round over a destination's owned targets (issue 21), given one LIST sweep of the vault
 * and the driver's reads: unchanged targets cost nothing; each suspect costs one or two reads
 * (inspect.ts), within `maxReads` (the drift share of the vault's budget). Suspects beyond the
 * budget are deferred to the next round, never guessed. After an incomplete sweep a name that was
 * not listed is unknown rather than missing, so it is read directly.
 */
import { nextProbe } from './classify.js'
import type { ClassifyOptions, DriftFinding, DriftTarget, ListedSecret, RoundResult } from './drift-types.js'
import { inspectTarget, type DriftReader } from './inspect.js'

export type { DriftTarget, RoundResult }

/** A LIST sweep: items by lower-cased name, and whether the list was read to its end. */
export interface SweepView {
  listed: ReadonlyMap<string, ListedSecret>
  complete: boolean
}

/**
 * Classifies every target. Reads run one after another (the caller's gate paces them).
 * @throws whatever the reader throws (a failed read ends the round; findings so far are lost).
 */
export async function checkTargets (targets: Iterable<DriftTarget>, sweep: SweepView, reader: DriftReader,
  o: ClassifyOptions & { maxReads: number }): Promise<RoundResult> {
  const findings = new Map<string, DriftFinding>()
  const deferred: string[] = []
  let reads = 0
  for (const t of targets) {
    const item = sweep.listed.get(t.name.toLowerCase())
    const listed = item ?? (sweep.complete ? null : undefined)
    // A suspect may need two reads (GET latest, then GET of the recorded version).
    if (nextProbe(t.evidence, { listed }) !== undefined && o.maxReads - reads < 2) {
      deferred.push(t.id)
      continue
    }
    const r = await inspectTarget(t.name, t.evidence, listed, reader, o)
    reads += r.reads
    findings.set(t.id, r.finding)
  }
  return { findings, deferred, reads }
}
