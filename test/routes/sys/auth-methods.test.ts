// GET sys/auth (spec/vault-core-kv-api.md §2.8): the token store as Vault lists it, data injected,
// its accessor fixed for the database (the same after a restart), its TTLs as tuned, and not
// root-protected (a token with `read` on sys/auth may list it; the default policy may not).
import t from 'tap'
import { startTestServer, vault } from '../../helper.js'

t.test('the token store, in Vault\'s entry shape', async (t) => {
  const server = await startTestServer(t)
  const res = await vault(server.app, 'GET', '/v1/sys/auth')
  t.equal(res.statusCode, 200)
  const entry = res.json().data['token/']
  t.same(Object.keys(res.json().data), ['token/'], 'the only auth method')
  t.match(entry, {
    accessor: /^auth_token_[0-9a-f]{8}$/,
    config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0, token_type: 'default-service' },
    description: 'token based credentials',
    external_entropy_access: false,
    local: false,
    options: null,
    seal_wrap: false,
    type: 'token',
    uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
  })
  t.same(res.json()['token/'], entry, 'injected at the top level')

  t.equal((await vault(server.app, 'POST', '/v1/sys/auth/token/tune', { body: { max_lease_ttl: '8760h' } })).statusCode, 204)
  const tuned = (await vault(server.app, 'GET', '/v1/sys/auth')).json().data['token/']
  t.same(tuned.config, { ...entry.config, max_lease_ttl: 31536000 }, 'the stored TTLs (0 = system), as Vault lists them')
  t.same([tuned.accessor, tuned.uuid], [entry.accessor, entry.uuid], 'the same identity on every call')

  const other = await startTestServer(t)
  t.not((await vault(other.app, 'GET', '/v1/sys/auth')).json().data['token/'].accessor, entry.accessor, 'another database, another accessor')
  await server.close()
  const again = await startTestServer(t, server.storageEnv, { dir: server.dir })
  t.same((await vault(again.app, 'GET', '/v1/sys/auth')).json().data['token/'].accessor, entry.accessor, 'the same after a restart')
})

t.test('read on sys/auth lists it; the default policy does not', async (t) => {
  const { app } = await startTestServer(t)
  t.equal((await vault(app, 'PUT', '/v1/sys/policies/acl/auth-reader', { body: { policy: 'path "sys/auth" { capabilities = ["read"] }' } })).statusCode, 204)
  const mint = async (policies: string[]): Promise<string> =>
    (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies } })).json().auth.client_token as string
  t.equal((await vault(app, 'GET', '/v1/sys/auth', { token: await mint(['auth-reader']) })).statusCode, 200)
  const denied = await vault(app, 'GET', '/v1/sys/auth', { token: await mint(['default']) })
  t.same([denied.statusCode, denied.json()], [403, { errors: ['1 error occurred:\n\t* permission denied\n\n'] }])
})
