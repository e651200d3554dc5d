// Repository contract, association rules, origins and exclusions: the same cases on SQLite and
// PostgreSQL (issue 18; the rules are issue 22's).
import t from 'tap'
import type { RuleRow } from '../../../db/rules-repo.js'
import { contract, contractEngines, seed } from './contract-engines.js'

const engines = await contractEngines(t)

function rule (id: string, name: string, over: Partial<RuleRow> = {}): RuleRow {
  return {
    id, destination_id: 'd1', name, accessor: 'kv_1', path_prefix: 'apps/', recursive: 1, include_globs: '["**"]',
    exclude_globs: '[]', custom_metadata: '{}', owner_policies: '["default"]', created_at: 1_700_000_000_000, ...over
  }
}

contract(t, engines, 'rules: insert, find, byte-ordered names, per mount, delete cascades', async (t, { repos }) => {
  await seed(repos, ['a1', 'a2'])
  await repos.rules.insert(rule('r1', 'web'))
  await repos.rules.insert(rule('r2', 'Api', { created_at: 1_700_000_000_001 }))
  await repos.rules.insert(rule('r3', 'äpp', { created_at: 1_700_000_000_002 }))
  t.strictSame(await repos.rules.find('d1', 'web'), rule('r1', 'web'))
  t.equal(await repos.rules.find('d1', 'none'), undefined)
  t.strictSame(await repos.rules.names('d1'), ['Api', 'web', 'äpp'])
  t.strictSame((await repos.rules.ofMount('kv_1')).map((r) => r.id), ['r1', 'r2', 'r3'], 'by creation time')
  await t.rejects(repos.rules.insert(rule('r4', 'web')), 'one name per destination')
  await repos.rules.addOrigin('a1', 'r1')
  await repos.rules.addExclusion('r1', 'apps/x', 5)
  await repos.rules.delete('r1')
  t.strictSame(await repos.rules.originsOf('a1'), [], 'origins went with the rule')
  t.strictSame(await repos.rules.exclusions('r1'), [], 'exclusions too')
  await repos.mounts.deleteByAccessor('kv_1')
  t.strictSame(await repos.rules.names('d1'), [], 'rules went with their mount')
})

contract(t, engines, 'origins: idempotent add, lookups both ways, count, remove, clear, cascade with the association', async (t, { repos }) => {
  await seed(repos, ['a1', 'a2', 'a3'])
  await repos.rules.insert(rule('r1', 'one'))
  await repos.rules.insert(rule('r2', 'two'))
  await repos.rules.addOrigin('a1', 'r1')
  await repos.rules.addOrigin('a1', 'r1')
  await repos.rules.addOrigin('a1', 'r2')
  await repos.rules.addOrigin('a2', 'r1')
  await repos.rules.addOrigin('a3', 'r1')
  t.strictSame((await repos.rules.originsOf('a1')).sort(), ['r1', 'r2'])
  t.strictSame((await repos.rules.madeBy('r1')).sort(), ['a1', 'a2', 'a3'])
  t.equal(await repos.rules.countMadeBy('r1'), 3)
  await repos.rules.removeOrigin('a2', 'r1')
  await repos.rules.clearOrigins('a1')
  t.strictSame(await repos.rules.madeBy('r1'), ['a3'])
  await repos.associations.delete('a3')
  t.equal(await repos.rules.countMadeBy('r1'), 0, 'the origin went with its association')
})

contract(t, engines, 'exclusions: idempotent add, check, byte-ordered list, cleared per destination and mount', async (t, { repos }) => {
  await seed(repos)
  await repos.rules.insert(rule('r1', 'one'))
  await repos.rules.insert(rule('r2', 'two'))
  for (const p of ['apps/b', 'apps/B', 'apps/a', 'apps/b']) await repos.rules.addExclusion('r1', p, 7)
  await repos.rules.addExclusion('r2', 'apps/b', 7)
  t.strictSame(await repos.rules.exclusions('r1'), ['apps/B', 'apps/a', 'apps/b'])
  t.equal(await repos.rules.isExcluded('r1', 'apps/a'), true)
  t.equal(await repos.rules.isExcluded('r1', 'apps/z'), false)
  await repos.rules.clearExclusions('d1', 'kv_1', 'apps/b')
  t.strictSame(await repos.rules.exclusions('r1'), ['apps/B', 'apps/a'])
  t.strictSame(await repos.rules.exclusions('r2'), [], 'every rule of the destination over that mount')
  await repos.rules.clearExclusions('d9', 'kv_1', 'apps/a')
  t.equal(await repos.rules.isExcluded('r1', 'apps/a'), true, 'another destination lifts nothing')
})
