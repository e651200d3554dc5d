// ACL decisions checked against Vault's source, through the HTTP API: the list lookup of acl.go
// `AllowOperation` for a path ending in `/` (the rules of both forms, VAULT-3825, with the
// SECVULN-45175 fix: the most specific deny wins, `resolveACLPermsForListOp`), the list lookup
// of `ACL.Capabilities`, and templated policy paths as Vault builds them for a token without an
// identity entity (policy.go `parsePaths`, sdk/helper/identitytpl).
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { startTestServer, tokenWithPolicy, vault } from '../../helper.js'

const DENIED = { errors: ['1 error occurred:\n\t* permission denied\n\n'] }

/** `sys/capabilities-self` of `token` on one path. */
async function capabilities (app: FastifyInstance, token: string, path: string): Promise<string[]> {
  return (await vault(app, 'POST', '/v1/sys/capabilities-self', { token, body: { paths: [path] } })).json().data.capabilities as string[]
}

t.test('LIST of a path ending in /: the rules of both forms, the most specific deny wins (Vault\'s SECVULN-45175 fix)', async (t) => {
  const { app } = await startTestServer(t)
  await vault(app, 'POST', '/v1/secret/data/foo/a', { body: { data: { k: 'v' } } })
  await vault(app, 'POST', '/v1/secret/data/private/db', { body: { data: { k: 'v' } } })
  await vault(app, 'POST', '/v1/secret/data/private/sub/k', { body: { data: { k: 'v' } } })

  // A broad list rule reached through the path without its slash no longer hides a deny keyed with it.
  const lister = await tokenWithPolicy(app, 'lister', [
    'path "secret/metadata/*" {\n capabilities = ["list"]\n}',
    'path "secret/metadata/private/*" {\n capabilities = ["deny"]\n}'
  ].join('\n'))
  t.same((await vault(app, 'GET', '/v1/secret/metadata/private/?list=true', { token: lister })).json(), DENIED, 'the names under private/ stay hidden')
  t.same((await vault(app, 'GET', '/v1/secret/metadata/private?list=true', { token: lister })).json(), DENIED, 'the same path without the slash')
  t.same(await capabilities(app, lister, 'secret/metadata/private/'), ['deny'])
  t.same((await vault(app, 'GET', '/v1/secret/metadata/?list=true', { token: lister })).json().data.keys, ['foo/', 'private/'], 'the broad rule still lists above')

  // secret/metadata/fo* (list) against secret/metadata/foo/* (deny): the deny is the more specific.
  const wide = await tokenWithPolicy(app, 'fo-list', [
    'path "secret/metadata/fo*" {\n capabilities = ["list"]\n}',
    'path "secret/metadata/foo/*" {\n capabilities = ["deny"]\n}'
  ].join('\n'))
  t.same((await vault(app, 'GET', '/v1/secret/metadata/foo/?list=true', { token: wide })).json(), DENIED)
  t.same((await vault(app, 'GET', '/v1/secret/metadata/foo/a', { token: wide })).json(), DENIED, 'a read under foo/ meets the deny too')

  // A more specific rule granting list wins over a broader read-only one (it did not before the fix).
  const narrow = await tokenWithPolicy(app, 'foo-list', [
    'path "secret/metadata/foo/*" {\n capabilities = ["list"]\n}',
    'path "secret/metadata/*" {\n capabilities = ["read"]\n}'
  ].join('\n'))
  const listed = await vault(app, 'GET', '/v1/secret/metadata/foo/?list=true', { token: narrow })
  t.equal(listed.statusCode, 200)
  t.same(listed.json().data.keys, ['a'])
  t.same(await capabilities(app, narrow, 'secret/metadata/foo/'), ['list'])

  // A segment rule (secret/metadata/+) still decides a LIST with the slash (VAULT-3825), unless a deny is more specific.
  const plus = await tokenWithPolicy(app, 'plus', [
    'path "secret/metadata/+" {\n capabilities = ["list"]\n}',
    'path "secret/metadata/private/sub/*" {\n capabilities = ["deny"]\n}'
  ].join('\n'))
  t.same((await vault(app, 'GET', '/v1/secret/metadata/private/?list=true', { token: plus })).json().data.keys, ['db', 'sub/'])
  t.same((await vault(app, 'GET', '/v1/secret/metadata/private/sub/?list=true', { token: plus })).json(), DENIED)
})

t.test('capabilities-self looks paths up as a list does (acl.go Capabilities)', async (t) => {
  const { app } = await startTestServer(t)
  const token = await tokenWithPolicy(app, 'bar', 'path "secret/metadata/bar" {\n capabilities = ["list", "read"]\n}\n')
  t.same(await capabilities(app, token, 'secret/metadata/bar/'), ['list', 'read'], 'the exact rule without the trailing slash')
  t.same(await capabilities(app, token, 'secret/metadata/bar'), ['list', 'read'])
  t.same(await capabilities(app, token, 'secret/metadata/bar/x'), ['deny'])
})

t.test('templated paths: identity directives match nothing for vault-sync tokens (no entity)', async (t) => {
  const { app } = await startTestServer(t)
  const literal = encodeURIComponent('{{identity.entity.id}}')
  t.equal((await vault(app, 'POST', `/v1/secret/data/${literal}`, { body: { data: { k: 'v' } } })).statusCode, 200)
  const token = await tokenWithPolicy(app, 'templated', [
    'path "secret/data/{{identity.entity.id}}" {\n capabilities = ["read"]\n}',
    'path "secret/data/{{identity.groups.names.admins.id}}/*" {\n capabilities = ["read"]\n}',
    'path "secret/data/{{bogus.thing}}" {\n capabilities = ["read"]\n}',
    'path "secret/data/plain" {\n capabilities = ["read"]\n}'
  ].join('\n'))
  t.same((await vault(app, 'GET', `/v1/secret/data/${literal}`, { token })).json(), DENIED, 'the directive is not a literal path')
  t.same(await capabilities(app, token, 'secret/data/{{identity.entity.id}}'), ['deny'])
  t.same(await capabilities(app, token, 'secret/data/{{bogus.thing}}'), ['deny'])
  t.same(await capabilities(app, token, 'secret/data/plain'), ['read'], 'the policy\'s other paths stand')
  // The default policy's identity/entity/{id,name}/{{…}} rules grant nothing either.
  const plain = await tokenWithPolicy(app, 'nothing', 'path "nowhere" {\n capabilities = ["read"]\n}\n')
  t.same(await capabilities(app, plain, 'identity/entity/id/{{identity.entity.id}}'), ['deny'])
  t.same((await vault(app, 'GET', `/v1/identity/entity/name/${encodeURIComponent('{{identity.entity.name}}')}`, { token: plain })).json(), DENIED)
})

t.test('templated paths: time.now is populated at each request, as Vault does without an entity', async (t) => {
  const { app } = await startTestServer(t)
  const token = await tokenWithPolicy(app, 'timed', 'path "secret/data/t-{{time.now}}" {\n capabilities = ["read"]\n}\npath "secret/data/day/{{ time.now.minus.24h }}" {\n capabilities = ["list"]\n}\n')
  let answer: string[] = []
  for (let attempt = 0; attempt < 5; attempt++) {
    const second = Math.floor(Date.now() / 1000)
    const caps = await capabilities(app, token, `secret/data/t-${second}`)
    const yesterday = await capabilities(app, token, `secret/data/day/${second - 86400}`)
    if (Math.floor(Date.now() / 1000) !== second) continue // the second turned: ask again
    answer = [...caps, ...yesterday]
    break
  }
  t.same(answer, ['read', 'list'])
  t.same(await capabilities(app, token, 'secret/data/t-{{time.now}}'), ['deny'])
})

t.test('templating is validated on write as Vault\'s ValidityCheckOnly does: braces only', async (t) => {
  const { app } = await startTestServer(t)
  for (const path of ['secret/{{identity.entity.id', 'secret/}}x', 'secret/{{a}}}}', 'secret/{{{{a}}']) {
    const res = await vault(app, 'PUT', '/v1/sys/policies/acl/bad-template', { body: { policy: `path "${path}" {\n capabilities = ["read"]\n}\n` } })
    t.same([res.statusCode, res.body], [400, JSON.stringify({ errors: ['failed to parse policy: failed to validate policy templating: unbalanced templating characters'] })], path)
  }
  const unknown = await vault(app, 'PUT', '/v1/sys/policies/acl/unknown-directive', { body: { policy: 'path "secret/{{bogus.thing}}" {\n capabilities = ["read"]\n}\n' } })
  t.equal(unknown.statusCode, 204, 'an unknown directive is accepted (and matches nothing)')
})
