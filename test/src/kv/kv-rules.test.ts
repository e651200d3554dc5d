// Pure KV v2 rules (spec/vault-core-kv-api.md §3.5, §3.11, §3.9; Vault's AddVersion and deletionTime).
import t from 'tap'
import {
  addVersion, casError, effectiveMaxVersions, highestActiveVersion, isLive, scheduledDeletionTime, versionsNotDestroyed,
  versionsToDelete, type VersionState
} from '../../../src/kv/kv-rules.js'

t.test('check-and-set texts', async (t) => {
  t.equal(casError(undefined, 3, false), undefined)
  t.equal(casError(3, 3, false), undefined)
  t.equal(casError(0, 0, true), undefined, 'cas 0 on a new key')
  t.equal(casError(2, 3, false), 'check-and-set parameter did not match the current version')
  t.equal(casError(0, 1, false), 'check-and-set parameter did not match the current version')
  t.equal(casError(undefined, 3, true), 'check-and-set parameter required for this call')
})

t.test('effective max_versions is the larger of key and engine, default 10', async (t) => {
  t.equal(effectiveMaxVersions(0, 0), 10)
  t.equal(effectiveMaxVersions(3, 0), 3)
  t.equal(effectiveMaxVersions(3, 5), 5, 'the code takes the maximum, not the key value')
  t.equal(effectiveMaxVersions(7, 5), 7)
})

t.test('AddVersion sliding window: oldest stays 0 until the key first reaches max', async (t) => {
  let current = 0
  let oldest = 0
  const trims: Array<[number, number] | undefined> = []
  for (let i = 0; i < 5; i++) {
    const a = addVersion(current, oldest, 3)
    current = a.version
    oldest = a.oldestVersion
    trims.push(a.trim === undefined ? undefined : [a.trim.from, a.trim.to])
  }
  t.same(trims, [undefined, undefined, [0, 0], [1, 1], [2, 2]])
  t.equal(current, 5)
  t.equal(oldest, 3, 'oldest = current - max + 1')
  t.same(addVersion(10, 8, 2), { version: 11, oldestVersion: 10, trim: { from: 8, to: 9 } })
  t.same(addVersion(10, 0, 4), { version: 11, oldestVersion: 8, trim: { from: 0, to: 7 } }, 'a lowered max trims several at once')
})

t.test('delete_version_after: min of the non-zero settings, disabled by engine -1', async (t) => {
  const s = 1_000_000
  t.equal(scheduledDeletionTime(100, 0, 0), null)
  t.equal(scheduledDeletionTime(100, 60, 0), 100 + 60 * s)
  t.equal(scheduledDeletionTime(100, 0, 30), 100 + 30 * s)
  t.equal(scheduledDeletionTime(100, 60, 30), 100 + 30 * s)
  t.equal(scheduledDeletionTime(100, 20, 30), 100 + 20 * s)
  t.equal(scheduledDeletionTime(100, -1, 30), null)
})

t.test('live versions and the highest active version', async (t) => {
  const v = (version: number, deletionTime: number | null, destroyed = false): VersionState => ({ version, createdTime: 1, deletionTime, destroyed })
  const now = 1000
  t.ok(isLive(v(1, null), now))
  t.ok(isLive(v(1, 2000), now), 'a future deletion time is still live')
  t.ok(isLive(v(1, 1000), now), 'deleted only when strictly before now')
  t.notOk(isLive(v(1, 999), now))
  t.notOk(isLive(v(1, null, true), now))
  const all = [v(1, null), v(2, null, true), v(3, 500), v(4, 5000)]
  t.equal(highestActiveVersion(all, now)?.version, 4)
  t.equal(highestActiveVersion(all.slice(0, 3), now)?.version, 1)
  t.equal(highestActiveVersion([v(1, 1), v(2, null, true)], now), undefined)
  const map = new Map(all.map((x) => [x.version, x]))
  t.same(versionsToDelete(map, [1, 2, 3, 4, 9, 1], now), [1, 4], 'skips destroyed, past-deleted, unknown, duplicates')
  t.same(versionsNotDestroyed(map, [3, 2, 7]), [3])
})
