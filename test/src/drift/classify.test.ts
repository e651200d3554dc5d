// Drift classification (issue 21), one case per out-of-band edit: nothing changed, a no-op PATCH,
// a tag-only patch, a content-type patch, a new untagged version with another value, a benign
// rewrite of the same value (tagged and untagged), disable, delete, purge, purge-and-recreate
// (ownership lost, never taken over), a foreign owner, a certificate; plus the probe sequence,
// the keyed digest (never a plain hash; unknown under another key) and findings without values.
import t from 'tap'
import { createHash } from 'node:crypto'
import { classify, listingDiffers, nextProbe } from '../../../src/drift/classify.js'
import type { DriftEvidence, DriftObservation, LatestRead, ListedSecret } from '../../../src/drift/drift-types.js'
import { compareValue, deriveDriftKey, valueDigest } from '../../../src/drift/value-digest.js'

const key = deriveDriftKey(Buffer.alloc(32, 7))
const OURS = { 'hashicorp:vault': 'vault-sync:dest1:assoc1', team: 'a' }
const V1 = 'a'.repeat(32)
const V2 = 'b'.repeat(32)
const evidence: DriftEvidence = { version: V1, updated: 1_700_000_000, tags: OURS, contentType: 'text/plain', valueDigest: valueDigest(key, 's3cret') }
const listedAsWritten: ListedSecret = { updated: evidence.updated, enabled: true, tags: { ...OURS }, contentType: 'text/plain', managed: false }
const latestAsWritten: Extract<LatestRead, { found: 'active' }> = {
  found: 'active', version: V1, updated: evidence.updated, value: 's3cret', tags: { ...OURS }, contentType: 'text/plain', managed: false
}
const opts = { key, repairMissing: false }

/** Runs the probe sequence a sweep would, answering from `remote`, and classifies. */
function sweep (listed: ListedSecret | null, latest: LatestRead, recorded: 'present' | 'disabled' | 'absent', o = opts) {
  const obs: DriftObservation = { listed }
  const probes: string[] = []
  for (let p = nextProbe(evidence, obs); p !== undefined; p = nextProbe(evidence, obs)) {
    probes.push(p)
    if (p === 'latest') obs.latest = latest
    else obs.recorded = recorded
    if (probes.length > 2) throw new Error('more than two probes')
  }
  return { finding: classify(evidence, obs, o), probes }
}

t.test('keyed digest', async (t) => {
  const d = valueDigest(key, 's3cret')
  t.match(d, /^hmac-sha256:[0-9a-f]{16}:[0-9a-f]{64}$/)
  t.not(d.split(':')[2], createHash('sha256').update('s3cret').digest('hex'), 'never a plain hash')
  t.equal(compareValue(key, d, 's3cret'), 'same')
  t.equal(compareValue(key, d, 's3cret '), 'different')
  t.equal(valueDigest(deriveDriftKey(Buffer.alloc(32, 7)), 's3cret'), d, 'stable for the same seal key (survives restarts)')
  const other = deriveDriftKey(Buffer.alloc(32, 8))
  t.not(valueDigest(other, 's3cret'), d)
  t.equal(compareValue(other, d, 's3cret'), 'unknown', 'a digest under another seal key is unknown, not different')
  t.equal(compareValue(key, 'sha256:abc', 's3cret'), 'unknown')
  t.throws(() => deriveDriftKey(Buffer.alloc(16)), RangeError)
})

t.test('in sync: an unchanged LIST item needs no GET', async (t) => {
  t.notOk(listingDiffers(evidence, listedAsWritten))
  const { finding, probes } = sweep(listedAsWritten, latestAsWritten, 'present')
  t.same(probes, [])
  t.same(finding, { state: 'in-sync', changes: [], recorded: { version: V1, updated: evidence.updated }, remote: { updated: evidence.updated, enabled: true }, action: { kind: 'none' } })
  t.throws(() => classify(evidence, { listed: { ...listedAsWritten, updated: 1 } }, opts), /needs the latest probe/)
  t.throws(() => classify(evidence, {}, opts), TypeError, 'no listing: a GET is needed')
})

t.test('a PATCH that changed nothing visible: in sync, the new time is recorded', async (t) => {
  const { finding, probes } = sweep({ ...listedAsWritten, updated: evidence.updated + 60 }, { ...latestAsWritten, updated: evidence.updated + 60 }, 'present')
  t.same(probes, ['latest'], 'one GET per suspect')
  t.equal(finding.state, 'in-sync')
  t.same(finding.action, { kind: 'refresh-evidence', version: V1, updated: evidence.updated + 60 })
})

t.test('tag-only patch: drifted-metadata, repaired by a property PATCH, no new version', async (t) => {
  const tags = { team: 'b' }
  const { finding, probes } = sweep({ ...listedAsWritten, tags, updated: evidence.updated + 5 }, { ...latestAsWritten, tags, updated: evidence.updated + 5 }, 'present')
  t.same(probes, ['latest'])
  t.match(finding, { state: 'drifted-metadata', changes: ['tags'], action: { kind: 'update-properties', version: V1 }, remote: { version: V1 } })
})

t.test('content type patch: drifted-metadata', async (t) => {
  const { finding } = sweep({ ...listedAsWritten, contentType: 'application/json' }, { ...latestAsWritten, contentType: 'application/json' }, 'present')
  t.match(finding, { state: 'drifted-metadata', changes: ['content-type'], action: { kind: 'update-properties', version: V1 } })
})

t.test('new untagged version with another value: drifted-value, rewritten', async (t) => {
  const latest: LatestRead = { found: 'active', version: V2, updated: evidence.updated + 9, value: 'pipeline', tags: {}, contentType: '', managed: false }
  const { finding, probes } = sweep({ ...listedAsWritten, tags: {}, contentType: '', updated: evidence.updated + 9 }, latest, 'present')
  t.same(probes, ['latest', 'recorded-version'], 'our version still there: the secret is still ours')
  t.same(finding, {
    state: 'drifted-value',
    changes: ['new-version', 'value', 'tags', 'content-type'],
    recorded: { version: V1, updated: evidence.updated },
    remote: { version: V2, updated: evidence.updated + 9, enabled: true },
    action: { kind: 'write' }
  })
  t.notOk(JSON.stringify(finding).includes('pipeline') || JSON.stringify(finding).includes('hmac'), 'never a value or a digest')
})

t.test('a new version tagged as ours with another value: drifted-value without the lineage GET', async (t) => {
  const { finding, probes } = sweep({ ...listedAsWritten, updated: evidence.updated + 3 }, { ...latestAsWritten, version: V2, updated: evidence.updated + 3, value: 'other' }, 'present')
  t.same(probes, ['latest'])
  t.match(finding, { state: 'drifted-value', changes: ['new-version', 'value'], action: { kind: 'write' } })
})

t.test('benign rewrite of the same value', async (t) => {
  const tagged = sweep({ ...listedAsWritten, updated: evidence.updated + 7 }, { ...latestAsWritten, version: V2, updated: evidence.updated + 7 }, 'present')
  t.same(tagged.probes, ['latest'])
  t.same(tagged.finding.state, 'in-sync', 'same value, tags and content type under a new version')
  t.same(tagged.finding.changes, ['new-version'])
  t.same(tagged.finding.action, { kind: 'refresh-evidence', version: V2, updated: evidence.updated + 7 }, 'no Azure write: only the evidence moves')

  const untagged = sweep({ ...listedAsWritten, tags: {}, updated: evidence.updated + 7 }, { ...latestAsWritten, version: V2, tags: {}, updated: evidence.updated + 7 }, 'present')
  t.same(untagged.probes, ['latest', 'recorded-version'])
  t.match(untagged.finding, { state: 'drifted-metadata', changes: ['new-version', 'tags'], action: { kind: 'update-properties', version: V2 } },
    'same value without our tags: the tags go back on that version, no new version')

  const otherKey = sweep({ ...listedAsWritten, updated: evidence.updated + 7 }, { ...latestAsWritten, version: V2, updated: evidence.updated + 7 }, 'present',
    { key: deriveDriftKey(Buffer.alloc(32, 9)), repairMissing: false })
  t.match(otherKey.finding, { state: 'drifted-value', action: { kind: 'write' } }, 'a value that cannot be compared is rewritten, never assumed equal')
})

t.test('disabled', async (t) => {
  const listed = { ...listedAsWritten, enabled: false, updated: evidence.updated + 2 }
  const ours = sweep(listed, { found: 'disabled' }, 'disabled')
  t.same(ours.probes, ['latest', 'recorded-version'])
  t.same(ours.finding, {
    state: 'drifted-metadata', changes: ['disabled'], recorded: { version: V1, updated: evidence.updated },
    remote: { enabled: false, updated: evidence.updated + 2 }, action: { kind: 'update-properties', version: V1 }
  }, 'our version disabled: re-enabled by a PATCH')
  const onTop = sweep(listed, { found: 'disabled' }, 'present')
  t.match(onTop.finding, { state: 'drifted-value', changes: ['new-version', 'disabled'], action: { kind: 'write' } }, 'a disabled version on top of ours')
  const recreatedDisabled = sweep({ ...listed, tags: {} }, { found: 'disabled' }, 'absent')
  t.match(recreatedDisabled.finding, { state: 'ownership-lost', changes: ['recreated'], action: { kind: 'none' } })
})

t.test('deleted or purged: remote-missing, re-created only with repair_missing', async (t) => {
  const { finding, probes } = sweep(null, { found: 'missing' }, 'absent')
  t.same(probes, ['latest'], 'a name missing from the LIST is confirmed by one GET')
  t.match(finding, { state: 'remote-missing', changes: ['missing'], action: { kind: 'none', reason: /repair_missing/ } })
  t.match(sweep(null, { found: 'missing' }, 'absent', { key, repairMissing: true }).finding.action, { kind: 'recreate' })
  t.match(sweep(null, latestAsWritten, 'present').finding, { state: 'in-sync' }, 'back by the time of the GET (recovered): the GET wins over the LIST')
})

t.test('purged and re-created: ownership lost, never taken over', async (t) => {
  const theirs: LatestRead = { found: 'active', version: V2, updated: evidence.updated + 30, value: 's3cret', tags: {}, contentType: 'text/plain', managed: false }
  const { finding, probes } = sweep({ ...listedAsWritten, tags: {}, updated: evidence.updated + 30 }, theirs, 'absent')
  t.same(probes, ['latest', 'recorded-version'])
  t.same(finding, {
    state: 'ownership-lost', changes: ['recreated'], recorded: { version: V1, updated: evidence.updated },
    remote: { version: V2, updated: evidence.updated + 30, enabled: true }, action: { kind: 'none', reason: 'ownership lost: never taken over' }
  }, 'even with the very same value')
  const withRepair = sweep({ ...listedAsWritten, tags: {} }, theirs, 'absent', { key, repairMissing: true })
  t.equal(withRepair.finding.action.kind, 'none', 'repair_missing does not change that')
})

t.test('another owner or a certificate took the name: ownership lost', async (t) => {
  const foreign = { 'hashicorp:vault': 'vault-sync:dest9:assoc9' }
  const f = sweep({ ...listedAsWritten, tags: foreign }, { ...latestAsWritten, version: V2, tags: foreign }, 'present')
  t.same(f.probes, ['latest'])
  t.match(f.finding, { state: 'ownership-lost', changes: ['foreign-owner'], action: { kind: 'none' } })
  const c = sweep({ ...listedAsWritten, managed: true }, { ...latestAsWritten, version: V2, managed: true, contentType: 'application/x-pkcs12' }, 'present')
  t.match(c.finding, { state: 'ownership-lost', changes: ['certificate'] })
  const d = sweep({ ...listedAsWritten, enabled: false, tags: foreign }, { found: 'disabled' }, 'disabled')
  t.match(d.finding, { state: 'ownership-lost', changes: ['foreign-owner'] }, 'a disabled latest version with another owner\'s tag')
})
