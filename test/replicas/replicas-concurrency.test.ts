// Issue 18, done-when: three vault-sync servers (replicas) on one PostgreSQL database, written
// through their real sockets at once. 200 parallel writes to one KV path spread over the
// replicas give versions 1..200 exactly once each; a check-and-set race has exactly one winner;
// a policy written on one replica holds on the others as soon as their listeners heard it.
// Each runs its sync worker (`startReplicaEngine`: the worker's lease keeper is the replica's
// one keeper), so stopping the maintenance holder hands maintenance to another replica.
import t from 'tap'
import { ROOT_TOKEN, startTestServer, tempDir, type TestServer } from '../helper.js'
import { waitFor } from '../db/pg/pg-test-kit.js'
import { usePostgres } from '../pg/shared-postgres.js'

const db = await usePostgres(t)

/** A Vault request over the replica's socket; resolves status and JSON body. */
async function call (server: TestServer, method: string, path: string, body?: unknown, token = ROOT_TOKEN): Promise<{ status: number, body: any }> {
  const res = await fetch(`${server.address}/v1/${path}`, { method, headers: { 'x-vault-token': token }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}

if (db !== undefined) {
  // The servers belong to this child test, so they stop before the file's database is dropped.
  t.test('three replicas on one database', async (t) => {
    const dir = tempDir(t) // one seal key for the three replicas
    const env = { VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: db.url, VAULT_SYNC_PG_MAX_PARALLEL: '8', VAULT_SYNC_WORKER: 'on' }
    const replicas = await Promise.all([1, 2, 3].map(async () => await startTestServer(t, env, { dir })))

    t.test('200 parallel writes to one path over three replicas: versions 1..200, each exactly once', async (t) => {
      const results = await Promise.all(Array.from({ length: 200 }, async (_, i) =>
        await call(replicas[i % 3], 'POST', 'secret/data/race/counter', { data: { writer: String(i) } })))
      t.same(results.map((r) => r.status).filter((s) => s !== 200), [], 'every write succeeded')
      const versions = results.map((r) => r.body.data.version as number).sort((a, b) => a - b)
      t.same(versions, Array.from({ length: 200 }, (_, i) => i + 1))
      for (const r of replicas) {
        const meta = await call(r, 'GET', 'secret/metadata/race/counter')
        t.equal(meta.body.data.current_version, 200, 'every replica reads version 200')
        t.equal(Object.keys(meta.body.data.versions).length, 10, 'max_versions (10) kept')
      }
      // Each stored version holds the value of the write that was given that number.
      const byVersion = new Map(results.map((r, i) => [r.body.data.version as number, String(i)]))
      const latest = await call(replicas[1], 'GET', 'secret/data/race/counter')
      t.equal(latest.body.data.data.writer, byVersion.get(200))
    })

    t.test('a check-and-set race over three replicas has exactly one winner', async (t) => {
      const first = await call(replicas[0], 'POST', 'secret/data/race/cas', { data: { v: 'first' } })
      t.equal(first.body.data.version, 1)
      const results = await Promise.all(Array.from({ length: 30 }, async (_, i) =>
        await call(replicas[i % 3], 'POST', 'secret/data/race/cas', { options: { cas: 1 }, data: { v: String(i) } })))
      const winners = results.filter((r) => r.status === 200)
      t.equal(winners.length, 1, 'one winner')
      t.equal(winners[0].body.data.version, 2)
      for (const r of results.filter((r) => r.status !== 200)) {
        t.equal(r.status, 400)
        t.match(r.body.errors[0], /check-and-set parameter did not match the current version/)
      }
      t.equal((await call(replicas[2], 'GET', 'secret/metadata/race/cas')).body.data.current_version, 2)
    })

    t.test('a policy changed on one replica holds on the others once their listeners heard it', async (t) => {
      await call(replicas[0], 'PUT', 'sys/policies/acl/reader', { policy: 'path "secret/data/shared/*" { capabilities = ["read"] }' })
      await call(replicas[0], 'POST', 'secret/data/shared/x', { data: { a: '1' } })
      const token = (await call(replicas[0], 'POST', 'auth/token/create', { policies: ['reader'] })).body.auth.client_token as string
      for (const r of replicas) t.equal((await call(r, 'GET', 'secret/data/shared/x', undefined, token)).status, 200, 'read allowed everywhere')
      const heardBefore = replicas.map((r) => r.storage?.changes?.counts().acl_policies ?? 0)
      await call(replicas[1], 'PUT', 'sys/policies/acl/reader', { policy: 'path "secret/data/other/*" { capabilities = ["read"] }' })
      for (const [i, r] of replicas.entries()) {
        if (i !== 1) await waitFor(() => (r.storage?.changes?.counts().acl_policies ?? 0) > heardBefore[i], `replica ${i + 1} to hear the policy change`)
        t.equal((await call(r, 'GET', 'secret/data/shared/x', undefined, token)).status, 403, `replica ${i + 1} denies at once`)
      }
    })

    // Each replica's token and mount caches forget on changes to their own table only (a KV
    // write no longer empties them): a revocation or a disabled mount elsewhere still holds.
    t.test('a token revoked and a mount disabled on one replica hold on the others once heard, KV writes in between', async (t) => {
      await call(replicas[0], 'POST', 'sys/mounts/scoped', { type: 'kv', options: { version: '2' } })
      await call(replicas[0], 'POST', 'scoped/data/k', { data: { a: '1' } })
      const token = (await call(replicas[0], 'POST', 'auth/token/create', { policies: ['root'] })).body.auth.client_token as string
      for (const r of replicas) t.equal((await call(r, 'GET', 'scoped/data/k', undefined, token)).status, 200, 'token and mount cached everywhere')
      const heard = (table: string): number[] => replicas.map((r) => (r.storage?.changes?.counts() as Record<string, number> | undefined)?.[table] ?? 0)
      const tokensBefore = heard('tokens')
      await call(replicas[1], 'POST', 'auth/token/revoke', { token })
      for (const [i, r] of replicas.entries()) {
        await call(r, 'POST', 'scoped/data/k', { data: { a: String(i) } }) // a KV write on every replica meanwhile
        if (i !== 1) await waitFor(() => heard('tokens')[i] > tokensBefore[i], `replica ${i + 1} to hear the revocation`)
        t.equal((await call(r, 'GET', 'scoped/data/k', undefined, token)).status, 403, `replica ${i + 1} refuses the revoked token`)
      }
      const mountsBefore = heard('mounts')
      t.equal((await call(replicas[2], 'DELETE', 'sys/mounts/scoped')).status, 204)
      for (const [i, r] of replicas.entries()) {
        if (i !== 2) await waitFor(() => heard('mounts')[i] > mountsBefore[i], `replica ${i + 1} to hear the disabled mount`)
        t.equal((await call(r, 'GET', 'scoped/data/k')).status, 404, `replica ${i + 1} no longer routes scoped/`)
      }
    })

    // Vault refuses a mount path that contains, or lies inside, another mount's path. Each
    // replica's check read its own view of the table, so overlapping enables on different
    // replicas at once could all pass it (the unique index only stops the same path).
    t.test('overlapping mount enables on three replicas at once: exactly one wins each round', async (t) => {
      for (let round = 0; round < 8; round++) {
        const paths = [`ov${round}`, `ov${round}/a`, `ov${round}/a/b`]
        const results = await Promise.all(paths.map(async (p, i) => await call(replicas[i], 'POST', `sys/mounts/${p}`, { type: 'kv', options: { version: '2' } })))
        const won = results.flatMap((r, i) => r.status === 204 ? [paths[i]] : [])
        t.equal(won.length, 1, `round ${round}: one of ${paths.join(', ')} enabled (${won.join(', ')})`)
        for (const r of results.filter((r) => r.status !== 204)) {
          t.equal(r.status, 400)
          t.match(r.body.errors[0], new RegExp(`^path is already in use at ${won[0]}/$`))
        }
        const listed = Object.keys((await call(replicas[(round + 1) % 3], 'GET', 'sys/mounts')).body.data).filter((p) => p.startsWith(`ov${round}/`))
        t.same(listed, won.map((p) => `${p}/`), 'the mount table holds the winner only')
      }
    })

    t.test('sys/leader: one leader, named the same on every replica; sys/health 200 on each', async (t) => {
      const leaders = await Promise.all(replicas.map(async (r) => (await call(r, 'GET', 'sys/leader', undefined, '')).body))
      t.equal(leaders.filter((l) => l.is_self === true).length, 1)
      const self = replicas[leaders.findIndex((l) => l.is_self === true)]
      for (const l of leaders) t.match(l, { ha_enabled: true, leader_address: self.address })
      for (const r of replicas) t.equal((await fetch(`${r.address}/v1/sys/health`)).status, 200)
      t.equal(replicas.filter((r) => r.worker !== undefined).length, 3, 'every replica runs its worker')
    })

    t.test('the maintenance holder stops: another replica takes maintenance over', async (t) => {
      const leaders = await Promise.all(replicas.map(async (r) => (await call(r, 'GET', 'sys/leader', undefined, '')).body))
      const holder = leaders.findIndex((l) => l.is_self === true)
      await replicas[holder].close() // the engine's keeper gives its leases up
      const others = replicas.filter((_, i) => i !== holder)
      await waitFor(async () => (await Promise.all(others.map(async (r) => (await call(r, 'GET', 'sys/leader', undefined, '')).body.is_self === true))).includes(true), 'a new maintenance holder')
      const after = await Promise.all(others.map(async (r) => (await call(r, 'GET', 'sys/leader', undefined, '')).body))
      t.equal(after.filter((l) => l.is_self === true).length, 1, 'exactly one holder among the others')
      t.not(after[0].leader_address, replicas[holder].address, 'no longer the stopped replica')
      t.equal((await call(others[0], 'GET', 'secret/data/race/cas')).status, 200, 'the others serve on')
    })
  })
}
