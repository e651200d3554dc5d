// The names an association still has to remove (src/worker/leftover-names.ts): stored as JSON,
// joined by the attempt's purge intents before the driver call, and settled from its results.
import t from 'tap'
import { remoteClientError } from '../../../src/drivers/sync-error.js'
import type { OpResult, TargetOp } from '../../../src/drivers/target-ops.js'
import type { PlannedTarget } from '../../../src/sync/plan.js'
import { parseLeftovers, serializeLeftovers, settledLeftovers, withPurgeIntents } from '../../../src/worker/leftover-names.js'

const del = (name: string, purge: boolean): TargetOp => ({ op: 'delete', name, ownerTagValue: 'vault-sync:d1:a1', purge })
const attempt = (planned: PlannedTarget[], stored: string | null = null, leftInPlace: PlannedTarget[] = []) => ({
  association: { id: 'a1', leftover_names: stored },
  driver: { collisionKey: (n: string) => n.toLowerCase() },
  planned,
  leftInPlace: new Map(leftInPlace.map((p) => [p, 'left in place: also synced by d2']))
})
const ok: OpResult = { ok: true }
const refused: OpResult = { ok: false, error: remoteClientError('no delete') }

t.test('stored as a JSON array; null when there are none; malformed entries are skipped', async (t) => {
  const list = [{ subKey: '', name: 'Old', purge: true }, { subKey: 'k', name: 'other', purge: false }]
  t.equal(serializeLeftovers([]), null)
  t.same(parseLeftovers(serializeLeftovers(list)), list)
  t.same(parseLeftovers(null), [])
  t.same(parseLeftovers('not json'), [])
  t.same(parseLeftovers('[{"sub_key":"","name":"x"},{"name":"no-key"},null,{"sub_key":"","name":""}]'), [{ subKey: '', name: 'x', purge: false }])
})

t.test('purge intents: every delete with purge not left in place; stored first only when one is new', async (t) => {
  const unsync: PlannedTarget = { kind: 'unsync', subKey: '', op: del('Name', true) }
  const shared: PlannedTarget = { kind: 'cleanup', subKey: '', op: del('shared', true), stray: true }
  const plain: PlannedTarget = { kind: 'unsync', subKey: 'k', op: del('plain', false) }
  const first = withPurgeIntents(attempt([unsync, shared, plain], null, [shared]))
  t.same(first.leftovers, [{ subKey: '', name: 'Name', purge: true }])
  t.equal(first.intentJson, '[{"sub_key":"","name":"Name","purge":true}]')
  const again = withPurgeIntents(attempt([unsync], '[{"sub_key":"","name":"NAME","purge":true}]'))
  t.equal(again.intentJson, undefined, 'already stored (any case): nothing to store before the call')
  t.same(withPurgeIntents(attempt([plain])), { leftovers: [], intentJson: undefined })
})

t.test('settled: forgotten once deleted, left in place or in Azure as a current name; kept (or added) when a cleanup failed', async (t) => {
  const write: PlannedTarget = { kind: 'write', subKey: '', name: 'new', digest: 'd', op: { op: 'write', name: 'new', value: 'v', contentType: 'text/plain', tags: {}, firstWrite: true } }
  const cleanup: PlannedTarget = { kind: 'cleanup', subKey: '', op: del('old', false) }
  const unsync: PlannedTarget = { kind: 'unsync', subKey: 'k', op: del('gone', true) }
  const stored = [{ subKey: 'k', name: 'gone', purge: true }, { subKey: '', name: 'NEW', purge: true }]
  const ctx = attempt([write, cleanup, unsync])
  t.same(settledLeftovers(ctx, stored, new Map<PlannedTarget, OpResult>([[write, ok], [cleanup, refused], [unsync, refused]])), [
    { subKey: 'k', name: 'gone', purge: true }, { subKey: '', name: 'old', purge: false }
  ], 'the failed unsync keeps its purge intent, the failed cleanup becomes a leftover, the written name is no leftover')
  t.same(settledLeftovers(ctx, stored, new Map<PlannedTarget, OpResult>([[write, ok], [cleanup, ok], [unsync, ok]])), [], 'all done')
  t.same(settledLeftovers(attempt([write, cleanup, unsync], null, [unsync]), stored, new Map<PlannedTarget, OpResult>([[write, refused]])), [
    { subKey: '', name: 'NEW', purge: true }
  ], 'not called (the write failed) keeps it; left in place forgets it')
})
