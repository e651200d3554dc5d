// README's minimal custom role lists exactly the Key Vault data actions the driver uses (issue 8
// Done-when; decisions D-25, D-8). A sync flow against the emulator covers every driver path —
// first write, new version, refresh, tags-only change, unsync, soft-deleted name recovery, unsync
// with purge, under both granularities — and the union of the data actions in the emulator's
// request log (authenticated calls) must equal the role's `DataActions`.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { mergePatch } from '../sync-fixtures.js'
import { startSyncTestbed } from '../sync-testbed.js'

const README = join(import.meta.dirname, '..', '..', 'README.md')

/** The `DataActions` of the custom role JSON block in README. */
function readmeDataActions (): string[] {
  const blocks = [...readFileSync(README, 'utf8').matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.includes('"DataActions"'))
  if (blocks.length !== 1) throw new Error(`README should hold exactly one JSON block with "DataActions", found ${blocks.length}`)
  const role = JSON.parse(blocks[0]) as { DataActions: string[], Actions: string[] }
  if (role.Actions.length !== 0) throw new Error('the minimal role needs no control-plane Actions')
  return role.DataActions
}

t.test('the driver uses exactly the data actions of README\'s custom role', async (t) => {
  const tb = await startSyncTestbed(t)
  const app = tb.server.app
  const dest = '/v1/sys/sync/destinations/azure-kv/role'
  const statuses = async (): Promise<string[]> => Object.values(await tb.associations('role')).map((e) => `${e.sub_key ?? ''}:${e.sync_status}${e.message === undefined ? '' : ` ${e.message}`}`)

  await tb.put('app', { user: 'u', password: 'p1' })
  await tb.destination('role', { custom_tags: { team: 'a' } })
  t.equal((await tb.set('role', 'app')).statusCode, 200)
  await tb.settle() // first write: getSecret (is the name free?), setSecret
  await tb.put('app', { user: 'u', password: 'p2' })
  await tb.settle() // new version: setSecret
  t.equal((await mergePatch(app, dest, { custom_tags: { team: 'b' } })).statusCode, 200)
  await tb.settle() // the change re-queues the association; same value, other tags (D-8): updateSecretProperties
  await tb.put('app', { user: 'u', password: 'p2' })
  await tb.settle() // a new KV version with the same data and tags: nothing to write
  t.equal((await tb.set('role', 'app')).statusCode, 200)
  await tb.settle() // refresh (D-8): setSecret
  t.equal((await tb.remove('role', 'app')).statusCode, 200)
  await tb.settle() // unsync: getSecret (owned?), deleteSecret + getDeletedSecret (poller)
  t.equal((await tb.set('role', 'app')).statusCode, 200)
  await tb.settle() // soft-deleted name: setSecret 409, recover (+ poll), setSecret
  t.same(await statuses(), [':SYNCED'])
  t.equal((await mergePatch(app, dest, { purge_on_unsync: true })).statusCode, 200)
  t.equal((await tb.remove('role', 'app')).statusCode, 200)
  await tb.settle() // unsync with purge: deleteSecret, purgeDeletedSecret

  // The same under secret-key.
  await tb.destination('keys', { granularity: 'secret-key', purge_on_unsync: true })
  await tb.put('db', { host: 'h', port: 5432 })
  t.equal((await tb.set('keys', 'db')).statusCode, 200)
  await tb.settle()
  t.equal((await tb.remove('keys', 'db')).statusCode, 200)
  await tb.settle()

  const log = tb.emu.requestLog().filter((e) => e.family === 'vault' && e.principal !== undefined)
  const ops = new Set(log.map((e) => e.operation))
  for (const op of ['GetSecret', 'SetSecret', 'UpdateSecret', 'DeleteSecret', 'GetDeletedSecret', 'RecoverDeletedSecret', 'PurgeDeletedSecret']) {
    t.ok(ops.has(op), `the flow exercised ${op}`)
  }
  t.same(log.filter((e) => e.status >= 500), [], 'no server errors')
  t.equal(tb.names().length, 0, 'everything unsynced')
  const used = [...new Set(log.map((e) => e.dataAction).filter((a): a is string => a !== undefined))].sort()
  t.same(used, [...readmeDataActions()].sort(), 'README\'s DataActions are exactly the data actions used')
})
