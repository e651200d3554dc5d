/**
 * Drift classification (issue 21), pure and driver-independent. A sweep screens each owned target
 * against its LIST item; a target whose item is missing or shows another `updated`, other tags,
 * content type or `enabled` is a suspect. {@link nextProbe} says which read a suspect still needs
 * (GET latest: one per suspect; GET of the recorded version only when the latest is another,
 * untagged version or is disabled, to tell "a new version on our secret" from "our secret was
 * purged and re-created"), and {@link classify} turns the observation into a state and the action
 * repair would take. Ownership follows decisions D-3: the latest version's `hashicorp:vault` tag,
 * or, for an untagged new version, our recorded version still being there. A purged-and-re-created
 * or foreign-owned name is `ownership-lost` and never taken over.
 */
import { BUILTIN_TAG_KEY } from '../sync/tags.js'
import type { ClassifyOptions, DriftChange, DriftEvidence, DriftFinding, DriftObservation, DriftProbe, LatestRead, ListedSecret, RepairAction } from './drift-types.js'
import { compareValue } from './value-digest.js'

export type { ClassifyOptions }

const CHANGE_ORDER: DriftChange[] = ['missing', 'recreated', 'foreign-owner', 'certificate', 'new-version', 'value', 'disabled', 'tags', 'content-type']

function sameTags (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k])
}

/** True when the LIST item shows anything other than what was written (the target is a suspect). */
export function listingDiffers (e: DriftEvidence, listed: ListedSecret): boolean {
  return listed.updated !== e.updated || !listed.enabled || listed.managed ||
    listed.contentType !== e.contentType || !sameTags(listed.tags, e.tags)
}

const ownerOf = (tags: Readonly<Record<string, string>>): string | undefined => tags[BUILTIN_TAG_KEY]

/**
 * The next read `classify` needs for this observation, or `undefined` when it can decide.
 * An unchanged LIST item needs nothing; anything else needs GET latest; a disabled latest version,
 * or another untagged latest version, also needs GET of the recorded version.
 */
export function nextProbe (e: DriftEvidence, obs: DriftObservation): DriftProbe | undefined {
  const latest = obs.latest
  if (latest === undefined) {
    return obs.listed !== undefined && obs.listed !== null && !listingDiffers(e, obs.listed) ? undefined : 'latest'
  }
  if (obs.recorded !== undefined) return undefined
  if (latest.found === 'disabled') return 'recorded-version'
  if (latest.found === 'active' && latest.version !== e.version && !latest.managed && ownerOf(latest.tags) === undefined) return 'recorded-version'
  return undefined
}

const sorted = (changes: Iterable<DriftChange>): DriftChange[] => {
  const set = new Set(changes)
  return CHANGE_ORDER.filter((c) => set.has(c))
}

const NEVER_TAKEN_OVER = 'ownership lost: never taken over'

function lost (e: DriftEvidence, change: DriftChange, remote: DriftFinding['remote']): DriftFinding {
  return { state: 'ownership-lost', changes: [change], recorded: { version: e.version, updated: e.updated }, remote, action: { kind: 'none', reason: NEVER_TAKEN_OVER } }
}

function classifyDisabled (e: DriftEvidence, obs: DriftObservation): DriftFinding {
  const recorded = { version: e.version, updated: e.updated }
  const remote = { enabled: false, ...(obs.listed != null ? { updated: obs.listed.updated } : {}) }
  const listedOwner = obs.listed != null ? ownerOf(obs.listed.tags) : undefined
  if (listedOwner !== undefined && listedOwner !== ownerOf(e.tags)) return lost(e, 'foreign-owner', remote)
  if (obs.recorded === 'disabled') {
    // Our version itself is disabled: put its properties back, no new version.
    const changes: DriftChange[] = ['disabled']
    if (obs.listed != null && !sameTags(obs.listed.tags, e.tags)) changes.push('tags')
    if (obs.listed != null && obs.listed.contentType !== e.contentType) changes.push('content-type')
    return { state: 'drifted-metadata', changes: sorted(changes), recorded, remote, action: { kind: 'update-properties', version: e.version } }
  }
  if (obs.recorded === 'absent' && listedOwner === undefined) return lost(e, 'recreated', remote)
  // A disabled version on top of ours (or tagged as ours): its value cannot be read, so rewrite.
  return { state: 'drifted-value', changes: ['new-version', 'disabled'], recorded, remote, action: { kind: 'write' } }
}

function classifyActive (e: DriftEvidence, latest: Extract<LatestRead, { found: 'active' }>, obs: DriftObservation, o: ClassifyOptions): DriftFinding {
  const recorded = { version: e.version, updated: e.updated }
  const remote = { version: latest.version, updated: latest.updated, enabled: true }
  if (latest.managed) return lost(e, 'certificate', remote)
  const owner = ownerOf(latest.tags)
  if (owner !== undefined && owner !== ownerOf(e.tags)) return lost(e, 'foreign-owner', remote)
  const sameVersion = latest.version === e.version
  if (!sameVersion && owner === undefined && obs.recorded === 'absent') return lost(e, 'recreated', remote)

  const changes: DriftChange[] = []
  if (!sameVersion) changes.push('new-version')
  if (!sameTags(latest.tags, e.tags)) changes.push('tags')
  if (latest.contentType !== e.contentType) changes.push('content-type')
  // Azure versions are immutable: the same version holds the same value.
  const value = sameVersion ? 'same' : compareValue(o.key, e.valueDigest, latest.value)
  if (value !== 'same') {
    return { state: 'drifted-value', changes: sorted([...changes, 'value']), recorded, remote, action: { kind: 'write' } }
  }
  if (changes.includes('tags') || changes.includes('content-type')) {
    return { state: 'drifted-metadata', changes: sorted(changes), recorded, remote, action: { kind: 'update-properties', version: latest.version } }
  }
  // The same value, tags and content type: in sync, perhaps under a new version or time (a benign rewrite).
  const action: RepairAction = sameVersion && latest.updated === e.updated
    ? { kind: 'none' }
    : { kind: 'refresh-evidence', version: latest.version, updated: latest.updated }
  return { state: 'in-sync', changes: sorted(changes), recorded, remote, action }
}

/**
 * The finding for one target. `obs` must be complete (`nextProbe(e, obs) === undefined`).
 * @throws TypeError naming the missing probe otherwise.
 */
export function classify (e: DriftEvidence, obs: DriftObservation, o: ClassifyOptions): DriftFinding {
  const missingProbe = nextProbe(e, obs)
  if (missingProbe !== undefined) throw new TypeError(`drift: classify needs the ${missingProbe} probe first`)
  const recorded = { version: e.version, updated: e.updated }
  const latest = obs.latest
  if (latest === undefined) {
    return { state: 'in-sync', changes: [], recorded, remote: { updated: obs.listed!.updated, enabled: true }, action: { kind: 'none' } }
  }
  if (latest.found === 'missing') {
    const action: RepairAction = o.repairMissing ? { kind: 'recreate' } : { kind: 'none', reason: 'missing remotely; re-created only with repair_missing' }
    return { state: 'remote-missing', changes: ['missing'], recorded, action }
  }
  return latest.found === 'disabled' ? classifyDisabled(e, obs) : classifyActive(e, latest, obs, o)
}
