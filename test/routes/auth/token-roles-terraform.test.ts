// Terraform's Vault provider replayed against token roles: the requests of
// `vault_token_auth_backend_role` (vault/resource_token_auth_backend_role.go: create, read,
// update, delete; the token fields of vault/auth_token.go `setTokenFields` / `readTokenFields`)
// and of `vault_token` with `role_name` (vault/resource_token.go: `CreateWithRole`, then
// `LookupAccessor`), checking that what the provider reads back gives the state it wrote, so a
// plan after apply shows no drift.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { startTestServer, vault } from '../../helper.js'

/** The resource's arguments (the registry example of vault_token_auth_backend_role). */
const CONFIG = {
  role_name: 'tf-role',
  allowed_policies: ['dev', 'test'],
  allowed_policies_glob: [] as string[],
  disallowed_policies: ['default'],
  disallowed_policies_glob: [] as string[],
  allowed_entity_aliases: ['test_entity'],
  orphan: true,
  renewable: true,
  path_suffix: 'path-suffix',
  token_period: 86400,
  token_explicit_max_ttl: 115200,
  token_ttl: 0,
  token_max_ttl: 0,
  token_num_uses: 0,
  token_no_default_policy: false,
  token_type: 'default-service',
  token_policies: [] as string[],
  token_bound_cidrs: [] as string[],
  alias_metadata: {}
}
type Config = typeof CONFIG

/** `tokenAuthBackendRoleUpdateFields`: the body of create and update (token_ttl left out: it conflicts with a set token_period). */
function providerBody (c: Config): Record<string, unknown> {
  const { role_name: _name, token_ttl: tokenTtl, ...fields } = c
  return c.token_period !== 0 ? fields : { ...fields, token_ttl: tokenTtl }
}

/** `tokenAuthBackendRoleRead`: the state the provider sets from a read (absent fields become the type's zero value). */
function providerState (data: Record<string, any>, roleName: string): Config {
  const list = (k: string): string[] => [...(data[k] ?? [])].sort()
  return {
    role_name: roleName,
    allowed_policies: list('allowed_policies'),
    allowed_policies_glob: list('allowed_policies_glob'),
    disallowed_policies: list('disallowed_policies'),
    disallowed_policies_glob: list('disallowed_policies_glob'),
    allowed_entity_aliases: list('allowed_entity_aliases'),
    orphan: data.orphan,
    renewable: data.renewable,
    path_suffix: data.path_suffix,
    token_period: data.token_period ?? 0,
    token_explicit_max_ttl: data.token_explicit_max_ttl ?? 0,
    token_ttl: data.token_ttl ?? 0,
    token_max_ttl: data.token_max_ttl ?? 0,
    token_num_uses: data.token_num_uses ?? 0,
    token_no_default_policy: data.token_no_default_policy ?? false,
    token_type: data.token_type ?? '',
    token_policies: list('token_policies'),
    token_bound_cidrs: list('token_bound_cidrs'),
    alias_metadata: data.alias_metadata ?? {}
  }
}

const PATH = '/v1/auth/token/roles/tf-role'

async function readState (t: Test, app: FastifyInstance): Promise<Config | undefined> {
  const res = await vault(app, 'GET', PATH)
  if (res.statusCode === 404) { t.same(res.json(), { errors: [] }, 'a missing role is a 404 the client reads as "gone"'); return undefined }
  t.equal(res.statusCode, 200)
  return providerState(res.json().data, 'tf-role')
}

t.test('vault_token_auth_backend_role: create, read (no drift), update, vault_token with role_name, destroy', async (t) => {
  const { app } = await startTestServer(t)
  t.equal(await readState(t, app), undefined, 'refresh before create')
  const created = await vault(app, 'PUT', PATH, { body: providerBody(CONFIG) })
  t.equal(created.statusCode, 204, 'Logical().Write: no warning, so no body (the unknown token_max_ttl, token_policies, alias_metadata are ignored silently)')
  t.same(await readState(t, app), { ...CONFIG, allowed_policies: ['dev', 'test'] }, 'the state read back is the configuration')

  // vault_token with role_name: api.TokenCreateRequest as the provider fills it.
  const token = await vault(app, 'POST', '/v1/auth/token/create/tf-role', { body: { policies: ['test'], renewable: true, display_name: 'token', num_uses: 0, type: '', entity_alias: '' } })
  t.equal(token.statusCode, 200, token.body)
  const accessor = token.json().auth.accessor as string
  const looked = (await vault(app, 'POST', '/v1/auth/token/lookup-accessor', { body: { accessor } })).json().data
  // tokenRead: policies without default, no_parent from orphan, display_name without "token-", the lease from issue/expire times.
  t.same((looked.policies as string[]).filter((p) => p !== 'default'), ['test'])
  t.same([looked.orphan, looked.renewable, (looked.display_name as string).replace(/^token-/, ''), looked.num_uses], [true, true, 'token', 0])
  const lease = (Date.parse(looked.expire_time) - Date.parse(looked.issue_time)) / 1000
  t.ok(Math.abs(lease - 86400) <= 2, `lease_duration ${lease}: the role's period`)
  t.same([looked.path, looked.role], ['auth/token/create/tf-role/path-suffix', 'tf-role'])

  const changed = { ...CONFIG, allowed_policies: ['dev'], orphan: false, path_suffix: 'rev-2', token_period: 0, token_ttl: 3600 }
  t.equal((await vault(app, 'PUT', PATH, { body: providerBody(changed) })).statusCode, 204, 'update: the same body with the new values')
  t.same(await readState(t, app), { ...changed, token_ttl: 0 }, 'token_ttl is no field of a token role: read back as 0, as from Vault')

  t.equal((await vault(app, 'POST', '/v1/auth/token/revoke-accessor', { body: { accessor } })).statusCode, 204, 'vault_token destroy')
  t.equal((await vault(app, 'DELETE', PATH)).statusCode, 204, 'role destroy')
  t.equal(await readState(t, app), undefined, 'refresh after destroy')
})
