// Repository contract, tokens, token roles, mounts, ACL policies and settings: the same cases on
// SQLite and PostgreSQL (issue 18).
import t from 'tap'
import type { TokenRow } from '../../../db/tokens-repo.js'
import { contract, contractEngines, mountRow } from './contract-engines.js'

const engines = await contractEngines(t)

function token (accessor: string, over: Partial<TokenRow> = {}): TokenRow {
  return {
    accessor, id_hash: `h-${accessor}`, policies: '["default"]', path: 'auth/token/create', display_name: 'token', meta: null,
    num_uses: 0, creation_time: 1_700_000_000, creation_ttl: 3600, explicit_max_ttl: 0, expire_time_ms: 1_700_000_003_600_000,
    renewable: 1, orphan: 0, parent_accessor: null, period: 0, last_renewal_ms: null, role: null, ...over
  }
}

contract(t, engines, 'tokens: insert, lookups, count, renewal, uses, delete cascades to children', async (t, { repos }) => {
  t.equal(await repos.tokens.count(), 0)
  const root = token('root', { orphan: 1, meta: '{"k":"v"}', expire_time_ms: null })
  await repos.tokens.insert(root)
  await repos.tokens.insert(token('child', { parent_accessor: 'root' }))
  await repos.tokens.insert(token('grandchild', { parent_accessor: 'child' }))
  await repos.tokens.insert(token('other'))
  t.strictSame(await repos.tokens.byHash('h-root'), root)
  t.strictSame(await repos.tokens.byAccessor('root'), root)
  t.equal(await repos.tokens.byHash('h-nobody'), undefined)
  t.equal(await repos.tokens.count(), 4)
  await repos.tokens.updateRenewal('child', 1_800_000_000_000, 1_700_000_100_000)
  await repos.tokens.setNumUses('child', 3)
  t.match(await repos.tokens.byAccessor('child'), { expire_time_ms: 1_800_000_000_000, last_renewal_ms: 1_700_000_100_000, num_uses: 3 })
  await repos.tokens.deleteByAccessor('root')
  t.equal(await repos.tokens.count(), 1, 'descendants went with it')
  t.ok(await repos.tokens.byAccessor('other'))
  await t.rejects(repos.tokens.insert(token('other')), 'a duplicate accessor is refused')
})

contract(t, engines, 'a limited-use token counts every use once, also from concurrent units', async (t, store) => {
  await store.repos.tokens.insert(token('limited', { num_uses: 10 }))
  await store.repos.tokens.insert(token('unlimited'))
  const left = await Promise.all(Array.from({ length: 12 }, async () => await store.transaction(async (r) => await r.tokens.useOnce('limited'))))
  t.strictSame(left.filter((n) => n !== undefined).sort((a, b) => (a as number) - (b as number)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  t.equal(left.filter((n) => n === undefined).length, 2, 'uses beyond the last are not counted')
  t.equal(await store.repos.tokens.useOnce('unlimited'), undefined)
  t.equal(await store.repos.tokens.useOnce('nobody'), undefined)
})

contract(t, engines, 'mounts: insert, byte-ordered list, lookups, tune, move, delete cascades to KV config', async (t, { repos }) => {
  await repos.mounts.insert(mountRow())
  await repos.mounts.insert(mountRow({ accessor: 'sys_1', path: 'sys/', type: 'system', options: null, builtin: 1 }))
  await repos.mounts.insert(mountRow({ accessor: 'kv_2', path: 'Zeta/', uuid: 'u-2' }))
  t.strictSame((await repos.mounts.all()).map((m) => m.path), ['Zeta/', 'secret/', 'sys/'])
  t.strictSame(await repos.mounts.byPath('sys/'), mountRow({ accessor: 'sys_1', path: 'sys/', type: 'system', options: null, builtin: 1 }))
  t.equal((await repos.mounts.byAccessor('kv_2'))?.path, 'Zeta/')
  t.equal(await repos.mounts.byPath('nope/'), undefined)
  await repos.mounts.updateTune('kv_1', 'tuned', '{"max_lease_ttl":60}', null)
  t.match(await repos.mounts.byAccessor('kv_1'), { description: 'tuned', config: '{"max_lease_ttl":60}', options: null })
  await repos.kv.upsertConfig({ accessor: 'kv_1', max_versions: 3, cas_required: 0, delete_version_after: 0 })
  await repos.mounts.updatePath('kv_1', 'team/moved/')
  t.equal(await repos.mounts.byPath('secret/'), undefined, 'moved away')
  t.strictSame(await repos.mounts.byPath('team/moved/'), mountRow({ path: 'team/moved/', description: 'tuned', config: '{"max_lease_ttl":60}', options: null }), 'same row, new path')
  t.equal((await repos.kv.config('kv_1'))?.max_versions, 3, 'data keyed by accessor stays')
  await t.rejects(repos.mounts.updatePath('kv_2', 'sys/'), 'a move onto a used path is refused')
  await repos.mounts.deleteByAccessor('kv_1')
  t.equal(await repos.mounts.byPath('team/moved/'), undefined)
  t.equal(await repos.kv.config('kv_1'), undefined, 'KV config went with the mount')
  await t.rejects(repos.mounts.insert(mountRow({ accessor: 'kv_3', path: 'sys/' })), 'a duplicate path is refused')
})

contract(t, engines, 'policies: upsert, get, byte-ordered names, replace, delete', async (t, { repos }) => {
  t.strictSame(await repos.policies.names(), [])
  await repos.policies.upsert({ name: 'ops', raw: 'path "a" {}', rules: '[]' })
  await repos.policies.upsert({ name: 'dev', raw: 'path "b" {}', rules: '[{"path":"b"}]' })
  await repos.policies.upsert({ name: 'Root-like', raw: '', rules: '[]' })
  t.strictSame(await repos.policies.names(), ['Root-like', 'dev', 'ops'])
  t.strictSame(await repos.policies.get('dev'), { name: 'dev', raw: 'path "b" {}', rules: '[{"path":"b"}]' })
  await repos.policies.upsert({ name: 'dev', raw: 'path "c" {}', rules: '[]' })
  t.strictSame(await repos.policies.get('dev'), { name: 'dev', raw: 'path "c" {}', rules: '[]' })
  await repos.policies.delete('dev')
  t.equal(await repos.policies.get('dev'), undefined)
  await repos.policies.delete('dev')
})

contract(t, engines, 'token roles: a put replaces, names in byte order (not the locale\'s), delete; a token keeps its role', async (t, { repos }) => {
  for (const name of ['zeta', 'Beta', 'ä-role', 'alpha']) await repos.tokenRoles.putRole(name, `{"name":"${name}"}`)
  await repos.tokenRoles.putRole('zeta', '{"orphan":true}')
  t.strictSame(await repos.tokenRoles.roleNames(), ['Beta', 'alpha', 'zeta', 'ä-role'])
  t.equal(await repos.tokenRoles.role('zeta'), '{"orphan":true}')
  t.equal(await repos.tokenRoles.role('ZETA'), undefined, 'names are case-sensitive')
  await repos.tokenRoles.deleteRole('zeta')
  await repos.tokenRoles.deleteRole('zeta')
  t.equal(await repos.tokenRoles.role('zeta'), undefined)
  await repos.tokens.insert(token('by-role', { role: 'alpha', path: 'auth/token/create/alpha/rev-1' }))
  t.match(await repos.tokens.byAccessor('by-role'), { role: 'alpha', path: 'auth/token/create/alpha/rev-1' })
})

contract(t, engines, 'meta: bytes in, bytes out; strings stored as UTF-8', async (t, { repos }) => {
  t.equal(await repos.meta.get('seal_check'), undefined)
  await repos.meta.set('seal_check', Buffer.from([0, 1, 254]))
  t.strictSame(await repos.meta.get('seal_check'), Buffer.from([0, 1, 254]))
  await repos.meta.set('flag', 'é1')
  t.strictSame(await repos.meta.get('flag'), Buffer.from('é1', 'utf8'))
  await repos.meta.set('flag', '2')
  t.strictSame(await repos.meta.get('flag'), Buffer.from('2'))
})

contract(t, engines, 'a NUL character in a text value: reads find no row on both engines; PostgreSQL refuses to store it with a 400', async (t, { engine, repos }) => {
  await repos.tokens.insert(token('plain'))
  t.equal(await repos.tokens.byAccessor('pl\u0000ain'), undefined, 'no stored accessor holds it')
  t.equal(await repos.tokens.byHash('h-\u0000'), undefined)
  const write = repos.policies.upsert({ name: 'nul\u0000name', raw: '', rules: '[]' })
  if (engine === 'postgresql') {
    await t.rejects(write, { name: 'NulInTextError', statusCode: 400 }, 'a 400, not PostgreSQL\'s 22021 as a 500')
    t.strictSame(await repos.policies.names(), [], 'nothing stored')
  } else {
    await write
    t.strictSame(await repos.policies.names(), ['nul\u0000name'], 'SQLite stores any text')
  }
})
