// Read-through caches (issue 16): another connection's commits, this service's writes and
// rolled-back transactions are all seen by the next read through the cache.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { openDatabase, type Db } from '../../db/database.js'
import { createMountsRepo } from '../../db/mounts-repo.js'
import { createKvRepo, kvRepoScope } from '../../db/kv-repo.js'
import { cacheRepoReads, createChangeCheck } from '../../db/read-cache.js'
import { createTokensRepo } from '../../db/tokens-repo.js'
import { createMountService } from '../../src/mounts/mount-service.js'
import { hashTokenId } from '../../src/tokens/token-ids.js'
import { createTokenService } from '../../src/tokens/token-service.js'
import { tempDir } from '../helper.js'

const nextTurn = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

/** `n` connections to one new database file, closed when `t` ends. */
function connections (t: Test, n: number): Db[] {
  const path = join(tempDir(t), 'v.db')
  const dbs = Array.from({ length: n }, () => openDatabase(path))
  t.teardown(() => { for (const db of dbs) db.close() })
  return dbs
}

t.test('the mount table and token rows read through a cache stay true', async (t) => {
  const [a, b] = connections(t, 2)
  const changes = createChangeCheck(a)
  const mounts = createMountService({ mounts: createMountsRepo(a), changes })
  mounts.ensureBuiltins()
  t.equal(mounts.resolve('kv/x'), undefined)
  mounts.enable('kv', { type: 'kv-v2' })
  t.equal(mounts.resolve('kv/x')?.rest, 'x', "this service's write is seen at once")

  // Another connection (another process on the same file) enables a mount.
  createMountService({ mounts: createMountsRepo(b) }).enable('other', { type: 'kv-v2' })
  await nextTurn()
  t.equal(mounts.resolve('other/y')?.mount.path, 'other/', "another connection's commit is seen on the next turn")

  // A transaction that wrote and rolled back leaves nothing cached.
  t.throws(() => a.transaction(() => {
    mounts.enable('ghost', { type: 'kv-v2' })
    t.equal(mounts.resolve('ghost/z')?.mount.path, 'ghost/', 'read inside the transaction sees the write')
    throw new Error('roll back')
  })())
  t.equal(mounts.resolve('ghost/z'), undefined, 'the rolled-back mount is gone')

  const tokens = createTokenService({ tokens: createTokensRepo(a), changes })
  const root = tokens.ensureRootToken('hvs.root-for-cache')
  t.same(tokens.authenticate(root)?.policies, ['root'])
  createTokenService({ tokens: createTokensRepo(b) }).revoke(root)
  await nextTurn()
  t.equal(tokens.authenticate(root), undefined, 'a token revoked by another connection is refused')
})

t.test('limited-use tokens count their uses through the cache', async (t) => {
  const [db] = connections(t, 1)
  const repo = createTokensRepo(db)
  const tokens = createTokenService({ tokens: repo, changes: createChangeCheck(db) })
  const id = 'hvs.two-uses'
  repo.insert({
    accessor: 'acc-two-uses', id_hash: hashTokenId(id), policies: '["default"]', path: 'auth/token/create', display_name: 'token',
    meta: null, num_uses: 2, creation_time: 0, creation_ttl: 0, explicit_max_ttl: 0, expire_time_ms: null, renewable: 0,
    orphan: 1, parent_accessor: null, period: 0, last_renewal_ms: null
  })
  const accessor = tokens.authenticate(id)!.accessor
  tokens.recordUse(accessor)
  t.ok(tokens.authenticate(id), 'one use left')
  tokens.recordUse(accessor)
  t.equal(tokens.authenticate(id), undefined, 'the last use revoked it')
})

t.test('a cascading write (disabling a mount) empties the KV cache too', async (t) => {
  const [db] = connections(t, 1)
  const changes = createChangeCheck(db)
  const mounts = createMountService({ mounts: createMountsRepo(db), changes })
  const kv = cacheRepoReads(createKvRepo(db), changes, ['metadata'], [], false)
  mounts.enable('kv', { type: 'kv-v2' })
  const accessor = mounts.resolve('kv/k')!.mount.accessor
  kv.upsertMetadata({
    accessor, path: 'k', current_version: 1, oldest_version: 0, created_time: 1, updated_time: 1, max_versions: 0,
    cas_required: 0, delete_version_after: 0, custom_metadata: null
  })
  t.equal(kv.metadata(accessor, 'k')?.current_version, 1)
  mounts.disable('kv')
  t.equal(kv.metadata(accessor, 'k'), undefined, 'the cascade-deleted row is not served from the cache')
})

t.test('a KV write forgets only its key; other keys stay cached, rollbacks and other connections still seen', async (t) => {
  const [a, b] = connections(t, 2)
  const changes = createChangeCheck(a)
  const mounts = createMountService({ mounts: createMountsRepo(a), changes })
  mounts.enable('kv', { type: 'kv-v2' })
  const accessor = mounts.resolve('kv/k')!.mount.accessor
  const plain = createKvRepo(a)
  let loads = 0
  const counted = { ...plain, metadata: (acc: string, path: string) => { loads++; return plain.metadata(acc, path) } }
  const kv = cacheRepoReads(counted, changes, ['metadata'], [], false, kvRepoScope)
  const row = (path: string, version: number): Parameters<typeof kv.upsertMetadata>[0] => ({
    accessor, path, current_version: version, oldest_version: 0, created_time: 1, updated_time: 1, max_versions: 0,
    cas_required: 0, delete_version_after: 0, custom_metadata: null
  })
  kv.upsertMetadata(row('one', 1))
  kv.upsertMetadata(row('two', 1))
  t.equal(kv.metadata(accessor, 'one')?.current_version, 1)
  t.equal(kv.metadata(accessor, 'two')?.current_version, 1)
  t.equal(loads, 2)
  kv.upsertMetadata(row('one', 2))
  t.equal(kv.metadata(accessor, 'one')?.current_version, 2, 'the written key is read afresh')
  t.equal(kv.metadata(accessor, 'two')?.current_version, 1)
  t.equal(loads, 3, 'the other key stayed cached')

  t.throws(() => a.transaction(() => {
    kv.upsertMetadata(row('two', 9))
    t.equal(kv.metadata(accessor, 'two')?.current_version, 9, 'read inside the transaction sees the write')
    throw new Error('roll back')
  })())
  t.equal(kv.metadata(accessor, 'two')?.current_version, 1, 'the rolled-back write is not served')

  createKvRepo(b).upsertMetadata(row('one', 7))
  await nextTurn()
  t.equal(kv.metadata(accessor, 'one')?.current_version, 7, "another connection's commit is seen on the next turn")
  kv.deleteMetadata(accessor, 'one')
  t.equal(kv.metadata(accessor, 'one'), undefined, 'a deleted key is not served from the cache')
})
