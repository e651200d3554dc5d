/**
 * One target's drift check over any destination (issue 21): runs the probes {@link nextProbe} asks
 * for through a {@link DriftReader} (a driver's reads, already rate-limited by the caller) and
 * classifies. A target whose LIST item is unchanged costs no call; a suspect costs one GET, two
 * when the lineage of an untagged or disabled latest version must be checked.
 */
import { classify, nextProbe, type ClassifyOptions } from './classify.js'
import type { DriftEvidence, DriftFinding, LatestRead, ListedSecret, RecordedRead } from './drift-types.js'

/** The reads a destination driver offers for drift checks. Errors other than "not found"/"disabled" reject. */
export interface DriftReader {
  /** GET of the latest version of `name`. */
  latest: (name: string) => Promise<LatestRead>
  /** GET of one version of `name`: readable, disabled or gone. */
  version: (name: string, version: string) => Promise<RecordedRead>
}

/**
 * Checks one target named `name` (its external name) with evidence `e`; `listed` is its item of a
 * complete sweep (`null`: not listed) or `undefined` when there was no sweep (GET directly).
 * Resolves with the finding and the number of reads made.
 */
export async function inspectTarget (name: string, e: DriftEvidence, listed: ListedSecret | null | undefined,
  reader: DriftReader, o: ClassifyOptions): Promise<{ finding: DriftFinding, reads: number }> {
  const obs: { listed?: ListedSecret | null, latest?: LatestRead, recorded?: RecordedRead } = { listed }
  let reads = 0
  for (let probe = nextProbe(e, obs); probe !== undefined; probe = nextProbe(e, obs)) {
    reads++
    if (probe === 'latest') obs.latest = await reader.latest(name)
    else obs.recorded = await reader.version(name, e.version)
  }
  return { finding: classify(e, obs, o), reads }
}
