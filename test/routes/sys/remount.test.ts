// sys/remount and sys/remount/status/:migration_id (spec/vault-core-kv-api.md §2.9; Vault's
// `handleRemount`, `handleRemountStatusCheck`, `remountSecretsEngine`): the mount moves with its
// accessor and data, the status reads success, Vault's texts in Vault's order, sudo, the refusal
// for a mount secrets sync uses, the Go client's RemountWithContext (Terraform's vault_mount),
// and two replicas on one PostgreSQL database.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { ROOT_TOKEN, startTestServer, tempDir, vault, type TestServer } from '../../helper.js'
import { goRemount } from '../../go-vault-client.js'
import { createAzureDestination, putSecret } from '../../sync-fixtures.js'
import { waitFor } from '../../db/pg/pg-test-kit.js'
import { usePostgres } from '../../pg/shared-postgres.js'

const db = await usePostgres(t)

const WARNING = 'Mount move has been queued. Progress will be reported in Vault\'s server log, tagged with the returned migration_id'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const remount = async (app: FastifyInstance, from: unknown, to: unknown, token?: string) =>
  await vault(app, 'POST', '/v1/sys/remount', { body: { from, to }, token })
const mountOf = async (app: FastifyInstance, path: string) => (await vault(app, 'GET', `/v1/sys/mounts/${path}`)).json().data

t.test('remount moves the mount: same accessor, uuid, settings and data; the old path is gone; status success', async (t) => {
  const { app } = await startTestServer(t)
  t.equal((await putSecret(app, 'secret', 'app/db', { password: 'p1' })).statusCode, 200)
  t.equal((await vault(app, 'POST', '/v1/secret/config', { body: { max_versions: 3 } })).statusCode, 204)
  t.equal((await vault(app, 'POST', '/v1/sys/mounts/secret/tune', { body: { description: 'tuned', default_lease_ttl: '1h' } })).statusCode, 204)
  const before = await mountOf(app, 'secret')

  const res = await remount(app, 'secret', 'team/moved')
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.match(body.data.migration_id, UUID)
  t.equal(body.migration_id, body.data.migration_id, 'data injected at the top level (Vault\'s injectDataIntoTopRoutes)')
  t.same(body.warnings, [WARNING])
  t.equal(body.mount_type, 'system')

  const status = await vault(app, 'GET', `/v1/sys/remount/status/${body.data.migration_id as string}`)
  t.equal(status.statusCode, 200)
  t.same(status.json().data, { migration_id: body.data.migration_id, migration_info: { source_mount: 'secret/', target_mount: 'team/moved/', status: 'success' } })
  t.equal(status.json().migration_id, undefined, 'the status answer is not injected')

  const old = await vault(app, 'GET', '/v1/sys/mounts/secret')
  t.same([old.statusCode, old.json()], [400, { errors: ['No secret engine mount at secret/'] }])
  const oldRead = await vault(app, 'GET', '/v1/secret/data/app/db')
  t.same([oldRead.statusCode, oldRead.json()], [404, { errors: ['no handler for route "secret/data/app/db". route entry not found.'] }])
  t.same(await mountOf(app, 'team/moved'), before, 'the same entry: accessor, uuid, description, config, options')
  t.notOk(Object.keys((await vault(app, 'GET', '/v1/sys/mounts')).json().data).includes('secret/'))

  const read = await vault(app, 'GET', '/v1/team/moved/data/app/db')
  t.equal(read.statusCode, 200)
  t.same(read.json().data.data, { password: 'p1' })
  t.equal((await vault(app, 'GET', '/v1/team/moved/config')).json().data.max_versions, 3, 'the KV config moved with it')
  t.equal((await putSecret(app, 'team/moved', 'app/db', { password: 'p2' })).json().data.version, 2, 'writes go on at the new path')
  t.equal((await vault(app, 'GET', '/v1/sys/internal/ui/mounts/team/moved/app/db')).json().data.path, 'team/moved/', 'the CLI preflight sees it')

  // Back again, `from` given as Vault's clients may (leading and trailing slash).
  const back = await remount(app, '/team/moved/', 'secret')
  t.equal(back.statusCode, 200)
  t.equal((await mountOf(app, 'secret')).accessor, before.accessor)
  t.same((await vault(app, 'GET', '/v1/secret/data/app/db')).json().data.data, { password: 'p2' })
})

t.test('refusals: Vault\'s texts, in handleRemount\'s order; nothing moves', async (t) => {
  const { app } = await startTestServer(t)
  for (const path of ['kv2', 'team/apps']) t.equal((await vault(app, 'POST', `/v1/sys/mounts/${path}`, { body: { type: 'kv-v2' } })).statusCode, 204)
  const tableBefore = Object.keys((await vault(app, 'GET', '/v1/sys/mounts')).json().data).sort()
  const cases: Array<[unknown, unknown, string]> = [
    [undefined, undefined, 'both \'from\' and \'to\' path must be specified as a string'],
    ['secret', undefined, 'both \'from\' and \'to\' path must be specified as a string'],
    ['', 'x', 'both \'from\' and \'to\' path must be specified as a string'],
    [{ a: 1 }, 'x', 'Field validation failed: error converting input for field "from": expected string, got map'],
    [' secret', 'x', '\'from\' path cannot contain trailing whitespace'],
    ['secret', 'x ', '\'to\' path cannot contain trailing whitespace'],
    ['secret', 'a//', 'invalid destination mount: path \'a//\' does not match cleaned path \'a/\''],
    ['secret', 'a/../b', 'invalid destination mount: path \'a/../b/\' does not match cleaned path \'b/\''],
    ['secret', 'a\u0007b', 'invalid destination mount: path cannot contain non-printable characters'],
    ['auth/token', 'tok', 'cannot remount auth mount to non-auth mount "tok/"'],
    ['auth/token', 'auth/tok2', 'cannot remount "auth/token/"'],
    ['auth/userpass', 'auth/token2', 'cannot remount to destination "auth/token2/"'],
    ['auth/userpass', 'auth/up2', 'no matching mount at "auth/userpass/"'],
    ['sys', 'x', 'cannot remount "sys/"'],
    ['cubbyhole', 'x', 'cannot remount "cubbyhole/"'],
    ['identity', 'x', 'cannot remount "identity/"'],
    ['secret', 'audit', 'cannot remount to destination audit/'],
    ['secret', 'auth/kv', 'cannot remount to destination auth/kv/'],
    ['secret', 'sys/kv', 'cannot remount to destination sys/kv/'],
    ['sys', 'audit', 'cannot remount to destination audit/'],
    ['nope', 'x', 'no matching mount at "nope/"'],
    ['nope', 'kv2', 'no matching mount at "nope/"'],
    ['secret', 'secret', 'path already in use at "secret/"'],
    ['secret', 'kv2', 'path already in use at "kv2/"'],
    ['secret', 'kv2/inner', 'path already in use at "kv2/"'],
    ['secret', 'team', 'path already in use at "team/apps/"']
  ]
  for (const [from, to, message] of cases) {
    const res = await remount(app, from, to)
    t.same([res.statusCode, res.json()], [400, { errors: [message] }], `${JSON.stringify(from)} -> ${JSON.stringify(to)}`)
  }
  t.same(Object.keys((await vault(app, 'GET', '/v1/sys/mounts')).json().data).sort(), tableBefore, 'nothing moved')

  // A path inside a mount passes handleRemount's checks; Vault's background move then fails.
  const inside = await remount(app, 'secret/app', 'elsewhere')
  t.equal(inside.statusCode, 200)
  const failed = (await vault(app, 'GET', `/v1/sys/remount/status/${inside.json().data.migration_id as string}`)).json().data
  t.same(failed.migration_info, { source_mount: 'secret/app/', target_mount: 'elsewhere/', status: 'failure' })
  t.same(Object.keys((await vault(app, 'GET', '/v1/sys/mounts')).json().data).sort(), tableBefore, 'still nothing moved')

  const unknown = await vault(app, 'GET', '/v1/sys/remount/status/5c4ea3f0-9b5d-4c38-8f6e-0d1a2b3c4d5e')
  t.same([unknown.statusCode, unknown.json()], [404, { errors: [] }], 'an unknown migration id: Vault\'s nil response to a read')
  t.equal((await vault(app, 'GET', '/v1/sys/remount/status/')).statusCode, 404)
  t.equal((await vault(app, 'GET', '/v1/sys/remount')).statusCode, 405)
})

t.test('sys/remount needs sudo as well as update', async (t) => {
  const { app } = await startTestServer(t)
  const policy = async (caps: string[]) => await vault(app, 'PUT', '/v1/sys/policies/acl/mover', {
    body: { policy: `path "sys/remount" {\n  capabilities = ${JSON.stringify(caps)}\n}\npath "sys/remount/status/*" {\n  capabilities = ["read"]\n}\n` }
  })
  await policy(['update'])
  const token = (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['mover'] } })).json().auth.client_token as string
  const denied = await remount(app, 'secret', 'moved', token)
  t.same([denied.statusCode, denied.json()], [403, { errors: ['1 error occurred:\n\t* permission denied\n\n'] }], 'update without sudo')
  await policy(['sudo'])
  t.equal((await remount(app, 'secret', 'moved', token)).statusCode, 403, 'sudo without update')
  await policy(['update', 'sudo'])
  const moved = await remount(app, 'secret', 'moved', token)
  t.equal(moved.statusCode, 200, 'update and sudo')
  t.equal((await vault(app, 'GET', `/v1/sys/remount/status/${moved.json().data.migration_id as string}`, { token })).statusCode, 200, 'the status is a plain read')
  t.equal((await vault(app, 'GET', '/v1/sys/mounts/moved')).statusCode, 200)
})

t.test('a mount that secrets sync uses is not moved until its associations and rules are gone', async (t) => {
  const { app } = await startTestServer(t)
  const D = '/v1/sys/sync/destinations/azure-kv/d1'
  t.equal((await createAzureDestination(app, 'd1')).statusCode, 200)
  t.equal((await vault(app, 'POST', '/v1/sys/mounts/apps', { body: { type: 'kv-v2' } })).statusCode, 204)
  await putSecret(app, 'apps', 'db', { password: 'p' })
  await putSecret(app, 'apps', 'api', { key: 'k' })
  const refusal = async (uses: string): Promise<void> => {
    const res = await remount(app, 'apps', 'apps2')
    const them = /^1 [^,]*$/.test(uses) && !uses.includes(' and ') ? 'it' : 'them'
    t.same([res.statusCode, res.json()], [400, { errors: [`cannot remount "apps/": it has ${uses}; remove ${them} first`] }], uses)
  }
  t.equal((await vault(app, 'PUT', `${D}/associations/set`, { body: { mount: 'apps', secret_name: 'db' } })).statusCode, 200)
  await refusal('1 secrets-sync association')
  t.equal((await vault(app, 'PUT', `${D}/associations/set`, { body: { mount: 'apps', secret_name: 'api' } })).statusCode, 200)
  await refusal('2 secrets-sync associations')
  // A rule over a folder with no secret yet: it makes no association.
  t.equal((await vault(app, 'POST', '/v1/sys/sync-ext/destinations/azure-kv/d1/rules/later', { body: { mount: 'apps', path_prefix: 'later/' } })).statusCode, 200)
  await refusal('2 secrets-sync associations and 1 association rule')
  for (const secret of ['db', 'api']) t.equal((await vault(app, 'PUT', `${D}/associations/remove`, { body: { mount: 'apps', secret_name: secret } })).statusCode, 200)
  await refusal('1 association rule')
  t.equal((await vault(app, 'DELETE', '/v1/sys/sync-ext/destinations/azure-kv/d1/rules/later')).statusCode, 204)
  const moved = await remount(app, 'apps', 'apps2')
  t.equal(moved.statusCode, 200, 'removed associations (still unsyncing) are no obstacle')
  t.equal((await vault(app, 'GET', '/v1/apps2/data/db')).statusCode, 200)
})

t.test('Terraform\'s vault_mount path change: the Go client\'s RemountWithContext', async (t) => {
  const server = await startTestServer(t)
  await putSecret(server.app, 'secret', 'tf', { v: '1' })
  await goRemount(server.address, ROOT_TOKEN, 'secret', 'tf-kv')
  t.same((await vault(server.app, 'GET', '/v1/tf-kv/data/tf')).json().data.data, { v: '1' })
  await t.rejects(goRemount(server.address, ROOT_TOKEN, 'tf-kv/tf', 'other'), /^Failure! Error encountered moving mount tf-kv\/tf to other, with migration ID [0-9a-f-]{36}$/)
  await t.rejects(goRemount(server.address, ROOT_TOKEN, 'nope', 'other'), /remount: 400 \{"errors":\["no matching mount at \\"nope\/\\""\]\}/)
})

if (db !== undefined) {
  t.test('two replicas on one PostgreSQL database: the other one serves the new path and answers the status', async (t) => {
    const dir = tempDir(t) // one seal key for both
    const env = { VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: db.url }
    const [a, b]: TestServer[] = await Promise.all([1, 2].map(async () => await startTestServer(t, env, { dir })))
    await putSecret(a.app, 'secret', 'shared', { v: 'x' })
    t.equal((await vault(b.app, 'GET', '/v1/secret/data/shared')).statusCode, 200, 'b has the mount table cached')
    const moved = await remount(a.app, 'secret', 'renamed')
    t.equal(moved.statusCode, 200)
    const status = await vault(b.app, 'GET', `/v1/sys/remount/status/${moved.json().data.migration_id as string}`)
    t.equal(status.json().data.migration_info.status, 'success', 'the record is stored, not kept in the memory of a')
    await waitFor(async () => (await vault(b.app, 'GET', '/v1/renamed/data/shared')).statusCode === 200, 'b serving the new path')
    t.equal((await vault(b.app, 'GET', '/v1/secret/data/shared')).statusCode, 404, 'and no longer the old one')
  })
}
