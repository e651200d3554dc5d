// Three leaks through vault-sync's extensions (sys/sync-ext), each closed and checked through the
// HTTP API with narrowly scoped tokens made from real policies (README "Association rules" and
// "Operator page"):
// - a rule's plan named the secret holding a taken name although the caller could not list or read it;
// - `preview/name` showed whether a destination or a mount exists (and the mount's accessor);
// - rule create told whether a mount exists before checking that the caller may list there.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { startTestServer, tokenWithPolicy, vault } from '../helper.js'
import { createAzureDestination, json, putSecret } from '../sync-fixtures.js'

const D1 = '/v1/sys/sync/destinations/azure-kv/d1'
const RULES = '/v1/sys/sync-ext/destinations/azure-kv/d1/rules'
const PREVIEW = '/v1/sys/sync-ext/preview/name'
const DENIED = ['1 error occurred:\n\t* permission denied\n\n']
const RULER = 'path "sys/sync-ext/destinations/azure-kv/d1/rules/*" { capabilities = ["create", "update"] }\n' +
  'path "secret/metadata/pub/" { capabilities = ["list"] }\npath "secret/data/pub/*" { capabilities = ["read"] }'

/** A server with d1 (`{{ .SecretBaseName }}`) and `secret/private/db` associated to it. */
async function setup (t: Test): Promise<FastifyInstance> {
  const app = (await startTestServer(t)).app
  t.ok((await createAzureDestination(app, 'd1', { secret_name_template: '{{ .SecretBaseName }}' })).statusCode < 300, 'd1 created')
  await putSecret(app, 'secret', 'private/db', { v: 1 })
  t.equal((await vault(app, 'PUT', `${D1}/associations/set`, { body: { mount: 'secret', secret_name: 'private/db' } })).statusCode, 200)
  await putSecret(app, 'secret', 'pub/db', { v: 1 })
  await putSecret(app, 'secret', 'pub/x', { v: 1 })
  return app
}

const errorsOf = (res: Awaited<ReturnType<typeof vault>>): Record<string, string | undefined> =>
  Object.fromEntries((json(res).data.secrets as Array<{ secret_name: string, error?: string }>).map((s) => [s.secret_name, s.error]))

t.test('a rule names the holder of a taken name only to a caller who could list or read it', async (t) => {
  const app = await setup(t)
  const body = { mount: 'secret', path_prefix: 'pub/' }
  const TAKEN = 'name "db" is already used by another association of this destination'
  const ruler = await tokenWithPolicy(app, 'ruler', RULER)
  const dry = await vault(app, 'POST', `${RULES}/r1?dry_run=true`, { token: ruler, body })
  t.equal(dry.statusCode, 200)
  t.same(errorsOf(dry), { 'pub/db': TAKEN, 'pub/x': undefined }, 'the dry run does not name secret/private/db')
  t.notMatch(dry.body, /private/)

  // A caller who may list the holder's folder, or read the holder, is told which secret it is.
  const owned = { 'pub/db': 'name "db" is owned by secret/private/db', 'pub/x': undefined }
  for (const [name, extra] of [['lister', 'path "secret/metadata/private/" { capabilities = ["list"] }'], ['reader', 'path "secret/data/private/db" { capabilities = ["read"] }']]) {
    const token = await tokenWithPolicy(app, name, `${RULER}\n${extra}`)
    t.same(errorsOf(await vault(app, 'POST', `${RULES}/r1?dry_run=true`, { token, body })), owned, `${name}: the holder is named`)
  }
  t.same(errorsOf(await vault(app, 'POST', `${RULES}/r1?dry_run=true`, { body })), owned, 'root: unchanged')

  const made = await vault(app, 'POST', `${RULES}/r1`, { token: ruler, body })
  t.equal(made.statusCode, 200)
  t.same(errorsOf(made), { 'pub/db': TAKEN }, 'a real create answers the same')
  t.notMatch(made.body, /private/)
  // The association records the worker's wording: its readers see the destination's associations (the holder among them).
  const entries = Object.values(json(await vault(app, 'GET', `${D1}/associations`)).data.associated_secrets) as Array<{ secret_name: string, sync_status: string, message?: string }>
  t.match(entries.find((e) => e.secret_name === 'pub/db'), { sync_status: 'CLIENT_SIDE_ERROR', message: 'name "db" is owned by secret/private/db' })
  for (const path of [`${RULES}/r1`, `${RULES}?list=true`, `${D1}/associations`]) {
    t.equal((await vault(app, 'GET', path, { token: ruler })).statusCode, 403, `the ruler cannot read ${path}`)
  }
})

t.test('preview: a destination\'s settings and a mount\'s accessor only for a caller who may read them', async (t) => {
  const app = await setup(t)
  const preview = async (token: string, body: Record<string, unknown>) => await vault(app, 'POST', PREVIEW, { token, body: { type: 'azure-kv', secret_name: 'app/db', ...body } })
  const refused = async (token: string, body: Record<string, unknown>, what: string): Promise<void> => {
    const res = await preview(token, body)
    t.same([res.statusCode, json(res).errors], [403, DENIED], what)
  }
  const accessor = json(await vault(app, 'GET', '/v1/sys/mounts/secret')).data.accessor as string

  const bare = await tokenWithPolicy(app, 'previewer', 'path "sys/sync-ext/preview/name" { capabilities = ["update"] }')
  await refused(bare, { mount: 'secret' }, 'an existing mount the caller cannot see')
  await refused(bare, { mount: 'nomount' }, 'a missing mount: the same answer')

  // Access under the mount (Vault's preflight shows it such a caller): the mount is used.
  const inMount = await tokenWithPolicy(app, 'in-mount', 'path "sys/sync-ext/preview/name" { capabilities = ["update"] }\npath "secret/data/app/*" { capabilities = ["read"] }')
  const shown = await preview(inMount, { mount: 'secret', secret_name_template: '{{ .MountAccessor }}-{{ .SecretBaseName }}' })
  t.equal(shown.statusCode, 200)
  t.equal(json(shown).data.rendered, `${accessor}-db`)
  await refused(inMount, { mount: 'nomount' }, 'a mount path it has no access under')
  // A destination's stored settings: refused alike whether it exists or not; a request giving both is not a lookup.
  await refused(inMount, { mount: 'secret', name: 'd1' }, 'an existing destination it may not read')
  await refused(inMount, { mount: 'secret', name: 'nodest' }, 'a missing destination: the same answer')
  await refused(inMount, { mount: 'secret', name: 'd1', granularity: 'secret-path' }, 'the stored template would apply')
  const given = await preview(inMount, { mount: 'secret', name: 'd1', granularity: 'secret-path', secret_name_template: '{{ .DestinationName }}-{{ .SecretBaseName }}' })
  t.same([given.statusCode, json(given).data.external_name], [200, 'd1-db'], 'template and granularity given: the name is only text')

  const d1Reader = await tokenWithPolicy(app, 'd1-reader', 'path "sys/sync-ext/preview/name" { capabilities = ["update"] }\npath "sys/mounts" { capabilities = ["read"] }\npath "sys/sync/destinations/azure-kv/d1" { capabilities = ["read"] }')
  const stored = await preview(d1Reader, { mount: 'secret', name: 'd1' })
  t.same([stored.statusCode, json(stored).data.secret_name_template], [200, '{{ .SecretBaseName }}'], 'read on the destination: its stored template')
  await refused(d1Reader, { mount: 'secret', name: 'nodest' }, 'another destination: refused')
  // read on sys/mounts lists every mount: a missing one is the usual 400.
  const missing = await preview(d1Reader, { mount: 'nomount' })
  t.same([missing.statusCode, json(missing).errors], [400, ['mount: no mount at "nomount"']])
})

t.test('rule create checks list on the prefix before it looks the mount up', async (t) => {
  const app = await setup(t)
  const ruler = await tokenWithPolicy(app, 'ruler', RULER)
  for (const mount of ['nosuch', 'secret', 'sys']) {
    const res = await vault(app, 'POST', `${RULES}/r1?dry_run=true`, { token: ruler, body: { mount, path_prefix: 'zzz/' } })
    t.same([res.statusCode, json(res).errors], [403, [`permission denied to list the secrets this rule covers under ${mount}/zzz/`]], `${mount}: the same 403`)
  }
  const lister = await tokenWithPolicy(app, 'nosuch-lister', 'path "sys/sync-ext/destinations/azure-kv/d1/rules/*" { capabilities = ["create", "update"] }\npath "nosuch/metadata/zzz/" { capabilities = ["list"] }')
  const res = await vault(app, 'POST', `${RULES}/r1`, { token: lister, body: { mount: 'nosuch', path_prefix: 'zzz/' } })
  t.same([res.statusCode, json(res).errors], [400, ['mount: no mount found at nosuch/']], 'a caller who may list there learns that no mount is there')
})
