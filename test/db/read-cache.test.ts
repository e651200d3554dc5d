// Read-through caches (issue 16; async form over the Store, issue 18): another connection's
// commits, this service's writes and rolled-back transactions are all seen by the next read.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { openDatabase, type Db } from '../../db/database.js'
import { createKvRepo, kvRepoScope } from '../../db/kv-repo.js'
import { cacheAsyncRepoReads, cacheRepoReads } from '../../db/cached-repo.js'
import { createChangeCheck, MISS } from '../../db/read-cache.js'
import { createSqliteStore } from '../../db/store/sqlite-store.js'
import type { RequestToken } from '../../src/vault/http-plugin.js'
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

/** The async mount and token services over a SQLite store on `db`, with `db`'s change check. */
function accessServices (db: Db, changes = createChangeCheck(db)) {
  const store = createSqliteStore(db)
  return { store, changes, mounts: createMountService({ store, changes }), tokens: createTokenService({ store, changes }) }
}

t.test('the mount table and token rows read through a cache stay true', async (t) => {
  const [a, b] = connections(t, 2)
  const { store, mounts, tokens } = accessServices(a)
  await mounts.ensureBuiltins()
  t.equal(await mounts.resolve('kv/x'), undefined)
  t.equal(mounts.peekResolve('kv/x'), undefined, 'the cached table answers synchronously')
  await mounts.enable('kv', { type: 'kv-v2' })
  t.equal(mounts.peekResolve('kv/x'), MISS, "this service's write forgot the cached table")
  t.equal((await mounts.resolve('kv/x'))?.rest, 'x', "this service's write is seen at once")

  // Another connection (another process on the same file) enables a mount.
  await accessServices(b).mounts.enable('other', { type: 'kv-v2' })
  await nextTurn()
  t.equal((await mounts.resolve('other/y'))?.mount.path, 'other/', "another connection's commit is seen on the next turn")

  // A unit of work that wrote and rolled back leaves nothing cached.
  await t.rejects(store.transaction(async () => {
    await mounts.enable('ghost', { type: 'kv-v2' })
    t.equal((await mounts.resolve('ghost/z'))?.mount.path, 'ghost/', 'read inside the unit sees the write')
    throw new Error('roll back')
  }), /roll back/)
  t.equal(await mounts.resolve('ghost/z'), undefined, 'the rolled-back mount is gone')

  const root = await tokens.ensureRootToken('hvs.root-for-cache')
  t.same((await tokens.authenticate(root))?.policies, ['root'])
  t.same((tokens.peekAuthenticate(root) as RequestToken).policies, ['root'], 'a cached token authenticates synchronously')
  await accessServices(b).tokens.revoke(root)
  await nextTurn()
  t.equal(tokens.peekAuthenticate(root), MISS, "another connection's commit empties the token cache")
  t.equal(await tokens.authenticate(root), undefined, 'a token revoked by another connection is refused')
})

t.test('limited-use tokens count their uses through the cache (useOnce)', async (t) => {
  const [db] = connections(t, 1)
  const { tokens } = accessServices(db)
  const repo = createTokensRepo(db)
  const id = 'hvs.two-uses'
  repo.insert({
    accessor: 'acc-two-uses', id_hash: hashTokenId(id), policies: '["default"]', path: 'auth/token/create', display_name: 'token',
    meta: null, num_uses: 2, creation_time: 0, creation_ttl: 0, explicit_max_ttl: 0, expire_time_ms: null, renewable: 0,
    orphan: 1, parent_accessor: null, period: 0, last_renewal_ms: null, role: null
  })
  const accessor = (await tokens.authenticate(id))!.accessor
  t.equal(await tokens.useToken(accessor), 'ok')
  t.equal(repo.byAccessor(accessor)?.num_uses, 1, 'one use counted')
  t.ok(await tokens.authenticate(id), 'one use left')
  t.equal(await tokens.useToken(accessor), 'last', 'the final use')
  t.equal(await tokens.authenticate(id), undefined, 'pending revocation: no other request authenticates with it')
  t.equal(await tokens.useToken(accessor), 'spent', 'and no use is left')
  await tokens.revokeSpent(accessor)
  t.equal(repo.byAccessor(accessor), undefined, 'revoked once its final use is answered')
  const root = await tokens.ensureRootToken('hvs.unlimited')
  await tokens.authenticate(root)
  t.equal(tokens.useToken((await tokens.authenticate(root))!.accessor), undefined, 'an unlimited token writes nothing (no promise)')
})

t.test('a cascading write (disabling a mount) empties the KV cache too', async (t) => {
  const [db] = connections(t, 1)
  const { changes, mounts } = accessServices(db)
  const kv = cacheRepoReads(createKvRepo(db), changes, ['metadata'], [], false)
  await mounts.enable('kv', { type: 'kv-v2' })
  const accessor = (await mounts.resolve('kv/k'))!.mount.accessor
  kv.upsertMetadata({
    accessor, path: 'k', current_version: 1, oldest_version: 0, created_time: 1, updated_time: 1, max_versions: 0,
    cas_required: 0, delete_version_after: 0, custom_metadata: null
  })
  t.equal(kv.metadata(accessor, 'k')?.current_version, 1)
  await mounts.disable('kv')
  t.equal(kv.metadata(accessor, 'k'), undefined, 'the cascade-deleted row is not served from the cache')
})

t.test('a KV write forgets only its key; other keys stay cached, rollbacks and other connections still seen', async (t) => {
  const [a, b] = connections(t, 2)
  const { changes, mounts } = accessServices(a)
  await mounts.enable('kv', { type: 'kv-v2' })
  const accessor = (await mounts.resolve('kv/k'))!.mount.accessor
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

/** A SQLite store on a new database holding the KV mount `kv_1`, its change check, and key `k`'s metadata row at `version`. */
async function kvMountStore (t: Test) {
  const [a] = connections(t, 1)
  const changes = createChangeCheck(a)
  const store = createSqliteStore(a)
  await store.repos.mounts.insert({
    accessor: 'kv_1', path: 'kv/', type: 'kv', uuid: 'u', description: '', options: '{"version":"2"}', config: '{}',
    local: 0, seal_wrap: 0, external_entropy_access: 0, builtin: 0
  })
  const row = (version: number) => ({
    accessor: 'kv_1', path: 'k', current_version: version, oldest_version: 0, created_time: 1, updated_time: 1, max_versions: 0,
    cas_required: 0, delete_version_after: 0, custom_metadata: null
  })
  return { a, changes, store, row }
}

t.test('the async cache: hits answer synchronously, a load that raced a write is not kept', async (t) => {
  const { changes, store, row } = await kvMountStore(t)
  let loads = 0
  const plain = store.repos.kv
  const counted = { ...plain, metadata: async (acc: string, path: string) => { loads++; return await plain.metadata(acc, path) } }
  const kv = cacheAsyncRepoReads(counted, changes, ['metadata'], ['pathsInRange'], false, kvRepoScope)
  t.equal(kv.peek('metadata', 'kv_1', 'k'), MISS)
  t.equal(await kv.metadata('kv_1', 'k'), undefined)
  t.equal(kv.peek('metadata', 'kv_1', 'k'), undefined, 'an absent key is cached too')
  await kv.upsertMetadata(row(1))
  t.equal(kv.peek('metadata', 'kv_1', 'k'), MISS, 'the write forgot the key')
  // A read whose load overlaps a write of the same key keeps nothing.
  const racing = kv.metadata('kv_1', 'k')
  await kv.upsertMetadata(row(2))
  await racing
  t.equal(kv.peek('metadata', 'kv_1', 'k'), MISS, 'the raced load was not kept')
  t.equal((await kv.metadata('kv_1', 'k'))?.current_version, 2)
  t.equal((kv.peek('metadata', 'kv_1', 'k') as { current_version: number }).current_version, 2)
  const before = loads
  await kv.metadata('kv_1', 'k')
  t.equal(loads, before, 'a hit loads nothing')
  // A unit of work that wrote and rolled back leaves nothing cached.
  await t.rejects(store.transaction(async () => {
    await kv.upsertMetadata(row(9))
    t.equal((await kv.metadata('kv_1', 'k'))?.current_version, 9, 'read inside the unit sees the write')
    throw new Error('roll back')
  }), /roll back/)
  t.equal((await kv.metadata('kv_1', 'k'))?.current_version, 2, 'the rolled-back write is not served')
})

t.test('rewrote: a write on the synchronous twin forgets its key and keeps the row it wrote', async (t) => {
  const { a, changes, store, row } = await kvMountStore(t)
  const kv = cacheAsyncRepoReads(store.repos.kv, changes, ['metadata', 'versions'], ['pathsInRange'], false, kvRepoScope)
  const twin = createKvRepo(a)
  twin.upsertMetadata(row(1))
  await kv.metadata('kv_1', 'k')
  t.same(await kv.versions('kv_1', 'k'), [])
  const written = row(2)
  twin.upsertMetadata(written)
  kv.rewrote('metadata', ['kv_1', 'k'], written)
  t.equal(kv.peek('metadata', 'kv_1', 'k'), written, 'the row written is kept')
  t.equal(kv.peek('versions', 'kv_1', 'k'), MISS, "the key's other rows are forgotten")
  const again = row(3)
  twin.upsertMetadata(again)
  kv.rewrote('metadata', ['kv_1', 'k'], again)
  t.equal(kv.peek('metadata', 'kv_1', 'k'), again, 'a key holding only that row keeps the new one')
  // Inside a transaction that wrote, only the caller's own row is kept (`remember`'s rule).
  a.prepare('BEGIN IMMEDIATE').run()
  twin.upsertMetadata(row(4))
  kv.rewrote('metadata', ['kv_1', 'k'], row(4))
  t.equal(kv.peek('metadata', 'kv_1', 'k'), MISS, 'not kept inside a transaction that wrote')
  const own = row(5)
  twin.upsertMetadata(own)
  kv.rewrote('metadata', ['kv_1', 'k'], own, true)
  t.equal(kv.peek('metadata', 'kv_1', 'k'), own, 'own: kept inside the open transaction')
  a.prepare('COMMIT').run()
  t.equal((await kv.metadata('kv_1', 'k'))?.current_version, 5)
})
