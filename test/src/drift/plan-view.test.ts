// The drift plan's wire shape (issue 21): entries built from classified findings match their
// schema, carry RFC 3339 times, and never a value or a digest.
import t from 'tap'
import { Value } from 'typebox/value'
import { classify } from '../../../src/drift/classify.js'
import { DriftPlanEntrySchema, planEntry } from '../../../src/drift/plan-view.js'
import { deriveDriftKey, valueDigest } from '../../../src/drift/value-digest.js'

const key = deriveDriftKey(Buffer.alloc(32, 1))
const tags = { 'hashicorp:vault': 'vault-sync:d:a' }
const e = { version: 'a'.repeat(32), updated: 1_767_225_600, tags, contentType: '', valueDigest: valueDigest(key, 'top-secret') }

t.test('plan entries', async (t) => {
  const missing = planEntry('app', classify(e, { listed: null, latest: { found: 'missing' } }, { key, repairMissing: false }))
  t.same(missing, {
    name: 'app', state: 'remote-missing', changes: ['missing'], recorded_version: e.version, recorded_updated: '2026-01-01T00:00:00Z',
    remote_version: '', remote_updated: '', remote_enabled: null, action: 'none', action_version: '', reason: 'missing remotely; re-created only with repair_missing'
  })
  const patched = planEntry('app', classify(e, {
    latest: { found: 'active', version: e.version, updated: e.updated + 90, value: 'top-secret', tags: {}, contentType: '', managed: false }
  }, { key, repairMissing: false }))
  t.match(patched, { state: 'drifted-metadata', changes: ['tags'], remote_updated: '2026-01-01T00:01:30Z', remote_enabled: true, action: 'update-properties', action_version: e.version, reason: '' })
  const rewritten = planEntry('app', classify(e, {
    latest: { found: 'active', version: 'b'.repeat(32), updated: e.updated + 1, value: 'another', tags, contentType: '', managed: false }
  }, { key, repairMissing: false }))
  t.match(rewritten, { state: 'drifted-value', action: 'write', action_version: '' })
  t.notOk(Value.Check(DriftPlanEntrySchema, { ...missing, state: 'drifted' }), 'the schema holds the closed vocabulary')
  t.notOk(Value.Check(DriftPlanEntrySchema, { ...missing, changes: ['x'] }), '... for changes too')
  for (const entry of [missing, patched, rewritten]) {
    t.ok(Value.Check(DriftPlanEntrySchema, entry), 'matches the schema')
    t.notOk(/top-secret|another|hmac/.test(JSON.stringify(entry)), 'no value, no digest')
  }
})
