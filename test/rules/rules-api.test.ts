// Association rules through the HTTP API (issue 22), worker off: input errors name the field,
// create/read/list/delete, dry run, the ACL (read on every covered secret, the owner's policies
// for later secrets), exclusions, metadata filters, collisions and what a rule delete removes.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { startTestServer, tokenWithPolicy, vault } from '../helper.js'
import { createAzureDestination, json, putSecret } from '../sync-fixtures.js'

const RULES = '/v1/sys/sync-ext/destinations/azure-kv/d1/rules'

async function setup (t: Test, destExtra: Record<string, unknown> = {}): Promise<FastifyInstance> {
  const server = await startTestServer(t)
  const app = server.app
  t.ok((await createAzureDestination(app, 'd1', destExtra)).statusCode < 300, 'destination created')
  return app
}

/** The `associated_secrets` of d1 by secret name (entries of `secret/`). */
async function entries (app: FastifyInstance): Promise<Record<string, { sync_status: string, message?: string }>> {
  const res = await vault(app, 'GET', '/v1/sys/sync/destinations/azure-kv/d1/associations')
  const out: Record<string, { sync_status: string, message?: string }> = {}
  for (const e of Object.values(json(res).data.associated_secrets) as Array<{ secret_name: string, sync_status: string, message?: string }>) out[e.secret_name] = e
  return out
}

t.test('bad input is a 400 naming the field; nothing is stored', async (t) => {
  const app = await setup(t)
  await putSecret(app, 'secret', 'apps/a', { v: 1 })
  const cases: Array<[unknown, RegExp, string?]> = [
    [{}, /missing required field "mount"/],
    [{ mount: 'nope' }, /^mount: no mount found at nope\//],
    [{ mount: 'sys' }, /^mount: only KV version 2 mounts/],
    [{ mount: 'secret', recursive: 'maybe' }, /recursive/],
    [{ mount: 'secret', include: [''] }, /^include: a glob may not be empty/],
    [{ mount: 'secret', exclude: { a: 1 } }, /exclude/],
    [{ mount: 'secret', custom_metadata: 7 }, /custom_metadata/],
    [{ mount: 'secret', path_prefix: 'a/../b' }, /^path_prefix:/],
    [{ mount: 'secret' }, /^rule: the name must be/, 'bad name!']
  ]
  for (const [body, message, rule] of cases) {
    const res = await vault(app, 'POST', `${RULES}/${encodeURIComponent(rule ?? 'r1')}`, { body })
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.match(json(res).errors[0], message)
  }
  t.equal((await vault(app, 'GET', `${RULES}?list=true`)).statusCode, 404, 'no rule stored')
  t.equal((await vault(app, 'POST', '/v1/sys/sync-ext/destinations/azure-kv/missing/rules/r1', { body: { mount: 'secret' } })).statusCode, 404)
})

t.test('create, dry run, read, list, delete; rule-made associations are ordinary ones', async (t) => {
  const app = await setup(t)
  for (const p of ['apps/a', 'apps/b', 'apps/sub/c', 'apps/skip-me', 'other/x']) await putSecret(app, 'secret', p, { v: p })
  const body = { mount: 'secret', path_prefix: 'apps', exclude: ['skip-*'] }
  const dry = await vault(app, 'POST', `${RULES}/r1?dry_run=true`, { body })
  t.equal(dry.statusCode, 200)
  t.same(json(dry).data.secrets.map((s: { secret_name: string }) => s.secret_name), ['apps/a', 'apps/b'], 'not recursive: direct children only')
  t.match(json(dry).data, { dry_run: true, total: 2, errors: 0 })
  t.match(json(dry).data.secrets[0].external_name, /^vault-kv-[0-9a-f]{8}-apps-a$/, 'the Azure name the worker would write')
  t.same(await entries(app), {}, 'a dry run stores nothing')
  t.equal((await vault(app, 'GET', `${RULES}/r1`)).statusCode, 404)

  const made = await vault(app, 'PUT', `${RULES}/r1`, { body })
  t.equal(made.statusCode, 200)
  t.match(json(made).data, { dry_run: false, total: 2 })
  t.same(Object.keys(await entries(app)).sort(), ['apps/a', 'apps/b'])
  t.match(await entries(app), { 'apps/a': { sync_status: 'PENDING' } })
  const again = await vault(app, 'PUT', `${RULES}/r1`, { body })
  t.equal(again.statusCode, 400)
  t.match(json(again).errors[0], /^rule: "r1" already exists/)

  const read = json(await vault(app, 'GET', `${RULES}/r1`)).data
  t.match(read, { name: 'r1', mount: 'secret/', path_prefix: 'apps/', recursive: false, include: [], exclude: ['skip-*'], custom_metadata: {}, associations: 2, exclusions: [] })
  t.equal(json(await vault(app, 'POST', `${RULES}/r2`, { body: { mount: 'secret', path_prefix: 'apps/', recursive: true } })).data.total, 4)
  t.same(json(await vault(app, 'GET', `${RULES}/?list=true`)).data.keys, ['r1', 'r2'])
  t.same(Object.keys(await entries(app)).sort(), ['apps/a', 'apps/b', 'apps/skip-me', 'apps/sub/c'])

  // The global list and the per-secret read see them as Vault shows any association.
  const all = json(await vault(app, 'GET', '/v1/sys/sync/associations?list=true')).data
  t.ok(all.keys.length >= 1, 'LIST sys/sync/associations lists them')
  t.match(json(await vault(app, 'GET', '/v1/sys/sync/associations/destinations?mount=secret&secret_name=apps/a')).data.associated_destinations, { 'azure-kv/d1': { sync_status: 'PENDING' } })

  // Deleting r1 keeps what r2 also made; deleting r2 then unsyncs everything rules made.
  t.equal((await vault(app, 'DELETE', `${RULES}/r1`)).statusCode, 204)
  t.equal((await vault(app, 'DELETE', `${RULES}/r1`)).statusCode, 204, 'idempotent')
  t.same(Object.values(await entries(app)).map((e) => e.sync_status), ['PENDING', 'PENDING', 'PENDING', 'PENDING'])
  await vault(app, 'PUT', '/v1/sys/sync/destinations/azure-kv/d1/associations/set', { body: { mount: 'secret', secret_name: 'apps/sub/c' } })
  t.equal((await vault(app, 'DELETE', `${RULES}/r2`)).statusCode, 204)
  const after = await entries(app)
  t.equal(after['apps/sub/c'].sync_status, 'PENDING', 'an explicitly set association is the user\'s own: it stays')
  for (const p of ['apps/a', 'apps/b', 'apps/skip-me']) t.equal(after[p].sync_status, 'UNSYNCING', `${p} unsynced with its rule`)
})

t.test('the ACL: the caller cannot learn names or metadata it could not list or read', async (t) => {
  const app = await setup(t)
  const token = await tokenWithPolicy(app, 'reader', 'path "sys/sync-ext/destinations/*" { capabilities = ["create", "read", "update", "delete", "list"] }\npath "secret/data/*" { capabilities = ["read"] }\npath "secret/metadata/co/*" { capabilities = ["list"] }')
  await putSecret(app, 'secret', 'co/a', { v: 1 })
  await putSecret(app, 'secret', 'admin/x', { v: 1 })
  await vault(app, 'POST', '/v1/secret/metadata/admin/x', { body: { custom_metadata: { owner: 'alice' } } })
  t.equal((await vault(app, 'GET', '/v1/secret/metadata/?list=true', { token })).statusCode, 403, 'the caller cannot list the mount')
  const LIST_DENIED = ['permission denied to list the secrets this rule covers under secret/']
  for (const body of [{}, { exclude: ['co/*'] }, { custom_metadata: { owner: 'alice' } }, { custom_metadata: { owner: 'bob' } }]) {
    const res = await vault(app, 'POST', `${RULES}/r1?dry_run=true`, { token, body: { mount: 'secret', path_prefix: '', recursive: true, ...body } })
    t.same([res.statusCode, json(res).errors], [403, LIST_DENIED], `${JSON.stringify(body)}: no secret named, and the same answer whatever the metadata`)
  }
  // Globs and prefixes are no oracle either: under a folder it cannot list, every probe is refused alike.
  await putSecret(app, 'secret', 'admin/prod-db-password', { v: 1 })
  for (const probe of [{ path_prefix: 'admin/', include: ['p*'] }, { path_prefix: 'admin/', include: ['zz*'] }, { path_prefix: 'nothere/' }, { path_prefix: 'admin/', recursive: true }]) {
    const res = await vault(app, 'POST', `${RULES}/r1?dry_run=true`, { token, body: { mount: 'secret', ...probe } })
    t.same([res.statusCode, json(res).errors], [403, [`permission denied to list the secrets this rule covers under secret/${probe.path_prefix}`]], JSON.stringify(probe))
  }
  const listed = await vault(app, 'POST', `${RULES}/r1?dry_run=true`, { token, body: { mount: 'secret', path_prefix: 'co/' } })
  t.same(json(listed).data.secrets.map((s: { secret_name: string }) => s.secret_name), ['co/a'], 'a folder it may list and read: planned')
})

t.test('the ACL: a recursive rule walks only folders its owner may list, now and for later secrets', async (t) => {
  const app = await setup(t)
  const token = await tokenWithPolicy(app, 'top-only', 'path "sys/sync-ext/destinations/*" { capabilities = ["create", "read", "update", "delete", "list"] }\npath "secret/data/apps/*" { capabilities = ["read"] }\npath "secret/metadata/apps/" { capabilities = ["list"] }')
  await putSecret(app, 'secret', 'apps/a', { v: 1 })
  await putSecret(app, 'secret', 'apps/deep/b', { v: 1 })
  const walk = await vault(app, 'POST', `${RULES}/r1?dry_run=true`, { token, body: { mount: 'secret', path_prefix: 'apps/', recursive: true } })
  t.same([walk.statusCode, json(walk).errors], [403, ['permission denied to list the secrets this rule covers under secret/apps/']], 'a subfolder it cannot list')
  await vault(app, 'DELETE', '/v1/secret/metadata/apps/deep/b')
  t.equal((await vault(app, 'POST', `${RULES}/r1`, { token, body: { mount: 'secret', path_prefix: 'apps/', recursive: true } })).statusCode, 200)
  await putSecret(app, 'secret', 'apps/hidden/x', { v: 1 })
  await putSecret(app, 'secret', 'apps/c', { v: 1 })
  const now = await entries(app)
  t.equal(now['apps/c']?.sync_status, 'PENDING', 'a later secret in a folder the owner may list is associated')
  t.equal(now['apps/hidden/x'], undefined, 'one in a folder it may not list is not')
})

t.test('the ACL: list and read on every covered secret now, the owner\'s policies for later ones', async (t) => {
  const app = await setup(t)
  const token = await tokenWithPolicy(app, 'rule-maker', 'path "sys/sync-ext/destinations/*" { capabilities = ["create", "read", "update", "delete", "list"] }\npath "secret/data/apps/ok*" { capabilities = ["read"] }\npath "secret/metadata/apps/*" { capabilities = ["list"] }')
  await putSecret(app, 'secret', 'apps/ok1', { v: 1 })
  await putSecret(app, 'secret', 'apps/secret1', { v: 1 })
  const denied = await vault(app, 'POST', `${RULES}/r1`, { token, body: { mount: 'secret', path_prefix: 'apps/' } })
  t.equal(denied.statusCode, 403)
  t.same(json(denied).errors, ['permission denied to read the content of the secret apps/secret1 in mount secret'])
  t.equal((await vault(app, 'POST', `${RULES}/r1?dry_run=true`, { token, body: { mount: 'secret', path_prefix: 'apps/' } })).statusCode, 403, 'a dry run lists nothing the caller cannot read')
  t.equal((await vault(app, 'POST', `${RULES}/r1`, { token, body: { mount: 'secret', path_prefix: 'apps/', include: ['ok*'] } })).statusCode, 200)
  const other = json(await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['default'] } })).auth.client_token as string
  t.equal((await vault(app, 'GET', `${RULES}/r1`, { token: other })).statusCode, 403, 'reading a rule needs read on its path')
  t.equal((await vault(app, 'POST', `${RULES}/r2`, { token: other, body: { mount: 'secret' } })).statusCode, 403)

  // Later secrets: covered only when the owner's policies allow reading them.
  await vault(app, 'DELETE', `${RULES}/r1`)
  t.equal((await vault(app, 'POST', `${RULES}/r1`, { token, body: { mount: 'secret', path_prefix: 'apps/', exclude: ['secret*'] } })).statusCode, 200)
  await putSecret(app, 'secret', 'apps/ok2', { v: 2 })
  await putSecret(app, 'secret', 'apps/other2', { v: 2 })
  const now = await entries(app)
  t.equal(now['apps/ok2']?.sync_status, 'PENDING', 'a new secret the owner can read is associated by the write itself')
  t.equal(now['apps/other2'], undefined, 'one the owner cannot read is not')
})

t.test('metadata filter follows custom_metadata; explicit remove excludes; explicit set adopts', async (t) => {
  const app = await setup(t)
  await putSecret(app, 'secret', 'svc/a', { v: 1 })
  await putSecret(app, 'secret', 'svc/b', { v: 1 })
  await vault(app, 'POST', '/v1/secret/metadata/svc/a', { body: { custom_metadata: { sync: 'azure' } } })
  t.equal(json(await vault(app, 'POST', `${RULES}/tagged`, { body: { mount: 'secret', path_prefix: 'svc/', custom_metadata: { sync: 'azure' } } })).data.total, 1)
  t.same(Object.keys(await entries(app)), ['svc/a'])
  await vault(app, 'PATCH', '/v1/secret/metadata/svc/b', { body: { custom_metadata: { sync: 'azure' } }, headers: { 'content-type': 'application/merge-patch+json' } })
  t.equal((await entries(app))['svc/b']?.sync_status, 'PENDING', 'tagging a secret associates it')
  await vault(app, 'POST', '/v1/secret/metadata/svc/a', { body: { custom_metadata: { sync: 'no' } } })
  t.equal((await entries(app))['svc/a'].sync_status, 'UNSYNCING', 'untagging unsyncs it')
  await vault(app, 'POST', '/v1/secret/metadata/svc/a', { body: { custom_metadata: { sync: 'azure' } } })
  t.equal((await entries(app))['svc/a'].sync_status, 'PENDING', 'tagging again brings it back')

  await vault(app, 'PUT', '/v1/sys/sync/destinations/azure-kv/d1/associations/remove', { body: { mount: 'secret', secret_name: 'svc/b' } })
  t.same(json(await vault(app, 'GET', `${RULES}/tagged`)).data.exclusions, ['svc/b'])
  await putSecret(app, 'secret', 'svc/b', { v: 2 })
  await vault(app, 'POST', '/v1/secret/metadata/svc/b', { body: { custom_metadata: { sync: 'azure', x: '1' } } })
  t.equal((await entries(app))['svc/b'].sync_status, 'UNSYNCING', 'an excluded secret stays removed through writes')
  await vault(app, 'PUT', '/v1/sys/sync/destinations/azure-kv/d1/associations/set', { body: { mount: 'secret', secret_name: 'svc/b' } })
  t.same(json(await vault(app, 'GET', `${RULES}/tagged`)).data.exclusions, [], 'an explicit set lifts the exclusion')
  t.equal((await vault(app, 'DELETE', `${RULES}/tagged`)).statusCode, 204)
  const left = await entries(app)
  t.equal(left['svc/b'].sync_status, 'PENDING', 'and the association is the user\'s: the rule delete leaves it')
  t.equal(left['svc/a'].sync_status, 'UNSYNCING')
})

t.test('collisions: each colliding secret errors with a clear reason, the rest are queued', async (t) => {
  const app = await setup(t, { secret_name_template: '{{ .SecretBaseName }}' })
  for (const p of ['x/db', 'y/db', 'x/api', 'y/web', 'taken/web2']) await putSecret(app, 'secret', p, { v: p })
  await vault(app, 'PUT', '/v1/sys/sync/destinations/azure-kv/d1/associations/set', { body: { mount: 'secret', secret_name: 'taken/web2' } })
  await putSecret(app, 'secret', 'y/web2', { v: 1 })
  const body = { mount: 'secret', recursive: true, include: ['x/**', 'y/**'] }
  const plan = json(await vault(app, 'POST', `${RULES}/all?dry_run=true`, { body })).data
  t.match(plan, { total: 5, errors: 3 })
  t.equal((await vault(app, 'POST', `${RULES}/all`, { body })).statusCode, 200)
  const e = await entries(app)
  for (const p of ['x/db', 'y/db']) {
    t.equal(e[p].sync_status, 'CLIENT_SIDE_ERROR', p)
    t.equal(e[p].message, 'name collision: secret/x/db, secret/y/db map to the same Azure Key Vault name "db"; none of them is synced')
  }
  t.same({ sync_status: e['y/web2'].sync_status, message: e['y/web2'].message }, { sync_status: 'CLIENT_SIDE_ERROR', message: 'name "web2" is owned by secret/taken/web2' })
  for (const p of ['x/api', 'y/web', 'taken/web2']) t.equal(e[p].sync_status, 'PENDING', p)
})
