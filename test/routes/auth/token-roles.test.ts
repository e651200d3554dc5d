// Token store roles, CRUD and list (Vault's vault/token_store.go `tokenStoreRoleCreateUpdate`,
// `tokenStoreRoleRead`, `tokenStoreRoleList`, `tokenStoreRoleDelete`; sdk/helper/tokenutil for
// the token_* fields): field names, types and defaults as Vault reads them back, update keeping
// what it does not name, the legacy aliases, Vault's warnings and refusals, and the ACL's
// create/update by the role's existence.
import t from 'tap'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { ROOT_TOKEN, startTestServer, tokenWithPolicy, vault } from '../../helper.js'
import { rawExchange, rawRequest } from '../../raw-http.js'

const DENIED = { errors: ['1 error occurred:\n\t* permission denied\n\n'] }

/** POST auth/token/roles/<name>: status and body (undefined for a 204). */
async function write (app: FastifyInstance, name: string, body: unknown, token?: string): Promise<{ status: number, json: any }> {
  const res = await vault(app, 'POST', `/v1/auth/token/roles/${name}`, { body, token })
  return { status: res.statusCode, json: res.body === '' ? undefined : res.json() }
}

/** GET auth/token/roles/<name>: the `data`, or the status and body when not 200. */
async function read (app: FastifyInstance, name: string): Promise<any> {
  const res = await vault(app, 'GET', `/v1/auth/token/roles/${name}`)
  return res.statusCode === 200 ? res.json().data : { status: res.statusCode, body: res.json() }
}

/** What Vault reads back for a role created with no field at all. */
const DEFAULTS = {
  allowed_entity_aliases: null,
  allowed_policies: [],
  allowed_policies_glob: [],
  disallowed_policies: [],
  disallowed_policies_glob: [],
  explicit_max_ttl: 0,
  orphan: false,
  path_suffix: '',
  period: 0,
  renewable: true,
  token_explicit_max_ttl: 0,
  token_no_default_policy: false,
  token_period: 0,
  token_type: 'default-service'
}

t.test('create with defaults, read, update keeps what it does not name, list in byte order, delete', async (t) => {
  const { app } = await startTestServer(t)
  t.same([(await vault(app, 'GET', '/v1/auth/token/roles?list=true')).statusCode, (await vault(app, 'GET', '/v1/auth/token/roles?list=true')).json()], [404, { errors: [] }], 'no roles: 404')
  t.same(await read(app, 'ci'), { status: 404, body: { errors: [] } })
  t.same(await write(app, 'ci', {}), { status: 204, json: undefined })
  const created = await read(app, 'ci')
  t.strictSame(created, { ...DEFAULTS, name: 'ci' })
  t.same(Object.keys(created), Object.keys(created).sort(), 'keys in Go\'s JSON order')

  const full = await write(app, 'ci', {
    allowed_policies: 'B, a', disallowed_policies: ['X', 'x', ' '], allowed_policies_glob: ['Dev-*'], disallowed_policies_glob: '*-Secret',
    allowed_entity_aliases: ['Web', 'web'], orphan: 'true', renewable: 0, path_suffix: 'rev-1', token_period: '1h',
    token_explicit_max_ttl: 7200, token_num_uses: '3', token_no_default_policy: true, token_type: 'service', token_bound_cidrs: []
  })
  t.same(full, { status: 204, json: undefined })
  const expected = {
    allowed_entity_aliases: ['web'], allowed_policies: ['a', 'b'], allowed_policies_glob: ['dev-*'], disallowed_policies: ['x'],
    disallowed_policies_glob: ['*-secret'], explicit_max_ttl: 0, name: 'ci', orphan: true, path_suffix: 'rev-1', period: 0, renewable: false,
    token_explicit_max_ttl: 7200, token_no_default_policy: true, token_num_uses: 3, token_period: 3600, token_type: 'service'
  }
  t.strictSame(await read(app, 'ci'), expected, 'lists sanitized (policies lower-cased, sorted, deduplicated), token_num_uses shown above 0')
  t.same(await write(app, 'ci', { orphan: false }), { status: 204, json: undefined })
  t.strictSame(await read(app, 'ci'), { ...expected, orphan: false }, 'an update changes only what it names')
  t.same((await write(app, 'ci', { allowed_policies: ['root', 'a'] })).status, 204)
  t.same((await read(app, 'ci')).allowed_policies, ['root'], 'root absorbs the rest (policyutil.SanitizePolicies)')

  await write(app, 'B-role', {})
  await write(app, 'a.role@x', {})
  const listed = (await vault(app, 'GET', '/v1/auth/token/roles?list=true')).json()
  t.same([listed.data, listed.mount_type], [{ keys: ['B-role', 'a.role@x', 'ci'] }, 'token'], 'GET ?list=true, byte order')
  t.same((await vault(app, 'GET', '/v1/auth/token/roles/?list=true')).json().data.keys, ['B-role', 'a.role@x', 'ci'], 'with the slash too')
  const { port } = app.server.address() as AddressInfo
  const [verb] = await rawExchange(port, [rawRequest('LIST', '/v1/auth/token/roles', { 'X-Vault-Token': ROOT_TOKEN })])
  t.same([verb.status, JSON.parse(verb.body).data], [200, listed.data], 'the LIST verb')

  t.equal((await vault(app, 'DELETE', '/v1/auth/token/roles/ci')).statusCode, 204)
  t.same(await read(app, 'ci'), { status: 404, body: { errors: [] } })
  t.equal((await vault(app, 'DELETE', '/v1/auth/token/roles/ci')).statusCode, 204, 'deleting a missing role is a 204 too')
  t.same((await vault(app, 'GET', '/v1/auth/token/roles?list=true')).json().data.keys, ['B-role', 'a.role@x'])
})

t.test('the legacy period, explicit_max_ttl and bound_cidrs, and Vault\'s warnings', async (t) => {
  const { app } = await startTestServer(t)
  t.same(await write(app, 'old', { period: '30m', explicit_max_ttl: 600 }), { status: 204, json: undefined })
  t.match(await read(app, 'old'), { period: 1800, token_period: 1800, explicit_max_ttl: 600, token_explicit_max_ttl: 600 }, 'an alias sets both')
  t.same(await write(app, 'old', { token_period: 60 }), { status: 204, json: undefined })
  t.match(await read(app, 'old'), { period: 0, token_period: 60, explicit_max_ttl: 600, token_explicit_max_ttl: 600 }, 'the token_ field clears its alias')
  const both = await write(app, 'old', { token_period: 90, period: 30, token_explicit_max_ttl: 120, explicit_max_ttl: 30, token_bound_cidrs: [], bound_cidrs: '', token_ttl: 5 })
  t.equal(both.status, 200, 'warnings make a body')
  t.same(both.json.data, null)
  t.same(both.json.warnings, [
    "Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value",
    "Both 'token_bound_cidrs' and deprecated 'bound_cidrs' value supplied, ignoring the deprecated value",
    "Both 'token_explicit_max_ttl' and deprecated 'explicit_max_ttl' value supplied, ignoring the deprecated value",
    'Endpoint ignored these unrecognized parameters: [token_ttl]'
  ])
  t.match(await read(app, 'old'), { period: 0, token_period: 90, explicit_max_ttl: 0, token_explicit_max_ttl: 120 })
  t.same(await write(app, 'old', { token_ttl: 5, token_max_ttl: 5, token_policies: [] }), { status: 204, json: undefined }, 'unknown fields alone: still a 204 (no body, no warning)')
  const tooLong = await write(app, 'long', { token_explicit_max_ttl: '800h' })
  t.same([tooLong.status, tooLong.json.warnings], [200, ['Given explicit max TTL of 2880000 is greater than system/mount allowed value of 2764800 seconds; until this is fixed attempting to create tokens against this role will result in an error']])
})

t.test('refusals: Vault\'s texts, batch tokens and bound CIDRs (not supported here), names no Vault path matches', async (t) => {
  const { app } = await startTestServer(t)
  const refused = async (body: unknown): Promise<unknown> => { const w = await write(app, 'r', body); return w.status === 400 ? w.json.errors[0] : w }
  t.equal(await refused({ path_suffix: 'v1' }), 'given role path suffix contains invalid characters; must match \\w[\\w-.]+\\w', 'fewer than 3 word characters')
  t.equal(await refused({ path_suffix: 'abc..def' }), 'error registering path suffix: path cannot contain parent references')
  t.equal(await refused({ token_num_uses: -1 }), "error parsing role fields: 'token_num_uses' cannot be negative")
  t.equal(await refused({ token_type: 'weird' }), 'invalid \'token_type\' value "weird"')
  t.equal(await refused({ token_type: '' }), 'invalid \'token_type\' value ""')
  t.equal(await refused({ token_type: 'batch' }), 'batch tokens are not supported by vault-sync; use service tokens')
  t.equal(await refused({ token_type: 'default-batch' }), 'batch tokens are not supported by vault-sync; use service tokens')
  t.equal(await refused({ token_bound_cidrs: ['10.0.0.0/8'] }), 'token_bound_cidrs is not supported by vault-sync: tokens cannot be bound to client addresses (leave it empty)')
  t.equal(await refused({ bound_cidrs: '127.0.0.1' }), 'bound_cidrs is not supported by vault-sync: tokens cannot be bound to client addresses (leave it empty)')
  t.match(await refused({ orphan: 'maybe' }), /^Field validation failed: error converting input for field "orphan"/)
  t.match(await refused({ token_period: 'soon' }), /^Field validation failed: error converting input for field "token_period"/)
  t.same(await read(app, 'r'), { status: 404, body: { errors: [] } }, 'nothing was stored')
  t.same(await write(app, 'r', { path_suffix: 'x/abc', token_type: 'service' }), { status: 204, json: undefined }, 'the suffix only has to contain a match (Go\'s MatchString)')

  const unsupported = { errors: ['1 error occurred:\n\t* unsupported path\n\n'] }
  for (const [method, url] of [['GET', '/v1/auth/token/roles/-bad'], ['POST', '/v1/auth/token/roles/bad!'], ['DELETE', '/v1/auth/token/roles/bad-'], ['POST', '/v1/auth/token/create/-x']] as const) {
    const res = await vault(app, method, url, { body: method === 'POST' ? {} : undefined })
    t.same([res.statusCode, res.json()], [404, unsupported], `${method} ${url}`)
  }
  const unsupportedOp = { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] }
  for (const [method, url] of [['GET', '/v1/auth/token/roles'], ['GET', '/v1/auth/token/roles/'], ['POST', '/v1/auth/token/roles'], ['PATCH', '/v1/auth/token/roles/r']] as const) {
    const res = await vault(app, method, url, { body: method === 'GET' ? undefined : {}, headers: method === 'PATCH' ? { 'content-type': 'application/merge-patch+json' } : {} })
    t.same([res.statusCode, res.json()], [405, unsupportedOp], `${method} ${url}`)
  }
})

t.test('the ACL: a role write is create or update by the role\'s existence; reads and lists need their own capability', async (t) => {
  const { app } = await startTestServer(t)
  const creator = await tokenWithPolicy(app, 'role-creator', 'path "auth/token/roles/*" { capabilities = ["create", "read"] }')
  const updater = await tokenWithPolicy(app, 'role-updater', 'path "auth/token/roles/*" { capabilities = ["update"] }')
  t.same(await write(app, 'new', {}, updater), { status: 403, json: DENIED }, 'update cannot create')
  t.same(await write(app, 'new', {}, creator), { status: 204, json: undefined })
  t.same(await write(app, 'new', { orphan: true }, creator), { status: 403, json: DENIED }, 'create cannot update')
  t.same(await write(app, 'new', { orphan: true }, updater), { status: 204, json: undefined })
  t.equal((await vault(app, 'GET', '/v1/auth/token/roles/new', { token: creator })).json().data.orphan, true)
  t.same((await vault(app, 'GET', '/v1/auth/token/roles/new', { token: updater })).json(), DENIED)
  t.same((await vault(app, 'GET', '/v1/auth/token/roles?list=true', { token: creator })).json(), DENIED, 'list is its own capability on auth/token/roles/')
  t.same((await vault(app, 'DELETE', '/v1/auth/token/roles/new', { token: creator })).json(), DENIED)
})
