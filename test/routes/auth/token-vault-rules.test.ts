// Token store rules taken line by line from Vault's vault/token_store.go: handleCreateCommon's
// non-expiring root check and its `default` policy / subset logic, and handleRevokeOrphan's
// sudo check behind the `revoke-orphan/*` root path (PathsSpecial.Root).
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { startTestServer, tokenWithPolicy, vault } from '../../helper.js'

const DENIED = { errors: ['1 error occurred:\n\t* permission denied\n\n'] }

async function create (app: FastifyInstance, body: unknown, token?: string, path = 'create'): Promise<{ status: number, json: any }> {
  const res = await vault(app, 'POST', `/v1/auth/token/${path}`, { body, token })
  return { status: res.statusCode, json: res.json() }
}

/** The number of live tokens (root's LIST of accessors). */
async function liveTokens (app: FastifyInstance): Promise<number> {
  return (await vault(app, 'GET', '/v1/auth/token/accessors/?list=true')).json().data.keys.length as number
}

t.test('an expiring root token cannot create a non-expiring root token (Terraform provider\'s child token)', async (t) => {
  const { app } = await startTestServer(t)
  // The provider swaps the user's token for a 20-minute child with the root policy...
  const limited = await create(app, { policies: ['root'], ttl: '1200s', explicit_max_ttl: '1200s', display_name: 'terraform' })
  t.equal(limited.json.auth.lease_duration, 1200)
  const parent = limited.json.auth.client_token as string
  const before = await liveTokens(app)
  // ...then `vault_token` without ttl sends this body.
  const terraform = { display_name: 'token', num_uses: 0, type: '', entity_alias: '' }
  const refused = { errors: ['expiring root tokens cannot create non-expiring root tokens'] }
  for (const [path, body] of [['create', terraform], ['create', { ...terraform, no_parent: true }], ['create-orphan', terraform], ['create', { policies: ['root'] }]] as const) {
    const c = await create(app, body, parent, path)
    t.same([c.status, c.json], [400, refused], `${path} ${JSON.stringify(body)}`)
  }
  t.equal(await liveTokens(app), before, 'no token was stored')
  // Any TTL at all makes the child expiring: allowed (explicit_max_ttl alone bounds a root token).
  const withTtl = await create(app, { ttl: '10m' }, parent)
  t.same([withTtl.status, withTtl.json.auth.policies, withTtl.json.auth.lease_duration], [200, ['root'], 600])
  const withMax = await create(app, { explicit_max_ttl: '5m', no_parent: true }, parent)
  t.same([withMax.status, withMax.json.auth.lease_duration, withMax.json.auth.orphan], [200, 300, true])
  // A non-expiring root token still creates non-expiring root tokens, not advertised as renewable.
  const lasting = await create(app, {})
  t.same([lasting.status, lasting.json.auth.lease_duration, lasting.json.auth.renewable], [200, 0, false])
  t.equal((await vault(app, 'GET', '/v1/auth/token/lookup-self', { token: lasting.json.auth.client_token })).json().data.renewable, false)
  const grandchild = await create(app, { display_name: 'token' }, lasting.json.auth.client_token as string)
  t.same([grandchild.status, grandchild.json.auth.lease_duration], [200, 0])
})

t.test('child policies: "default" only when the parent has it, and inside the subset check', async (t) => {
  const { app } = await startTestServer(t)
  await vault(app, 'PUT', '/v1/sys/policies/acl/p9', { body: { policy: 'path "auth/token/create" {\n capabilities = ["update"]\n}\n' } })
  const p9 = (await create(app, { policies: ['p9'], no_default_policy: true })).json.auth
  t.same(p9.policies, ['p9'])
  const policiesOf = async (body: unknown, token: string): Promise<unknown> => {
    const c = await create(app, body, token)
    return c.status === 200 ? c.json.auth.policies : c.json
  }
  const subset = { errors: ['child policies must be subset of parent'] }
  t.same(await policiesOf({}, p9.client_token), ['p9'], 'no policies: exactly the parent\'s, no default added')
  t.same(await policiesOf({ policies: ['p9'] }, p9.client_token), ['p9'], 'the parent has no default: none added')
  t.same(await policiesOf({ policies: ['p9', 'default'] }, p9.client_token), subset, 'default is not the parent\'s to grant')
  t.same(await policiesOf({ policies: ['default'] }, p9.client_token), subset)
  t.same(await policiesOf({ policies: ['root'] }, p9.client_token), subset, 'the subset check comes before the root check')

  // A parent that has default passes it on, unless no_default_policy.
  const withDefault = await tokenWithPolicy(app, 'p9', 'path "auth/token/create" {\n capabilities = ["update"]\n}\n')
  t.same(await policiesOf({}, withDefault), ['default', 'p9'])
  t.same(await policiesOf({ policies: ['p9'] }, withDefault), ['default', 'p9'])
  t.same(await policiesOf({ policies: ['p9', 'default'] }, withDefault), ['default', 'p9'])
  t.same(await policiesOf({ no_default_policy: true }, withDefault), ['p9'])
  t.same(await policiesOf({ policies: ['p9', 'default'], no_default_policy: true }, withDefault), ['p9'], 'stripped even when asked for')

  // Sudo lifts the subset rule and adds default to the policies given, not to inherited ones.
  await vault(app, 'PUT', '/v1/sys/policies/acl/ps', { body: { policy: 'path "auth/token/create" {\n capabilities = ["update", "sudo"]\n}\n' } })
  const sudo = (await create(app, { policies: ['ps'], no_default_policy: true })).json.auth.client_token as string
  t.same(await policiesOf({}, sudo), ['ps'])
  t.same(await policiesOf({ policies: ['other'] }, sudo), ['default', 'other'])
  t.same(await policiesOf({ policies: ['root'] }, sudo), { errors: ['root tokens may not be created without parent token being root'] })
  // Vault's order: the policies are checked before the orphan flag.
  t.same(await policiesOf({ policies: ['admin'], no_parent: true }, p9.client_token), subset)
})

t.test('revoke-orphan with the token in the body: update reaches the handler, which asks for root or sudo', async (t) => {
  const { app } = await startTestServer(t)
  const updateOnly = await tokenWithPolicy(app, 'orphaner', 'path "auth/token/revoke-orphan" {\n capabilities = ["update"]\n}\npath "auth/token/revoke-orphan/*" {\n capabilities = ["update"]\n}\n')
  const withSudo = await tokenWithPolicy(app, 'sudo-orphaner', 'path "auth/token/revoke-orphan" {\n capabilities = ["update", "sudo"]\n}\n')
  const nothing = await tokenWithPolicy(app, 'none', 'path "secret/*" {\n capabilities = ["read"]\n}\n')
  const target = (await create(app, { policies: ['a'] })).json.auth.client_token as string
  const revokeOrphan = async (token: string, body: unknown): Promise<[number, unknown]> => {
    const res = await vault(app, 'POST', '/v1/auth/token/revoke-orphan', { token, body })
    return [res.statusCode, res.statusCode === 204 ? null : res.json()]
  }
  t.same(await revokeOrphan(updateOnly, { token: target }), [400, { errors: ['root or sudo privileges required to revoke and orphan'] }])
  t.equal((await vault(app, 'POST', '/v1/auth/token/lookup', { body: { token: target } })).statusCode, 200, 'not revoked')
  t.same(await revokeOrphan(updateOnly, {}), [400, { errors: ['missing token ID'] }], 'the missing token is reported first')
  t.same(await revokeOrphan(nothing, { token: target }), [403, DENIED], 'without update the ACL refuses')
  t.same(await revokeOrphan(withSudo, { token: target }), [204, null])
  t.equal((await vault(app, 'POST', '/v1/auth/token/lookup', { body: { token: target } })).statusCode, 403, 'revoked')
  // `revoke-orphan/*` stays root-protected: without sudo the ACL refuses it before routing.
  const path = await vault(app, 'POST', '/v1/auth/token/revoke-orphan/abc', { token: updateOnly, body: {} })
  t.same([path.statusCode, path.json()], [403, DENIED])
})
