// The ACL engine (spec/vault-core-kv-api.md §4.4-4.5, decisions D-7, D-27): parsing HCL and
// JSON, validation texts, Vault's precedence, capabilities, the preflight rule, parameters.
import t from 'tap'
import { Acl } from '../../../src/acl/acl.js'
import { DEFAULT_POLICY_RULES, DEFAULT_POLICY_TEXT } from '../../../src/acl/default-policy.js'
import { parametersAllowed } from '../../../src/acl/parameters.js'
import { parsePolicyText, policyParameter } from '../../../src/acl/policy-text.js'
import { VaultError } from '../../../src/vault/errors.js'

async function acl (...texts: string[]): Promise<Acl> {
  const rules = []
  for (const text of texts) rules.push(...await parsePolicyText(text))
  return new Acl(rules)
}

async function parseError (text: string): Promise<string> {
  try {
    await parsePolicyText(text)
  } catch (err) {
    if (err instanceof VaultError) return `${err.status} ${err.errors[0]}`
    throw err
  }
  return 'parsed'
}

t.test('HCL and JSON give the same rules; legacy policy and deny normalise', async (t) => {
  const hcl = await parsePolicyText(`
    path "secret/data/app/*" { capabilities = ["read", "create", "read"] }
    path "/sys/mounts" { policy = "write" }
    path "secret/data/app/locked" { capabilities = ["read", "deny"] }
  `)
  const json = await parsePolicyText(JSON.stringify({
    path: {
      'secret/data/app/*': { capabilities: ['read', 'create', 'read'] },
      '/sys/mounts': { policy: 'write' },
      'secret/data/app/locked': { capabilities: ['read', 'deny'] }
    }
  }))
  // The HCL library returns blocks by pattern (a Go map); order carries no meaning in an ACL.
  const byPath = (rules: Array<{ path: string }>): unknown[] => [...rules].sort((a, b) => a.path.localeCompare(b.path))
  t.same(byPath(hcl), [
    { path: 'secret/data/app/*', capabilities: ['create', 'read'] },
    { path: 'secret/data/app/locked', capabilities: ['deny'] },
    { path: 'sys/mounts', capabilities: ['create', 'delete', 'list', 'read', 'update'] }
  ])
  t.same(byPath(json), byPath(hcl))
  t.same(await parsePolicyText('# only a comment\n'), [], 'a policy without paths is valid')
})

t.test('invalid policies: 400 failed to parse policy naming the problem', async (t) => {
  t.equal(await parseError('path "a" { capabilities = ["reed"] }'), '400 failed to parse policy: path "a": invalid capability "reed"')
  t.equal(await parseError('path "a" { capabilites = ["read"] }'), '400 failed to parse policy: path "a": invalid key "capabilites"')
  t.equal(await parseError('paths "a" { capabilities = ["read"] }'), '400 failed to parse policy: invalid key "paths"')
  t.equal(await parseError('path "a/+*" { capabilities = ["read"] }'), '400 failed to parse policy: path "a/+*": invalid use of wildcards (\'+*\' is forbidden)')
  t.equal(await parseError('path "a" { policy = "all" }'), '400 failed to parse policy: path "a": invalid policy "all"')
  t.match(await parseError('path "a" { capabilities = [ }'), /^400 failed to parse policy: .*policy\.hcl:1,29/)
  t.match(await parseError('{"path": '), /^400 failed to parse policy: .*JSON/)
  t.match(await parseError('path "a" { mfa_methods = ["x"] }'), /^400 failed to parse policy: path "a": "mfa_methods" is a Vault Enterprise feature/)
})

t.test('policy parameter: base64 is decoded, empty is refused', async (t) => {
  const text = 'path "a" { capabilities = ["read"] }'
  t.equal(policyParameter(Buffer.from(text).toString('base64')), text)
  t.equal(policyParameter(text), text)
  t.throws(() => policyParameter(''), { errors: ["'policy' parameter not supplied or empty"] })
  t.throws(() => policyParameter(undefined), { errors: ["'policy' parameter not supplied or empty"] })
})

t.test('precedence: exact beats globs, the most specific pattern decides, deny only where it matches best', async (t) => {
  const a = await acl(`
    path "secret/*" { capabilities = ["read"] }
    path "secret/data/*" { capabilities = ["deny"] }
    path "secret/data/app/*" { capabilities = ["read", "list"] }
    path "secret/data/app/exact" { capabilities = ["update"] }
    path "secret/data/+/team" { capabilities = ["create"] }
    path "secret/data/+/+" { capabilities = ["delete"] }
    path "secret/metadata/folder" { capabilities = ["list"] }
  `)
  t.ok(a.allows('read', 'secret/other'), 'secret/* applies')
  t.notOk(a.allows('read', 'secret/data/x'), 'the more specific deny glob wins over secret/*')
  t.ok(a.allows('read', 'secret/data/app/x/y'), 'a more specific allow beats a less specific deny (D-7)')
  t.notOk(a.allows('read', 'secret/data/app/exact'), 'the exact rule decides alone')
  t.ok(a.allows('update', 'secret/data/app/exact'))
  // Both + rules and the app/* glob match secret/data/app/team: the first wildcard comes latest
  // in secret/data/app/* (position 16) vs + at 12, so the glob wins.
  t.same(a.capabilities('secret/data/app/team'), ['list', 'read'])
  // For other/team: + rules at the same position; non-glob ties; fewer + wins.
  t.same(a.capabilities('secret/data/other/team'), ['create'])
  t.same(a.capabilities('secret/data/other/thing'), ['delete'])
  t.ok(a.allows('list', 'secret/metadata/folder/'), 'a list on folder/ uses the exact rule without the slash')
  t.same(a.capabilities('secret/metadata/folder/'), ['list'], 'capabilities look up as a list does (acl.go Capabilities): the exact rule without the slash')
  t.same(a.capabilities('nothing/here'), ['deny'])
})

t.test('union across policies per pattern; deny on the same pattern wins', async (t) => {
  const a = await acl('path "kv/data/x" { capabilities = ["read"] }', 'path "kv/data/x" { capabilities = ["update"] }')
  t.same(a.capabilities('kv/data/x'), ['read', 'update'])
  const d = await acl('path "kv/data/x" { capabilities = ["read"] }', 'path "kv/data/x" { capabilities = ["deny"] }', 'path "kv/*" { capabilities = ["read"] }')
  t.same(d.capabilities('kv/data/x'), ['deny'])
  t.notOk(d.allows('read', 'kv/data/x'))
  t.ok(d.allows('read', 'kv/data/y'))
})

t.test('sudo paths need sudo; root bypasses everything', async (t) => {
  const a = await acl('path "sys/audit/*" { capabilities = ["update"] }', 'path "auth/token/create" { capabilities = ["update", "sudo"] }')
  t.notOk(a.allows('update', 'sys/audit/file', true))
  t.ok(a.allows('update', 'sys/audit/file', false))
  t.ok(a.allows('update', 'auth/token/create', true))
  const root = new Acl([], true)
  t.ok(root.allows('delete', 'anything/at/all', true))
  t.same(root.capabilities('x'), ['root'])
})

t.test('preflight: access to a mount means some grant on or under it', async (t) => {
  const a = await acl('path "secret/data/app/db" { capabilities = ["read"] }', 'path "other/*" { capabilities = ["deny"] }')
  t.ok(a.hasMountAccess('secret/'))
  t.notOk(a.hasMountAccess('other/'), 'deny is no access')
  t.ok((await acl('path "+/data/team" { capabilities = ["read"] }')).hasMountAccess('kv2/'), 'a + rule can match under any mount')
  const b = await acl('path "secret/data/app/db" { capabilities = ["read"] }')
  t.notOk(b.hasMountAccess('kv2/'))
  t.ok(new Acl([], true).hasMountAccess('x/'))
})

t.test('parameter constraints as Vault checks them', async (t) => {
  const allowed = (await acl('path "p" {\n capabilities = ["update"]\n allowed_parameters = { "data" = [], "mode" = ["a", "b*"] }\n}')).permissionsFor('p', 'update')!
  t.ok(parametersAllowed(allowed, 'update', { data: { x: 1 } }))
  t.ok(parametersAllowed(allowed, 'update', { mode: 'bee' }), 'glob value')
  t.notOk(parametersAllowed(allowed, 'update', { mode: 'c' }))
  t.notOk(parametersAllowed(allowed, 'update', { other: 1 }), 'not in allowed_parameters')
  t.ok(parametersAllowed(allowed, 'delete', { other: 1 }), 'deletes are not constrained')
  const denied = (await acl('path "p" {\n capabilities = ["update"]\n denied_parameters = { "options" = [] }\n required_parameters = ["data"]\n}')).permissionsFor('p', 'update')!
  t.ok(parametersAllowed(denied, 'update', { data: {} }))
  t.notOk(parametersAllowed(denied, 'update', { data: {}, options: { cas: 0 } }))
  t.notOk(parametersAllowed(denied, 'update', { x: 1 }), 'required parameter missing')
  const wrap = (await acl('path "p" {\n capabilities = ["read"]\n min_wrapping_ttl = "1m"\n}')).permissionsFor('p', 'read')!
  t.equal(wrap.requiresWrapping, true)
})

t.test('the default policy text parses and grants what D-7 lists', async (t) => {
  const byPath = (rules: Array<{ path: string }>): unknown[] => [...rules].sort((a, b) => a.path.localeCompare(b.path))
  t.same(byPath(await parsePolicyText(DEFAULT_POLICY_TEXT)), byPath(DEFAULT_POLICY_RULES), 'the stored rules are the parsed text')
  const a = await acl(DEFAULT_POLICY_TEXT)
  t.ok(a.allows('read', 'auth/token/lookup-self'))
  t.ok(a.allows('update', 'auth/token/renew-self'))
  t.ok(a.allows('update', 'auth/token/revoke-self'))
  t.ok(a.allows('update', 'sys/capabilities-self'))
  t.notOk(a.allows('update', 'auth/token/create'))
  t.notOk(a.allows('read', 'secret/data/x'))
  t.notOk(a.allows('list', 'sys/sync/destinations/'))
})
