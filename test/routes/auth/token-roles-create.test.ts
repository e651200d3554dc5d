// Creating tokens against a role (`auth/token/create/:role_name`), the `role != nil` branches of
// Vault's handleCreateCommon (vault/token_store.go): policies from allowed / disallowed lists and
// their globs, `default`, the parent's subset rule when the role has no lists, orphan, renewable,
// period, explicit max TTL, num_uses, path_suffix in lookup's `path`, `role` in lookup, the
// unknown role, token_type and entity_alias, and renewal by the role's current settings.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { startTestServer, tokenWithPolicy, vault } from '../../helper.js'

/** POST auth/token/create/<role> (as root unless `token`): status and body. */
async function create (app: FastifyInstance, role: string, body: unknown, token?: string): Promise<{ status: number, json: any }> {
  const res = await vault(app, 'POST', `/v1/auth/token/create/${role}`, { body, token })
  return { status: res.statusCode, json: res.json() }
}

/** The token's policies, or its error list. */
async function policiesOf (app: FastifyInstance, role: string, body: unknown, token?: string): Promise<unknown> {
  const c = await create(app, role, body, token)
  return c.status === 200 ? c.json.auth.policies : c.json.errors
}

async function role (app: FastifyInstance, name: string, body: unknown): Promise<void> {
  const res = await vault(app, 'POST', `/v1/auth/token/roles/${name}`, { body })
  if (res.statusCode !== 204) throw new Error(`role ${name}: ${res.statusCode} ${res.body}`)
}

const lookup = async (app: FastifyInstance, token: string): Promise<any> => (await vault(app, 'GET', '/v1/auth/token/lookup-self', { token })).json().data

/** A parent with only `creator` (and default): it may create against any role, nothing else. */
async function creatorToken (app: FastifyInstance): Promise<string> {
  return await tokenWithPolicy(app, 'creator', 'path "auth/token/create/*" { capabilities = ["update"] }')
}

t.test('policies: allowed, allowed_policies_glob, disallowed and its glob, default, beyond the parent\'s', async (t) => {
  const { app } = await startTestServer(t)
  for (const p of ['a', 'b', 'dev-x', 'dev-secret', 'c']) await vault(app, 'PUT', `/v1/sys/policies/acl/${p}`, { body: { policy: 'path "x" { capabilities = ["read"] }' } })
  await role(app, 'lists', { allowed_policies: ['a', 'b'], allowed_policies_glob: ['dev-*'], disallowed_policies_glob: ['*-secret'] })
  t.same(await policiesOf(app, 'lists', {}), ['a', 'b', 'default'], 'none asked: the allowed ones, with default')
  t.same(await policiesOf(app, 'lists', { policies: ['A'] }), ['a', 'default'])
  t.same(await policiesOf(app, 'lists', { policies: 'dev-x' }), ['default', 'dev-x'], 'a glob-allowed policy')
  t.same(await policiesOf(app, 'lists', { policies: ['c'] }),
    ['token policies (["c" "default"]) must be subset of the role\'s allowed policies (["a" "b" "default"]) or glob policies (["dev-*"])'])
  t.same(await policiesOf(app, 'lists', { policies: ['dev-secret'] }), ['token policy "dev-secret" is disallowed by this role'], 'the disallowed glob wins')
  t.same(await policiesOf(app, 'lists', { no_default_policy: true }), ['a', 'b'])
  const parent = await creatorToken(app)
  t.same(await policiesOf(app, 'lists', { policies: ['a'] }, parent), ['a', 'default'], 'a role grants policies its caller does not have')
  t.same(await policiesOf(app, 'lists', { policies: ['root'] }, parent),
    ['token policies (["root"]) must be subset of the role\'s allowed policies (["a" "b" "default"]) or glob policies (["dev-*"])'])

  await role(app, 'no-default', { allowed_policies: 'a', disallowed_policies: 'default' })
  t.same(await policiesOf(app, 'no-default', {}), ['a'], 'default disallowed: not added')
  t.same(await policiesOf(app, 'no-default', { policies: ['default'] }),
    ['token policies (["default"]) must be subset of the role\'s allowed policies (["a"]) or glob policies ([])'])
  await role(app, 'token-no-default', { allowed_policies: 'a', token_no_default_policy: true })
  t.same(await policiesOf(app, 'token-no-default', {}), ['a'], 'token_no_default_policy')

  await role(app, 'deny-only', { disallowed_policies: ['creator'] })
  t.same(await policiesOf(app, 'deny-only', {}, parent), ['token policy "creator" is disallowed by this role'], 'the parent\'s policies are checked too')
  t.same(await policiesOf(app, 'deny-only', { policies: ['b'] }, parent), ['b', 'default'], 'with a disallowed list only, any other policy')
  t.same(await policiesOf(app, 'deny-only', {}), ['root'], 'root\'s child without policies: root')

  await role(app, 'plain', { path_suffix: 'abc' })
  t.same(await policiesOf(app, 'plain', {}, parent), ['creator', 'default'], 'a role without lists: the parent\'s policies')
  t.same(await policiesOf(app, 'plain', { policies: ['a'] }, parent), ['child policies must be subset of parent'], 'and the subset rule')
})

t.test('orphan, renewable, period, explicit max TTL, num_uses, path_suffix, role in lookup', async (t) => {
  const { app } = await startTestServer(t)
  const parent = await creatorToken(app)
  await role(app, 'ci', { orphan: true, renewable: false, path_suffix: 'rev-1', allowed_policies: ['app'], token_num_uses: 5 })
  const ci = await create(app, 'ci', { no_parent: false, num_uses: 9 }, parent)
  t.equal(ci.status, 200)
  t.match(ci.json.auth, { policies: ['app', 'default'], orphan: true, renewable: false, num_uses: 5, lease_duration: 2764800 })
  t.same(ci.json.warnings, ['Policy "app" does not exist'])
  const seen = await lookup(app, ci.json.auth.client_token)
  t.match(seen, { path: 'auth/token/create/ci/rev-1', role: 'ci', orphan: true, renewable: false, num_uses: 4, explicit_max_ttl: 0 })
  t.same((await vault(app, 'POST', '/v1/auth/token/renew-self', { token: ci.json.auth.client_token })).json(), { errors: ['lease is not renewable'] })
  t.equal((await create(app, 'ci', { num_uses: 2 }, parent)).json.auth.num_uses, 2, 'fewer uses asked: kept')
  await vault(app, 'POST', '/v1/auth/token/revoke-self', { token: parent })
  t.equal((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: ci.json.auth.client_token })).statusCode, 200, 'an orphan outlives its creator')

  const other = await creatorToken(app)
  await role(app, 'child', { orphan: false })
  const child = await create(app, 'child', { no_parent: true }, other)
  t.same([child.status, child.json.auth.orphan], [200, false], 'with a role, no_parent is ignored (no sudo needed, no orphan made)')
  t.equal((await lookup(app, child.json.auth.client_token)).path, 'auth/token/create/child')

  await role(app, 'periodic', { token_period: '1h', token_explicit_max_ttl: '2h' })
  const periodic = await create(app, 'periodic', {}, other)
  t.same([periodic.status, periodic.json.auth.lease_duration, periodic.json.auth.renewable], [200, 3600, true], 'the role\'s period needs no sudo')
  t.notOk('period' in await lookup(app, periodic.json.auth.client_token), 'the token records only a period it asked for (Vault\'s TokenEntry)')
  t.same((await create(app, 'periodic', { period: '30m' }, other)).json.errors, ['root or sudo privileges required to create periodic token'])
  const lesser = await create(app, 'periodic', { period: '30m', explicit_max_ttl: '90m' })
  t.equal(lesser.json.auth.lease_duration, 1800)
  t.same(lesser.json.warnings, [
    'Explicit max TTL specified both during creation call and in role; using the lesser value of 5400 seconds',
    'Period specified both during creation call and in role; using the lesser value of 1800 seconds'
  ])
  t.match(await lookup(app, lesser.json.auth.client_token), { period: 1800, explicit_max_ttl: 5400, role: 'periodic' })

  await role(app, 'capped', { token_explicit_max_ttl: 600 })
  t.equal((await create(app, 'capped', {}, other)).json.auth.lease_duration, 600, 'no ttl: the explicit max TTL')
  const capped = await create(app, 'capped', { ttl: '1h' }, other)
  t.same([capped.json.auth.lease_duration, capped.json.warnings], [600, ['Requested TTL of 3600 seconds higher than explicit max TTL; value being capped to 600 seconds']])
})

t.test('renewal follows the role as it is now (Vault\'s authRenew); a deleted role stops renewals', async (t) => {
  const { app } = await startTestServer(t)
  await role(app, 'r', { token_explicit_max_ttl: 600 })
  const token = (await create(app, 'r', { ttl: '5m' })).json.auth.client_token as string
  const renew = async (): Promise<{ status: number, json: any }> => {
    const res = await vault(app, 'POST', '/v1/auth/token/renew-self', { token, body: { increment: '1h' } })
    return { status: res.statusCode, json: res.json() }
  }
  const capped = await renew()
  t.ok(capped.json.auth.lease_duration <= 600 && capped.json.auth.lease_duration >= 590, 'capped by the role\'s explicit max TTL')
  t.match(capped.json.warnings, [/^TTL of "1h" exceeded the effective max_ttl of "(9m\d+s|10m)"; TTL value is capped accordingly$/])
  await role(app, 'r', { token_explicit_max_ttl: 0 })
  t.equal((await renew()).json.auth.lease_duration, 3600, 'the role no longer caps it')
  await role(app, 'r', { token_period: '2h' })
  t.equal((await renew()).json.auth.lease_duration, 7200, 'the role\'s period now')
  await vault(app, 'DELETE', '/v1/auth/token/roles/r')
  t.same(await renew(), { status: 500, json: { errors: ['1 error occurred:\n\t* failed to renew entry: original token role "r" could not be found, not renewing\n\n'] } })
  t.equal((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token })).json().data.role, 'r', 'the token itself stays')
})

t.test('unknown role, token_type, entity_alias, sudo on the role path, limited-use parents', async (t) => {
  const { app } = await startTestServer(t)
  t.same(await create(app, 'nope', {}), { status: 400, json: { errors: ['unknown role nope'] } })
  await role(app, 'svc', { token_type: 'service', allowed_entity_aliases: ['web-*'] })
  const forced = await create(app, 'svc', { type: 'batch', entity_alias: '' })
  t.same([forced.status, forced.json.auth.token_type], [200, 'service'], 'token_type service overrides the request\'s type')
  await role(app, 'dflt', {})
  t.same((await create(app, 'dflt', { type: 'batch' })).json.errors, ['batch tokens are not supported by vault-sync; use service tokens'])
  t.same((await create(app, 'svc', { entity_alias: 'db' })).json.errors, ["invalid 'entity_alias' value"])
  t.same((await create(app, 'svc', { entity_alias: 'Web-1' })).json.errors, ['entity_alias is not supported by vault-sync: it has no identity store (leave it empty)'])

  const sudo = await tokenWithPolicy(app, 'role-sudo', 'path "auth/token/create/dflt" { capabilities = ["update", "sudo"] }')
  const byId = await create(app, 'dflt', { id: 'custom-role-token', period: '10m', policies: ['anything'] }, sudo)
  t.same([byId.status, byId.json.auth.client_token, byId.json.auth.policies, byId.json.auth.lease_duration], [200, 'custom-role-token', ['anything', 'default'], 600],
    'sudo on auth/token/create/<role> lifts the id, period and subset rules')
  t.same((await vault(app, 'POST', '/v1/auth/token/create/svc', { token: sudo, body: {} })).statusCode, 403, 'sudo on one role path only')

  const limited = (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['role-sudo'], num_uses: 3 } })).json().auth.client_token
  t.same((await create(app, 'dflt', {}, limited)).json.errors, ['restricted use token cannot generate child tokens'])
})
