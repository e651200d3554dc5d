// Policy rule details checked against Vault's source, through the HTTP API: parameter values
// (acl.go `valueInAllowedParameterList` / `valueInDeniedParameterList` / `valueInParameterList`,
// strutil `GlobbedStringsMatch`), wrapping TTLs (policy.go parsing, `AllowOperation` for an
// unwrapped request), and the fixed policy names (policy_store.go, token_store.go).
import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { startTestServer, tokenWithPolicy, vault } from '../../helper.js'

const DENIED = { errors: ['1 error occurred:\n\t* permission denied\n\n'] }

/** Status and JSON body (`null` for an empty one). */
const answer = (res: LightMyRequestResponse): [number, unknown] => [res.statusCode, res.body === '' ? null : res.json()]

/** A token create by `parent` with `body`: status, and the child's policies when created. */
async function create (app: FastifyInstance, parent: string, body: unknown): Promise<[number, string[] | undefined]> {
  const res = await vault(app, 'POST', '/v1/auth/token/create', { token: parent, body })
  return [res.statusCode, res.json().auth?.policies]
}

/** A token that may create tokens (with sudo: any policies) under `constraints`. */
async function creator (app: FastifyInstance, name: string, constraints: string): Promise<string> {
  return await tokenWithPolicy(app, name, `path "auth/token/create" {\n capabilities = ["update", "sudo"]\n ${constraints}\n}\n`)
}

t.test('denied_parameters: any element of a list, or of a comma-separated string, denies', async (t) => {
  const { app } = await startTestServer(t)
  await vault(app, 'PUT', '/v1/sys/policies/acl/admin', { body: { policy: 'path "*" {\n capabilities = ["sudo", "read", "create", "update", "delete", "list"]\n}\n' } })
  const parent = await creator(app, 'no-admin', 'denied_parameters = { "policies" = ["admin"] }')
  t.same(await create(app, parent, { policies: ['default', 'admin'] }), [403, undefined])
  t.same(await create(app, parent, { policies: 'default,admin' }), [403, undefined])
  t.same(await create(app, parent, { policies: 'default, admin' }), [403, undefined])
  t.same(await create(app, parent, { policies: 'admin' }), [403, undefined])
  t.same(await create(app, parent, { policies: ['default'] }), [200, ['default']])
})

t.test('allowed_parameters: a comma-separated string is split and each item checked', async (t) => {
  const { app } = await startTestServer(t)
  const parent = await creator(app, 'p1-only', 'allowed_parameters = { "policies" = ["default", "p1"] }')
  t.same(await create(app, parent, { policies: 'default,p1' }), [200, ['default', 'p1']])
  t.same(await create(app, parent, { policies: 'default, p1' }), [200, ['default', 'p1']])
  t.equal((await create(app, parent, { policies: '' }))[0], 200, 'an empty string splits into nothing')
  t.same(await create(app, parent, { policies: 'default,admin' }), [403, undefined])
  t.same(await create(app, parent, { policies: ['p1', 'admin'] }), [403, undefined])
})

t.test('glob values follow strutil.GlobbedStringsMatch', async (t) => {
  const { app } = await startTestServer(t)
  const star = await creator(app, 'star', 'allowed_parameters = { "display_name" = ["*"] }')
  t.same(await create(app, star, { display_name: 'anything' }), [403, undefined], 'a bare * is the literal *')
  t.equal((await create(app, star, { display_name: '*' }))[0], 200)
  const contains = await creator(app, 'contains', 'denied_parameters = { "display_name" = ["*bad*"] }')
  t.same(await create(app, contains, { display_name: 'a-bad-one' }), [403, undefined], '*x* is contains')
  t.equal((await create(app, contains, { display_name: 'good' }))[0], 200)
  const affixes = await creator(app, 'affixes', 'allowed_parameters = { "display_name" = ["app-*", "*-ci"] }')
  t.equal((await create(app, affixes, { display_name: 'app-web' }))[0], 200, 'x* is a prefix')
  t.equal((await create(app, affixes, { display_name: 'deploy-ci' }))[0], 200, '*x is a suffix')
  t.same(await create(app, affixes, { display_name: 'web-app-x' }), [403, undefined])
})

t.test('values compare as Go does: a policy number never equals a JSON request value', async (t) => {
  const { app } = await startTestServer(t)
  // HCL gives Go int, Vault's JSON decoder json.Number: reflect.DeepEqual is false.
  const parent = await creator(app, 'uses', 'allowed_parameters = { "num_uses" = [1] }')
  t.same(await create(app, parent, { num_uses: 1 }), [403, undefined])
  t.same(await create(app, parent, { num_uses: '1' }), [403, undefined])
  const required = await tokenWithPolicy(app, 'required', 'path "secret/data/r" {\n capabilities = ["create", "update"]\n required_parameters = ["data"]\n}\n')
  t.same((await vault(app, 'POST', '/v1/secret/data/r', { token: required, body: { Data: { k: 'v' } } })).json(), DENIED,
    'a required parameter is looked up by its lower-case name among the keys as sent')
  t.equal((await vault(app, 'POST', '/v1/secret/data/r', { token: required, body: { data: { k: 'v' } } })).statusCode, 200)
})

t.test('wrapping TTLs: a rule with either one denies every (never wrapped) request; validated on write', async (t) => {
  const { app } = await startTestServer(t)
  await vault(app, 'POST', '/v1/secret/data/w', { body: { data: { k: 'v' } } })
  const token = await tokenWithPolicy(app, 'wrapping', [
    'path "secret/data/w" {\n capabilities = ["read"]\n max_wrapping_ttl = "1h"\n}',
    'path "secret/metadata/w" {\n capabilities = ["read"]\n min_wrapping_ttl = "500ms"\n}',
    'path "secret/data/zero" {\n capabilities = ["read"]\n min_wrapping_ttl = "0m"\n max_wrapping_ttl = 0\n}'
  ].join('\n'))
  t.same((await vault(app, 'GET', '/v1/secret/data/w', { token })).json(), DENIED, 'max_wrapping_ttl alone requires wrapping')
  t.same((await vault(app, 'GET', '/v1/secret/metadata/w', { token })).json(), DENIED, 'below a second is still above zero')
  t.equal((await vault(app, 'GET', '/v1/secret/data/zero', { token })).statusCode, 404, 'zero TTLs require nothing: allowed, then no such secret')

  const refusals: Array<[string, string]> = [
    ['min_wrapping_ttl = "abc"', 'error parsing min_wrapping_ttl: time: invalid duration "abc"'],
    ['max_wrapping_ttl = "5x"', 'error parsing max_wrapping_ttl: time: unknown unit "x" in duration "5x"'],
    ['max_wrapping_ttl = true', 'error parsing max_wrapping_ttl: could not parse duration from input'],
    ['min_wrapping_ttl = "2h"\n max_wrapping_ttl = "1h"', 'max_wrapping_ttl cannot be less than min_wrapping_ttl']
  ]
  for (const [line, message] of refusals) {
    const res = await vault(app, 'PUT', '/v1/sys/policies/acl/bad-ttl', { body: { policy: `path "a" {\n capabilities = ["read"]\n ${line}\n}\n` } })
    t.same(answer(res), [400, { errors: [`failed to parse policy: ${message}`] }], line)
  }
  const deny = await vault(app, 'PUT', '/v1/sys/policies/acl/deny-ttl', { body: { policy: 'path "a" {\n capabilities = ["deny"]\n min_wrapping_ttl = "abc"\n}\n' } })
  t.equal(deny.statusCode, 204, 'Vault stops at deny: the TTLs of a deny rule are not parsed')
})

t.test('response-wrapping and control-group can be neither written, deleted nor assigned', async (t) => {
  const { app } = await startTestServer(t)
  const policy = 'path "a" {\n capabilities = ["read"]\n}\n'
  for (const name of ['response-wrapping', 'control-group']) {
    for (const url of [`/v1/sys/policies/acl/${name}`, `/v1/sys/policy/${name.toUpperCase()}`]) {
      const put = await vault(app, 'PUT', url, { body: { policy } })
      t.same(answer(put), [400, { errors: [`cannot update "${name}" policy`] }], `PUT ${url}`)
      const del = await vault(app, 'DELETE', url)
      t.same(answer(del), [400, { errors: [`cannot delete "${name}" policy`] }], `DELETE ${url}`)
    }
    // Vault stores their fixed texts at start: reading answers them; listing leaves them out.
    const read = (await vault(app, 'GET', `/v1/sys/policies/acl/${name}`)).json().data
    t.equal(read.name, name)
    t.match(read.policy, /^\npath "cubbyhole\/(response|control-group)" \{\n {4}capabilities = \[[^\]]+\]\n\}\n\npath "sys\/wrapping\/unwrap" \{\n {4}capabilities = \["update"\]\n\}\n$/)
    t.equal((await vault(app, 'GET', `/v1/sys/policy/${name}`)).json().rules, read.policy, 'sys/policy answers the same text')
    const assign = await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['default', ` ${name.toUpperCase()}`] } })
    t.same(answer(assign), [400, { errors: [`cannot assign policy "${name}"`] }], `assign ${name}`)
  }
  const parsedFirst = await vault(app, 'PUT', '/v1/sys/policies/acl/root', { body: { policy: 'path "a" { capabilities = ["write"] }' } })
  t.same(answer(parsedFirst), [400, { errors: ['failed to parse policy: path "a": invalid capability "write"'] }], 'the text is parsed before the name is refused')
  t.same((await vault(app, 'GET', '/v1/sys/policies/acl?list=true')).json().data.keys, ['default', 'root'], 'nothing was stored')
})

t.test('wrapping TTLs: a policy stored with the rules of an earlier version is re-derived from its text', async (t) => {
  const { app, services } = await startTestServer(t)
  await vault(app, 'POST', '/v1/secret/data/w', { body: { data: { k: 'v' } } })
  const raw = 'path "secret/data/w" {\n capabilities = ["read"]\n max_wrapping_ttl = "1h"\n}\n'
  t.equal((await vault(app, 'PUT', '/v1/sys/policies/acl/stored', { body: { policy: raw } })).statusCode, 204)
  // What the earlier parser stored for this text: max_wrapping_ttl ignored.
  await services.store.repos.policies.upsert({ name: 'stored', raw, rules: JSON.stringify([{ path: 'secret/data/w', capabilities: ['read'] }]) })
  const token = (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['stored'] } })).json().auth.client_token as string
  t.same((await vault(app, 'GET', '/v1/secret/data/w', { token })).json(), DENIED)
})
