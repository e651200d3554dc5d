// FR-12: remove deletes only secrets that carry this association's ownership tag; a secret
// another destination on the same vault also syncs survives the unsync.
import t, { type Test } from 'tap'
import { vault } from '../helper.js'
import { startSyncTestbed, type SyncTestbed } from '../sync-testbed.js'

// (a) also for a secret another vault-sync server on the same vault took back: its built-in tag
// names ids this database does not have, never accepted as a former holder's (leaving-holders.ts).
for (const [who, tags] of [['a hand-made', undefined], ['another server\'s', { 'hashicorp:vault': 'vault-sync:d-elsewhere:a-elsewhere' }]] as const) {
  t.test(`(a) ${who} secret is overwritten on set (last write wins) but never deleted on remove`, async (t) => {
    const tb = await startSyncTestbed(t)
    await tb.sdk().setSecret('shared-db', 'by-hand', { tags })
    await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
    await tb.put('shared-db', { v: 1 })
    await tb.set('d1', 'shared-db')
    await tb.settle()
    t.match(await tb.entry('d1', 'shared-db'), { sync_status: 'SYNCED', message: tags === undefined ? 'adopted pre-existing secret' : undefined })
    // Someone takes the secret back: the latest version no longer carries our tag.
    await tb.sdk().setSecret('shared-db', 'by-hand-again', { tags })
    await tb.remove('d1', 'shared-db')
    await tb.settle()
    t.match(await tb.entry('d1', 'shared-db'), { sync_status: 'UNSYNCED', message: 'left in place: not owned by vault-sync' })
    t.equal(tb.latest('shared-db')!.value, 'by-hand-again', 'not deleted')
  })
}

/** A testbed where d1, then d2 (the last writer), sync `app` under the same Azure name. */
async function sharedByTwo (t: Test): Promise<SyncTestbed> {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.destination('d2', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app', { v: 1 })
  await tb.set('d1', 'app')
  await tb.settle()
  await tb.set('d2', 'app')
  await tb.settle()
  return tb
}

t.test('(b) two destinations on one vault: d1\'s unsync leaves d2\'s secret alone', async (t) => {
  const tb = await sharedByTwo(t)
  t.match(tb.latest('app')!.tags, { 'hashicorp:vault': /^vault-sync:/ })
  await tb.remove('d1', 'app')
  await tb.settle()
  t.match(await tb.entry('d1', 'app'), { sync_status: 'UNSYNCED', message: 'left in place: also synced by d2' })
  t.equal(tb.latest('app')?.value, '{"v":1}', 'd2\'s secret survives')
  t.match(await tb.entry('d2', 'app'), { sync_status: 'SYNCED' })
  await tb.remove('d2', 'app')
  await tb.settle()
  t.equal(tb.azure('app'), undefined, 'the last owner deletes it')
})

t.test('(c) two destinations on one vault, the last writer removed first: the last holder still deletes it', async (t) => {
  const tb = await sharedByTwo(t)
  await tb.remove('d2', 'app')
  await tb.settle()
  t.match(await tb.entry('d2', 'app'), { sync_status: 'UNSYNCED', message: 'left in place: also synced by d1' })
  t.equal(tb.latest('app')?.value, '{"v":1}', 'd1\'s secret survives')
  await tb.remove('d1', 'app')
  await tb.settle()
  t.match(await tb.entry('d1', 'app'), { sync_status: 'UNSYNCED' })
  t.equal(tb.azure('app'), undefined, 'deleted by the last holder, though d2 wrote it last')
})

for (const granularity of ['secret-path', 'secret-key'] as const) {
  t.test(`(d) two destinations on one vault, the KV secret deleted: the Azure secret goes (${granularity})`, async (t) => {
    const tb = await startSyncTestbed(t)
    const options = granularity === 'secret-path'
      ? { secret_name_template: '{{ .SecretBaseName }}' }
      : { granularity: 'secret-key', secret_name_template: '{{ .SecretBaseName }}-{{ .SecretKey }}' }
    const name = granularity === 'secret-path' ? 'app' : 'app-k'
    await tb.destination('d1', options)
    await tb.destination('d2', options)
    await tb.put('app', { k: 'v1' })
    await tb.set('d1', 'app')
    await tb.set('d2', 'app')
    await tb.settle()
    t.same(tb.names(), [name])
    await tb.advance(2_000) // time passes (beyond the write spacing of one association)
    t.equal((await vault(tb.server.app, 'DELETE', '/v1/secret/metadata/app')).statusCode, 204)
    await tb.converge(() => true)
    // Both associations unsync; each used to leave the secret in place for the other ("also
    // synced by"), so the deleted secret's value stayed live in Azure.
    t.same(tb.names(), [], 'nothing left live in Azure')
    for (const d of ['d1', 'd2']) t.match(await tb.entry(d, 'app', granularity === 'secret-key' ? 'k' : undefined), { sync_status: 'UNSYNCED' }, d)
  })
}

t.test('(e) two destinations on one vault, a key gone from the synced version (secret-key): its Azure secret goes', async (t) => {
  const tb = await startSyncTestbed(t)
  const options = { granularity: 'secret-key', secret_name_template: '{{ .SecretBaseName }}-{{ .SecretKey }}' }
  await tb.destination('d1', options)
  await tb.destination('d2', options)
  await tb.put('app', { k2: 'in-v1' })
  await tb.put('app', { k1: 'only-in-v2' })
  await tb.set('d1', 'app')
  await tb.set('d2', 'app')
  await tb.settle()
  t.same(tb.names(), ['app-k1'])
  await tb.advance(2_000)
  // Deleting version 2 makes version 1 the synced one (FR-20 a): k1 is gone, k2 is back.
  t.equal((await vault(tb.server.app, 'DELETE', '/v1/secret/data/app')).statusCode, 204)
  await tb.converge(() => true)
  // Both associations drop k1; each used to leave app-k1 in place for the other.
  t.same(tb.names(), ['app-k2'], 'the gone key\'s secret is deleted')
})
