// LIST auth/token/accessors (Vault API docs, Token auth method, "List accessors";
// spec/vault-core-kv-api.md §4.2): the accessors of the live tokens, root or `sudo` only, by the
// LIST verb or `GET ?list=true`, read from storage (rows written past the service's cache count).
import t from 'tap'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { TokenRow } from '../../../db/tokens-repo.js'
import { ROOT_TOKEN, startTestServer, vault } from '../../helper.js'
import { rawExchange, rawRequest } from '../../raw-http.js'

const DENIED = { errors: ['1 error occurred:\n\t* permission denied\n\n'] }
const URL = '/v1/auth/token/accessors?list=true'

/** `LIST` by `GET ?list=true` with `token`: status and body. */
async function listAccessors (app: FastifyInstance, token = ROOT_TOKEN): Promise<{ status: number, json: any }> {
  const res = await vault(app, 'GET', URL, { token })
  return { status: res.statusCode, json: res.json() }
}

/** Creates a token (as root unless `parent` is given); resolves its `auth` block. */
async function create (app: FastifyInstance, body: unknown, parent = ROOT_TOKEN): Promise<{ client_token: string, accessor: string }> {
  const res = await vault(app, 'POST', '/v1/auth/token/create', { body, token: parent })
  return res.json().auth
}

/** A token row as another process would store it (no id anyone knows). */
function row (accessor: string, fields: Partial<TokenRow> = {}): TokenRow {
  return {
    accessor, id_hash: `hash-of-${accessor}`, policies: '["default"]', path: 'auth/token/create', display_name: 'token', meta: null,
    num_uses: 0, creation_time: Math.floor(Date.now() / 1000), creation_ttl: 0, explicit_max_ttl: 0, expire_time_ms: null,
    renewable: 0, orphan: 1, parent_accessor: null, period: 0, last_renewal_ms: null, role: null, ...fields
  }
}

t.test('root lists the live accessors; revoked ones disappear, children with their parent', async (t) => {
  const { app } = await startTestServer(t)
  const rootAccessor = (await vault(app, 'GET', '/v1/auth/token/lookup-self')).json().data.accessor as string
  const first = await listAccessors(app)
  t.equal(first.status, 200)
  t.match(first.json, { data: { keys: [rootAccessor] }, mount_type: 'token', auth: null, warnings: null, lease_id: '' })
  t.same(first.json.data.keys, [rootAccessor], 'only the root token so far')

  const parent = await create(app, { ttl: '1h' }) // a root child, which may create children of its own
  const child = await create(app, { policies: ['default'] }, parent.client_token)
  const other = await create(app, { policies: ['default'] })
  const keys = (await listAccessors(app)).json.data.keys as string[]
  t.same(keys, [rootAccessor, parent.accessor, child.accessor, other.accessor].sort(), 'every live token, sorted')

  t.equal((await vault(app, 'POST', '/v1/auth/token/revoke-accessor', { body: { accessor: other.accessor } })).statusCode, 204)
  t.equal((await vault(app, 'POST', '/v1/auth/token/revoke', { body: { token: parent.client_token } })).statusCode, 204)
  t.same((await listAccessors(app)).json.data.keys, [rootAccessor], 'the revoked tokens and the child revoked with its parent are gone')

  // A plain GET of the list path is Vault's 405 (that path has only a list operation).
  for (const path of ['/v1/auth/token/accessors/', '/v1/auth/token/accessors']) {
    const plain = await vault(app, 'GET', path)
    t.same([plain.statusCode, plain.json()], [405, { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] }], path)
  }
})

t.test('the LIST verb and GET ?list=true answer the same', async (t) => {
  const { app } = await startTestServer(t)
  const { port } = app.server.address() as AddressInfo
  const [verb] = await rawExchange(port, [rawRequest('LIST', '/v1/auth/token/accessors', { 'X-Vault-Token': ROOT_TOKEN })])
  t.equal(verb.status, 200)
  t.same(JSON.parse(verb.body).data, (await listAccessors(app)).json.data)
})

t.test('sudo is required: list alone is 403, list with sudo lists', async (t) => {
  const { app } = await startTestServer(t)
  const policy = (caps: string): string => `path "auth/token/accessors" {\n  capabilities = [${caps}]\n}\n`
  await vault(app, 'PUT', '/v1/sys/policies/acl/list-only', { body: { policy: policy('"list"') } })
  await vault(app, 'PUT', '/v1/sys/policies/acl/list-sudo', { body: { policy: policy('"list", "sudo"') } })
  const listOnly = await create(app, { policies: ['list-only'] })
  const sudo = await create(app, { policies: ['list-sudo'] })
  const plain = await create(app, { policies: ['default'] })

  t.same(await listAccessors(app, listOnly.client_token), { status: 403, json: DENIED }, 'list without sudo')
  t.same(await listAccessors(app, plain.client_token), { status: 403, json: DENIED }, 'the default policy')
  const { port } = app.server.address() as AddressInfo
  const [verb] = await rawExchange(port, [rawRequest('LIST', '/v1/auth/token/accessors', { 'X-Vault-Token': listOnly.client_token })])
  t.same([verb.status, JSON.parse(verb.body)], [403, DENIED], 'the LIST verb is judged the same')

  const allowed = await listAccessors(app, sudo.client_token)
  t.equal(allowed.status, 200, 'list with sudo')
  t.ok((allowed.json.data.keys as string[]).includes(listOnly.accessor) && (allowed.json.data.keys as string[]).includes(sudo.accessor))
})

t.test('read from storage: rows others wrote count, expired tokens and their children do not', async (t) => {
  const { app, services } = await startTestServer(t)
  const repo = services.store.repos.tokens
  const before = (await listAccessors(app)).json.data.keys as string[]
  const past = Date.now() - 1000
  await repo.insert(row('elsewhere-live'))
  await repo.insert(row('elsewhere-child', { parent_accessor: 'elsewhere-live', orphan: 0, expire_time_ms: Date.now() + 3_600_000 }))
  await repo.insert(row('elsewhere-expired', { expire_time_ms: past }))
  await repo.insert(row('under-expired', { parent_accessor: 'elsewhere-expired', orphan: 0 }))
  t.same((await listAccessors(app)).json.data.keys, [...before, 'elsewhere-child', 'elsewhere-live'].sort(),
    'tokens written past the cache are listed; an expired token and its descendants are not')

  await repo.deleteByAccessor('elsewhere-live')
  t.same((await listAccessors(app)).json.data.keys, before, 'a token deleted elsewhere (and its child) is gone at once')

  // With no live token at all the list is empty: the route answers it as every empty LIST, 404 {"errors":[]}.
  for (const accessor of before) await repo.deleteByAccessor(accessor)
  t.same(await services.tokens.listAccessors(), [])
})
