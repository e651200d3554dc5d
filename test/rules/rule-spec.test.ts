// What a rule covers (issue 22): prefix, recursion, include/exclude globs (picomatch, dotfiles
// included) and the custom_metadata filter, as decoded from a request body.
import t from 'tap'
import { compileRule, decodeRuleBody } from '../../src/rules/rule-spec.js'

const matcher = (body: Record<string, unknown>) => compileRule(decodeRuleBody({ mount: 'secret', ...body }).spec)

t.test('prefix and recursion', async (t) => {
  t.equal(decodeRuleBody({ mount: 'secret', path_prefix: '/apps' }).spec.pathPrefix, 'apps/', 'leading / dropped, trailing / added')
  const flat = matcher({ path_prefix: 'apps' })
  t.same(['apps/a', 'apps/b/c', 'apps', 'appsx/a', 'other/a', 'apps/'].filter((p) => flat.pathMatches(p)), ['apps/a'])
  const deep = matcher({ path_prefix: 'apps/', recursive: 'true' })
  t.same(['apps/a', 'apps/b/c', 'appsx/a'].filter((p) => deep.pathMatches(p)), ['apps/a', 'apps/b/c'])
  const all = matcher({ recursive: true })
  t.ok(all.pathMatches('x/y/z') && all.pathMatches('top'), 'an empty prefix covers the whole mount')
})

t.test('globs are relative to the prefix; exclude wins; dotfiles match', async (t) => {
  const m = matcher({ path_prefix: 'apps/', recursive: true, include: ['**/db*', '.env'], exclude: 'legacy/**' })
  t.same(['apps/db', 'apps/x/db-main', 'apps/.env', 'apps/legacy/db', 'apps/api'].filter((p) => m.pathMatches(p)), ['apps/db', 'apps/x/db-main', 'apps/.env'])
})

t.test('custom_metadata: every pair must be equal; no filter reads no metadata', async (t) => {
  const m = matcher({ custom_metadata: { sync: 'azure', team: 'a' } })
  t.notOk(m.ignoresMetadata)
  t.ok(m.metadataMatches({ sync: 'azure', team: 'a', other: 'x' }))
  t.notOk(m.metadataMatches({ sync: 'azure' }))
  t.notOk(m.metadataMatches({ sync: 'Azure', team: 'a' }), 'values compare exactly')
  t.ok(matcher({}).ignoresMetadata)
  t.ok(matcher({ custom_metadata: ['sync=azure'] }).metadataMatches({ sync: 'azure' }), 'Vault\'s "k=v" list form')
})
