// The Key Vault side of drift detection (issue 21) against the emulator with the real SDK: a
// metadata sweep over a vault of 300 secrets (100 ours) with pages of 25 and empty pages that carry
// a nextLink, then one check per owned target. Each out-of-band edit kind (made through the
// emulator's admin API) gets its state and repair action; unchanged targets cost no call; every
// call is counted by the emulator, none is a write, and a call budget stops a sweep early.
import t from 'tap'
import type { SecretClient } from '@azure/keyvault-secrets'
import { checkTargets } from '../../../../src/drift/check-round.js'
import { inspectTarget } from '../../../../src/drift/inspect.js'
import type { DriftEvidence, DriftFinding } from '../../../../src/drift/drift-types.js'
import { deriveDriftKey, valueDigest } from '../../../../src/drift/value-digest.js'
import { evidenceFromWrite, refreshedEvidence } from '../../../../src/drift/evidence.js'
import { azureKvDriftReader, listedFromProperties, sweepSecretList, type CallGate } from '../../../../src/drivers/azure-kv/azure-kv-drift.js'
import { createVaultLimiter } from '../../../../src/drivers/azure-kv/azure-kv-limits.js'
import { createManualClock, type AkvEmulator } from '../../../../src/akv-emulator/index.js'
import { clientFor, startEmulator } from '../../../akv-emulator/helpers.js'

const key = deriveDriftKey(Buffer.alloc(32, 3))
const OWNER = { 'hashicorp:vault': 'vault-sync:dest1:assoc1', env: 'prod' }
const name = (i: number): string => `ours-${String(i).padStart(3, '0')}`

/** Writes one owned target through the SDK and records its evidence, as a settled write would. */
async function writeOwned (client: SecretClient, n: string, value: string): Promise<DriftEvidence> {
  const s = await client.setSecret(n, value, { contentType: 'text/plain', tags: OWNER })
  const p = listedFromProperties(s.properties)
  return evidenceFromWrite({ version: s.properties.version!, updated: p.updated, tags: p.tags, contentType: p.contentType }, value, key)
}

/** Emulator-counted Key Vault calls since `seq` that reached the service (any status; not challenges), by operation. */
function countCalls (emu: AkvEmulator, since: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const e of emu.requestLog({ since })) if (e.family === 'vault' && e.outcome === undefined) out[e.operation ?? '?'] = (out[e.operation ?? '?'] ?? 0) + 1
  return out
}

t.test('sweep + checks over 300 secrets, pages of 25 with empty pages', async (t) => {
  // A manual clock: times move only by clock.advance, so `updated` values are exact.
  const emu = await startEmulator(t, { clock: createManualClock(), vaultDefaults: { paging: { pageSize: 25, emptyPageEvery: 3 }, throttle: { enabled: false } } })
  const client = clientFor(emu)
  const vault = emu.vault()
  const evidence = new Map<string, DriftEvidence>()
  for (let i = 0; i < 100; i += 20) {
    const batch = await Promise.all(Array.from({ length: 20 }, async (_, j) => [name(i + j), await writeOwned(client, name(i + j), `value-${i + j}`)] as const))
    for (const [n, e] of batch) evidence.set(n, e)
  }
  for (let i = 0; i < 200; i++) vault.edit(`other-${String(i).padStart(3, '0')}`, { op: 'new-version', value: `x${i}` })
  emu.clock.advance(5_000)

  // The out-of-band edits, one target each.
  const ev = (i: number): DriftEvidence => evidence.get(name(i))!
  vault.edit(name(1), { op: 'patch', tags: { env: 'dev' } })
  vault.edit(name(2), { op: 'patch', contentType: 'application/json' })
  vault.edit(name(3), { op: 'new-version', value: 'from-a-pipeline' })
  const benign = vault.edit(name(4), { op: 'new-version', value: 'value-4', contentType: 'text/plain', tags: OWNER })
  const untaggedSame = vault.edit(name(5), { op: 'new-version', value: 'value-5', contentType: 'text/plain' })
  vault.edit(name(6), { op: 'disable' })
  vault.edit(name(7), { op: 'delete' })
  vault.edit(name(8), { op: 'purge' })
  vault.edit(name(9), { op: 'recreate', value: 'value-9', contentType: 'text/plain' })
  const noop = vault.edit(name(10), { op: 'patch' })
  vault.edit(name(11), { op: 'recreate', value: 'theirs', tags: { 'hashicorp:vault': 'vault-sync:dest2:assoc7' } })

  let gated = 0
  const limiter = createVaultLimiter()
  t.teardown(() => { limiter.clear() })
  const call: CallGate = async (fn) => { gated++; return await limiter.run(emu.info.vault_uri, 'other', fn) }
  const since = emu.requestLog().at(-1)!.seq

  const sweep = await sweepSecretList(client, { maxCalls: 50, call })
  t.equal(sweep.complete, true)
  t.equal(sweep.listed.size, 298, 'every active secret (one deleted, one purged)')
  // 298 items in 12 pages of 25 and fewer; empty pages at indexes 0, 4, 8, 12 and a trailing one at 16.
  t.equal(sweep.calls, 17, 'LIST calls, empty pages included')
  t.same(countCalls(emu, since), { GetSecrets: 17 }, 'the emulator counted the same LIST calls')
  t.same(sweep.listed.get(name(1)), { name: name(1), updated: ev(1).updated + 5, enabled: true, tags: { env: 'dev' }, contentType: 'text/plain', managed: false })

  const reader = azureKvDriftReader(client, call)
  const targets = [...evidence].map(([n, e]) => ({ id: n, name: n.toUpperCase(), evidence: e }))
  const round = await checkTargets(targets, sweep, reader, { key, repairMissing: false, maxReads: 100 })
  const findings = round.findings
  const reads = round.reads
  t.same(round.deferred, [])
  const f = (i: number): DriftFinding => findings.get(name(i))!
  t.match(f(1), { state: 'drifted-metadata', changes: ['tags'], action: { kind: 'update-properties', version: ev(1).version } }, 'tag-only patch')
  t.match(f(2), { state: 'drifted-metadata', changes: ['content-type'], action: { kind: 'update-properties' } }, 'content-type patch')
  t.match(f(3), { state: 'drifted-value', changes: ['new-version', 'value', 'tags', 'content-type'], action: { kind: 'write' } }, 'new untagged version')
  t.same(f(4).action, { kind: 'refresh-evidence', version: benign.version, updated: benign.updated }, 'benign rewrite of the same value')
  t.equal(f(4).state, 'in-sync')
  t.match(f(5), { state: 'drifted-metadata', changes: ['new-version', 'tags'], action: { kind: 'update-properties', version: untaggedSame.version } }, 'same value, untagged')
  t.match(f(6), { state: 'drifted-metadata', changes: ['disabled'], action: { kind: 'update-properties', version: ev(6).version } }, 'disabled')
  t.match(f(7), { state: 'remote-missing', action: { kind: 'none' } }, 'deleted')
  t.match(f(8), { state: 'remote-missing', action: { kind: 'none' } }, 'purged')
  t.match(f(9), { state: 'ownership-lost', changes: ['recreated'], action: { kind: 'none', reason: 'ownership lost: never taken over' } }, 'purged and re-created with the same value')
  t.same(f(10).action, { kind: 'refresh-evidence', version: ev(10).version, updated: noop.updated }, 'a no-op PATCH')
  t.match(f(11), { state: 'ownership-lost', changes: ['foreign-owner'] }, 're-created by another association')
  t.equal([...findings.values()].filter((x) => x.state === 'in-sync').length, 100 - 9)

  // One GET per suspect (11), plus the lineage GET for the untagged/disabled/re-created ones (3, 5, 6, 9).
  t.equal(reads, 15)
  t.same(countCalls(emu, since), { GetSecrets: 17, GetSecret: 15 }, 'no write, no other call: 32 calls in all')
  t.equal(gated, 17 + 1 + 15, 'every call went through the gate (plus the free end-of-list check)')
  t.notOk(JSON.stringify([...findings.values()]).match(/value-|from-a-pipeline|hmac/), 'findings hold no values or digests')

  for (const i of [4, 10]) {
    const a = f(i).action
    if (a.kind === 'refresh-evidence') evidence.set(name(i), refreshedEvidence(ev(i), a))
  }
  const again = await checkTargets([4, 10].map((i) => ({ id: name(i), name: name(i), evidence: ev(i) })), await sweepSecretList(client, { maxCalls: 50 }), reader, { key, repairMissing: false, maxReads: 10 })
  t.equal(again.reads, 0, 'once the evidence is refreshed, a benign rewrite costs no more reads')

  const partial = await sweepSecretList(client, { maxCalls: 5, pageSize: 10 })
  t.equal(partial.complete, false, 'the budget stops a sweep')
  t.equal(partial.calls, 5)
  t.equal(partial.listed.size, 30, 'pages 0, 4 are empty: three pages of 10')
  const before = emu.requestLog().at(-1)!.seq
  const unknown = await checkTargets(targets.slice(20, 30), partial, reader, { key, repairMissing: false, maxReads: 100 })
  t.equal(unknown.reads, 10, 'after an incomplete sweep an unlisted name is read, not taken for missing')
  t.same([...unknown.findings.values()].map((x) => x.state), Array(10).fill('in-sync'))
  const tight = await checkTargets(targets, sweep, reader, { key, repairMissing: false, maxReads: 5 })
  // Targets 1 and 2 take one read each, 3 takes two; then fewer than two reads remain.
  t.same(tight.deferred, [4, 5, 6, 7, 8, 9, 10, 11].map(name), 'suspects past the read budget are deferred')
  t.equal(tight.findings.size, 89 + 3)
  t.equal(tight.reads, 4)
  t.same(countCalls(emu, before), { GetSecret: 10 + tight.reads })
  await t.rejects(sweepSecretList(client, { maxCalls: 0 }), RangeError)
  await t.rejects(sweepSecretList(client, { maxCalls: 1, pageSize: 26 }), RangeError)
})

t.test('a vault of 5,000 secrets (1,000 ours): one sweep within its call budget', async (t) => {
  const emu = await startEmulator(t, { vaultDefaults: { paging: { pageSize: 25, emptyPageEvery: 3 } } })
  const client = clientFor(emu)
  const vault = emu.vault()
  const evidence = new Map<string, DriftEvidence>()
  for (let i = 0; i < 5000; i++) {
    const n = i % 5 === 0 ? `ours-${String(i).padStart(4, '0')}` : `other-${String(i).padStart(4, '0')}`
    const r = vault.edit(n, n.startsWith('ours') ? { op: 'new-version', value: `v${i}`, contentType: 'text/plain', tags: OWNER } : { op: 'new-version', value: `v${i}` })
    if (n.startsWith('ours')) evidence.set(n, { version: r.version!, updated: r.updated!, tags: OWNER, contentType: 'text/plain', valueDigest: valueDigest(key, `v${i}`) })
  }
  emu.clock.advance(2_000)
  vault.edit('ours-0000', { op: 'new-version', value: 'changed' })
  vault.edit('ours-2500', { op: 'delete' })
  vault.edit('ours-4995', { op: 'patch', tags: {} })
  const since = emu.requestLog().at(-1)?.seq ?? 0

  // 200 pages with items, an empty page before every 3 of them (67), no trailing one (200 % 3 != 0).
  const budget = Math.ceil(5000 / 25 * 4 / 3) + 1
  const sweep = await sweepSecretList(client, { maxCalls: budget })
  t.equal(sweep.complete, true)
  t.equal(sweep.listed.size, 4999)
  t.equal(sweep.calls, 200 + 67)
  const reader = azureKvDriftReader(client)
  const states: Record<string, number> = {}
  let reads = 0
  for (const [n, e] of evidence) {
    const r = await inspectTarget(n, e, sweep.listed.get(n) ?? null, reader, { key, repairMissing: true })
    reads += r.reads
    states[r.finding.state] = (states[r.finding.state] ?? 0) + 1
  }
  t.same(states, { 'in-sync': 997, 'drifted-value': 1, 'remote-missing': 1, 'drifted-metadata': 1 })
  t.equal(reads, 3 + 1, 'one GET per suspect, plus the lineage GET of the untagged new version')
  t.same(countCalls(emu, since), { GetSecrets: 267, GetSecret: 4 }, 'the emulator counted 271 calls, none a write')
})
