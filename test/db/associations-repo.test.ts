// db/associations-repo.ts on a real SQLite file: associations and every association_targets
// statement (service side and worker side).
import t from 'tap'
import { createAssociationsRepo } from '../../db/associations-repo.js'
import { createOutboxRepo } from '../../db/outbox-repo.js'
import { addAssociation, openTestDb } from './repo-fixtures.js'

t.test('targets: upsert keeps the recorded name, put records it, statuses, delete', async (t) => {
  const db = openTestDb(t)
  addAssociation(db, 'a1')
  const repo = createAssociationsRepo(db)
  repo.upsertTarget({ association_id: 'a1', sub_key: '', status: 'PENDING', message: null, updated_at: 1 })
  repo.putTarget({ association_id: 'a1', sub_key: '', external_name: 'App', external_version: 'v1', digest: 'x.y', status: 'SYNCED', message: null, updated_at: 2 })
  repo.upsertTarget({ association_id: 'a1', sub_key: '', status: 'PENDING', message: null, updated_at: 3 })
  t.match(repo.targets('a1'), [{ external_name: 'App', external_version: 'v1', digest: 'x.y', status: 'PENDING' }])
  repo.setTargetStatus('a1', '', 'SYNCING', null, 4)
  t.equal(repo.targets('a1')[0].status, 'SYNCING')
  repo.setTargetsStatus('a1', 'UNSYNCING', 'why', 5)
  t.match(repo.targets('a1')[0], { status: 'UNSYNCING', message: 'why' })
  repo.deleteTarget('a1', '')
  t.same(repo.targets('a1'), [])
})

t.test('ownersOfName compares case-insensitively and skips the asking association', async (t) => {
  const db = openTestDb(t)
  addAssociation(db, 'a1')
  addAssociation(db, 'a2', { removed: 1 })
  const repo = createAssociationsRepo(db)
  repo.putTarget({ association_id: 'a1', sub_key: '', external_name: 'Api-Key', external_version: null, digest: null, status: 'SYNCED', message: null, updated_at: 1 })
  t.match(repo.ownersOfName('api-key', 'a2'), [{ association_id: 'a1', destination_id: 'd1', mount_path: 'secret/', secret_path: 'a1', removed: 0 }])
  t.same(repo.ownersOfName('api-key', 'a1'), [])
})

t.test('erroredBefore, expired unsynced targets, delete cascades to targets and outbox', async (t) => {
  const db = openTestDb(t)
  addAssociation(db, 'ok', { status: 'SYNCED', updated_at: 5 })
  addAssociation(db, 'bad', { status: 'CLIENT_SIDE_ERROR', updated_at: 5 })
  addAssociation(db, 'badTarget', { status: 'SYNCED', updated_at: 5, granularity: 'secret-key' })
  const repo = createAssociationsRepo(db)
  repo.upsertTarget({ association_id: 'badTarget', sub_key: 'k', status: 'EXTERNAL_SERVICE_ERROR', message: 'x', updated_at: 5 })
  repo.upsertTarget({ association_id: 'badTarget', sub_key: 'gone', status: 'UNSYNCED', message: null, updated_at: 5 })
  t.same(repo.erroredBefore(10).sort(), ['bad', 'badTarget'])
  t.same(repo.erroredBefore(5), [], 'only changes before the bound')
  t.equal(repo.deleteExpiredUnsyncedTargets(10), 1)
  t.same(repo.targets('badTarget').map((x) => x.sub_key), ['k'])
  const outbox = createOutboxRepo(db)
  outbox.markDirty('badTarget', 6)
  repo.delete('badTarget')
  t.same(repo.targets('badTarget'), [])
  t.equal(outbox.has('badTarget'), false)
})

t.test('view generations (migration 7 triggers): every change a list shows stamps the association; digests do not; a delete resets', async (t) => {
  const db = openTestDb(t)
  addAssociation(db, 'a1')
  addAssociation(db, 'a2')
  const repo = createAssociationsRepo(db)
  const gen = (): number => repo.viewGeneration('d1')!.view_gen
  const changed = (since: number): string[] => repo.changedSince('d1', since).map((a) => a.id).sort()
  t.equal(repo.viewGeneration('nope'), undefined)
  const g0 = gen()
  t.same(changed(0), ['a1', 'a2'], 'inserts are stamped')
  const listing0 = repo.listingGeneration()
  repo.upsertTarget({ association_id: 'a1', sub_key: '', status: 'PENDING', message: null, updated_at: 1 })
  t.ok(gen() > g0, 'a target insert bumps the destination')
  t.same(changed(g0), ['a1'], 'and stamps only its association')
  t.not(repo.listingGeneration(), listing0, 'the global list sees it')
  let g = gen()
  repo.setTargetStatus('a1', '', 'SYNCED', null, 2)
  t.same(changed(g), ['a1'], 'a target status change')
  g = gen()
  repo.setStatus('a2', 'SYNCED', null, 3)
  t.same(changed(g), ['a2'], 'an association status change')
  repo.putTarget({ association_id: 'a1', sub_key: '', external_name: 'n', external_version: 'v', digest: 'd', status: 'SYNCED', message: null, updated_at: 2 })
  g = gen()
  repo.setDigest(repo.storedDigests()[0].rowid, 'e')
  t.equal(gen(), g, 'a digest rewrite shows nothing: no bump')
  repo.delete('a2')
  const after = repo.viewGeneration('d1')!
  t.equal(after.view_reset, after.view_gen, 'a delete records the reset at the new generation')
})
