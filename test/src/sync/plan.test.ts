// The pure sync plan: what each target needs from association snapshot + KV state + records.
import t from 'tap'
import { planAssociation, targetDigest, type PlanInput, type PlannedTarget } from '../../../src/sync/plan.js'
import { azureCollisionKey, nameCollisionMessage, toAzureName } from '../../../src/drivers/azure-kv/azure-kv-names.js'
import { encodeSecretPathValue } from '../../../src/sync/value-encoding.js'
import { buildSecretTags } from '../../../src/sync/tags.js'

const base = (over: Partial<PlanInput> = {}): PlanInput => ({
  association: {
    id: 'a1', destinationId: 'd1', destinationType: 'azure-kv', destinationName: 'dest', accessor: 'kv_1234abcd',
    mountPath: 'kv/', secretPath: 'team/app', granularity: 'secret-path', nameTemplate: '', removed: false
  },
  destination: { customTags: { team: 'a' }, purgeOnUnsync: false },
  kv: { version: 2, data: { b: 1, a: 'x' } },
  recorded: [],
  refresh: false,
  names: { externalName: toAzureName, collisionKey: azureCollisionKey, collisionMessage: nameCollisionMessage },
  ...over
})
const kinds = (plan: PlannedTarget[]): string[] => plan.map((p) => `${p.kind}:${p.subKey}`)

t.test('secret-path: one write of the whole map, default template, full tag set', async (t) => {
  const [p, ...rest] = planAssociation(base())
  t.equal(rest.length, 0)
  t.equal(p.kind, 'write')
  if (p.kind !== 'write' || p.op.op !== 'write') return
  t.equal(p.name, 'vault-kv-1234abcd-team-app')
  t.equal(p.op.value, '{"a":"x","b":1}')
  t.equal(p.op.contentType, 'application/json')
  t.same(p.op.tags, { team: 'a', 'hashicorp:vault': 'vault-sync:d1:a1' })
  t.equal(p.op.firstWrite, true)
})

t.test('no churn: an equal digest writes nothing; tags-only change updates the recorded version', async (t) => {
  const name = 'vault-kv-1234abcd-team-app'
  const value = encodeSecretPathValue({ a: 'x', b: 1 })
  const digest = targetDigest(name, value, buildSecretTags({ team: 'a' }, 'd1', 'a1'))
  const recorded = [{ subKey: '', externalName: name, digest, externalVersion: 'v1' }]
  t.same(kinds(planAssociation(base({ recorded }))), ['noop:'])
  const refresh = planAssociation(base({ recorded, refresh: true }))[0]
  t.equal(refresh.kind, 'write', 'an explicit set always writes')
  const retag = planAssociation(base({ recorded, destination: { customTags: { team: 'b' }, purgeOnUnsync: false } }))[0]
  t.equal(retag.kind, 'write')
  if (retag.kind === 'write' && retag.op.op === 'write') {
    t.equal(retag.op.tagsOnlyVersion, 'v1')
    t.equal(retag.op.firstWrite, false)
  }
  const newValue = planAssociation(base({ recorded, kv: { version: 3, data: { a: 'y' } } }))[0]
  if (newValue.kind === 'write' && newValue.op.op === 'write') t.equal(newValue.op.tagsOnlyVersion, undefined)
})

t.test('no active version, removed association: unsync the recorded names', async (t) => {
  const recorded = [{ subKey: '', externalName: 'old', digest: 'x.y', externalVersion: 'v' }]
  for (const over of [{ kv: undefined }, { association: { ...base().association, removed: true } }]) {
    const plan = planAssociation(base({ ...over, recorded }))
    // 'old' is not what the template renders now: that name is deleted too (if there and ours),
    // in case a rename wrote it and then failed to delete 'old'.
    t.same(kinds(plan), ['unsync:', 'cleanup:'])
    const p = plan[0]
    if (p.kind === 'unsync') t.same(p.op, { op: 'delete', name: 'old', ownerTagValue: 'vault-sync:d1:a1', purge: false })
    const stray = plan[1]
    t.match(stray, { kind: 'cleanup', stray: true, op: { op: 'delete', ownerTagValue: 'vault-sync:d1:a1' } })
    t.not(stray.kind === 'cleanup' ? stray.op.name : 'old', 'old')
  }
  const rendered = planAssociation(base({ kv: { version: 1, data: { a: 1 } } }))
  const name = rendered[0].kind === 'write' ? rendered[0].name : ''
  const same = planAssociation(base({ kv: undefined, recorded: [{ subKey: '', externalName: name, digest: 'x.y', externalVersion: 'v' }] }))
  t.same(kinds(same), ['unsync:'], 'the recorded name is the rendered one: one delete')
})

t.test('secret-key: one target per key, gone keys unsynced, collisions refused (FR-03, FR-07)', async (t) => {
  const association = { ...base().association, granularity: 'secret-key' as const, nameTemplate: '{{ .SecretKey }}' }
  const plan = planAssociation(base({
    association,
    kv: { version: 1, data: { dev: 'a', n: 5 } },
    recorded: [{ subKey: 'prod', externalName: 'prod', digest: 'x.y', externalVersion: 'v' }]
  }))
  t.same(kinds(plan), ['write:dev', 'write:n', 'unsync:prod'])
  const n = plan[1]
  if (n.kind === 'write' && n.op.op === 'write') t.same([n.op.value, n.op.contentType], ['5', 'application/json'])
  const dev = plan[0]
  if (dev.kind === 'write' && dev.op.op === 'write') t.same([dev.op.value, dev.op.contentType], ['a', 'text/plain'])
  const collide = planAssociation(base({ association, kv: { version: 1, data: { API_KEY: 'A', api_key: 'B', ok: 'c' } } }))
  t.same(kinds(collide), ['error:API_KEY', 'error:api_key', 'write:ok'])
  const e = collide[0]
  if (e.kind === 'error') {
    t.equal(e.error.kind, 'CLIENT_SIDE_ERROR')
    t.match(e.error.message, /"API_KEY" and "api_key" map to the same Azure Key Vault name/)
  }
})

t.test('invalid names are local CLIENT_SIDE_ERRORs (FR-24); a rename cleans the old name (FR-19)', async (t) => {
  const long = { ...base().association, secretPath: 'x/'.repeat(80) + 'y', nameTemplate: '{{ .SecretPath }}' }
  const [bad] = planAssociation(base({ association: long }))
  t.equal(bad.kind, 'error')
  if (bad.kind === 'error') t.match(bad.error.message, /is invalid for Azure Key Vault/)
  const renamed = planAssociation(base({
    association: { ...base().association, nameTemplate: '{{ .SecretBaseName }}' },
    recorded: [{ subKey: '', externalName: 'vault-kv-1234abcd-team-app', digest: 'x.y', externalVersion: 'v' }],
    refresh: true
  }))
  t.same(kinds(renamed), ['write:', 'cleanup:'])
  const w = renamed[0]
  if (w.kind === 'write' && w.op.op === 'write') { t.equal(w.name, 'app'); t.equal(w.op.firstWrite, true) }
})

t.test('one Azure name (D-20): never deleted while a current key renders it', async (t) => {
  const association = { ...base().association, granularity: 'secret-key' as const, nameTemplate: 'k-{{ .SecretKey }}' }
  const rec = (subKey: string, externalName: string): PlanInput['recorded'][number] => ({ subKey, externalName, digest: 'x.y', externalVersion: 'v' })
  // A gone key whose name a new key renders (after normalisation, or in another case): handed over.
  for (const [from, to] of [['db-pass', 'db_pass'], ['Key', 'key']]) {
    const plan = planAssociation(base({ association, kv: { version: 2, data: { [to]: 'two' } }, recorded: [rec(from, `k-${from}`)] }))
    t.same(kinds(plan), [`write:${to}`, `handover:${from}`], `${from} -> ${to}`)
    t.match(plan[1], { kind: 'handover', name: `k-${from}`, to })
  }
  // A case-only rename of one key: written, no cleanup.
  const caseOnly = planAssociation(base({
    association: { ...base().association, nameTemplate: 'N2-{{ .SecretBaseName }}' }, recorded: [rec('', 'n2-app')], refresh: true
  }))
  t.same(kinds(caseOnly), ['write:'])
  // A renamed key's old name taken over by another key: no cleanup of it.
  const swapped = planAssociation(base({
    association, kv: { version: 2, data: { a: 1, b: 2 } }, recorded: [rec('a', 'k-x'), rec('b', 'k-a')]
  }))
  t.same(kinds(swapped), ['write:a', 'write:b', 'cleanup:a'], 'k-x is cleaned up, k-a (now a\'s) is not')
  t.match(swapped[2], { op: { name: 'k-x' } })
  // Removed: every recorded name is unsynced, whatever it renders.
  t.same(kinds(planAssociation(base({ association: { ...association, removed: true }, recorded: [rec('a', 'k-a')] }))), ['unsync:a'])
})

t.test('granularity switch: the old targets are replaced, a gone key is not', async (t) => {
  const toKeys = planAssociation(base({
    association: { ...base().association, granularity: 'secret-key', nameTemplate: '{{ .SecretBaseName }}-{{ .SecretKey }}' },
    recorded: [{ subKey: '', externalName: 'app', digest: 'x.y', externalVersion: 'v' }],
    refresh: true
  }))
  t.same(kinds(toKeys), ['write:b', 'write:a', 'unsync:'])
  t.match(toKeys[2], { replaced: true })
  const toPath = planAssociation(base({ recorded: [{ subKey: 'a', externalName: 'app-a', digest: 'x.y', externalVersion: 'v' }], refresh: true }))
  t.same(kinds(toPath), ['write:', 'unsync:a'])
  t.match(toPath[1], { replaced: true })
  const goneKey = planAssociation(base({
    association: { ...base().association, granularity: 'secret-key', nameTemplate: '{{ .SecretKey }}' },
    recorded: [{ subKey: 'gone', externalName: 'gone', digest: 'x.y', externalVersion: 'v' }]
  }))
  t.equal((goneKey.at(-1) as { replaced?: boolean }).replaced, undefined, 'a key removed from KV is unsynced at once')
})

t.test('leftover names: a pending purge marks the delete of that name; others are deleted after the current name, or at once', async (t) => {
  const name = 'vault-kv-1234abcd-team-app'
  const digest = targetDigest(name, encodeSecretPathValue({ a: 'x', b: 1 }), buildSecretTags({ team: 'a' }, 'd1', 'a1'))
  const recorded = [{ subKey: '', externalName: name, digest, externalVersion: 'v1' }]
  const purging = { customTags: { team: 'a' }, purgeOnUnsync: true }
  // The unsync of the recorded name, whose earlier delete's purge is pending (any case of the name).
  const removed = planAssociation(base({ association: { ...base().association, removed: true }, destination: purging, recorded, leftovers: [{ subKey: '', name: name.toUpperCase(), purge: true }] }))
  t.same(kinds(removed), ['unsync:'])
  t.match(removed[0], { kind: 'unsync', op: { op: 'delete', name, purge: true, purgePending: true } })
  // A rename's old name whose delete failed: deleted again once the current (recorded, in sync) name is in place.
  const old = planAssociation(base({ recorded, leftovers: [{ subKey: '', name: 'old-name', purge: false }] }))
  t.same(kinds(old), ['noop:', 'cleanup:'])
  t.same(old[1], { kind: 'cleanup', subKey: '', op: { op: 'delete', name: 'old-name', ownerTagValue: 'vault-sync:d1:a1', purge: false } }, 'waits for the current name (not stray)')
  // Nothing is wanted for the target any more: at once (stray), with the destination's purge and the pending one.
  const gone = planAssociation(base({ kv: undefined, destination: purging, leftovers: [{ subKey: '', name: 'old-name', purge: true }] }))
  t.same(gone, [{ kind: 'cleanup', subKey: '', op: { op: 'delete', name: 'old-name', ownerTagValue: 'vault-sync:d1:a1', purge: true, purgePending: true }, stray: true }])
  // A leftover name the current template renders again is the target's own: no delete.
  t.same(kinds(planAssociation(base({ recorded, leftovers: [{ subKey: '', name: name.toLowerCase(), purge: true }] }))), ['noop:'])
})
