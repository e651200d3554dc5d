// Real clients see rule-made associations as ordinary ones (issue 22): Debian's hvac over a
// socket (generic write/read/list and the real LIST verb), and terraform-provider-vault's call
// sequence (a `vault_generic_endpoint` for the rule, `vault_secrets_sync_association` import,
// refresh and destroy) replayed with the Go client's semantics.
import t from 'tap'
import { ROOT_TOKEN, requirePythonModule, runPython, startTestServer } from '../helper.js'
import { goLogical, terraformAssociationRead } from '../go-vault-client.js'
import { AZURE_BODY, CLIENT_SECRET } from '../sync-fixtures.js'

const SCRIPT = `
import json, os, hvac
c = hvac.Client(url=os.environ['VAULT_ADDR'], token=os.environ['VAULT_TOKEN'])
out = {}
for p in ['apps/a', 'apps/b', 'manual']:
    c.secrets.kv.v2.create_or_update_secret(path=p, secret={'v': p}, mount_point='secret')
c.write('sys/sync/destinations/azure-kv/hv', key_vault_uri='https://hv.vault.azure.net', tenant_id='t', client_id='c', client_secret=os.environ['CS'])
c.write('sys/sync/destinations/azure-kv/hv/associations/set', mount='secret', secret_name='manual')
out['rule'] = c.write('sys/sync-ext/destinations/azure-kv/hv/rules/apps', mount='secret', path_prefix='apps/')
out['rule_list'] = c.list('sys/sync-ext/destinations/azure-kv/hv/rules')
out['rule_verb'] = c.adapter.list('/v1/sys/sync-ext/destinations/azure-kv/hv/rules')
out['assocs'] = c.read('sys/sync/destinations/azure-kv/hv/associations')
out['list_assoc'] = c.list('sys/sync/associations')
out['of_rule_made'] = c.read('sys/sync/associations/secret/apps/a')
out['of_manual'] = c.read('sys/sync/associations/secret/manual')
out['remove'] = c.write('sys/sync/destinations/azure-kv/hv/associations/remove', mount='secret', secret_name='apps/b')
out['rule_read'] = c.read('sys/sync-ext/destinations/azure-kv/hv/rules/apps')
out['rule_delete'] = c.delete('sys/sync-ext/destinations/azure-kv/hv/rules/apps')
out['after'] = c.read('sys/sync/destinations/azure-kv/hv/associations')
print(json.dumps(out))
`

t.test('hvac sees rule-made associations exactly like set ones', async (t) => {
  if (!await requirePythonModule(t, 'hvac', 'python3-hvac')) return
  const server = await startTestServer(t)
  const out = JSON.parse(await runPython(SCRIPT, { VAULT_ADDR: server.address, VAULT_TOKEN: ROOT_TOKEN, CS: CLIENT_SECRET }))
  t.match(out.rule.data, { dry_run: false, total: 2, errors: 0 })
  t.same(out.rule_list.data.keys, ['apps'])
  t.same(out.rule_verb.data.keys, ['apps'], 'the LIST verb answers the same')
  const entries = out.assocs.data.associated_secrets as Record<string, Record<string, unknown>>
  const byName = Object.fromEntries(Object.values(entries).map((e) => [e.secret_name, e]))
  t.same(Object.keys(byName).sort(), ['apps/a', 'apps/b', 'manual'])
  t.same(Object.keys(byName['apps/a']).sort(), Object.keys(byName.manual).sort(), 'same fields as an explicitly set association')
  t.match(byName['apps/a'], { mount: 'secret', sync_status: 'PENDING' })
  t.same(out.list_assoc.data.keys, ['secret/apps/a', 'secret/apps/b', 'secret/manual'])
  t.same(Object.keys(out.of_rule_made.data.associated_destinations['azure-kv/hv']).sort(), Object.keys(out.of_manual.data.associated_destinations['azure-kv/hv']).sort())
  t.equal(Object.values(out.remove.data.associated_secrets as Record<string, Record<string, unknown>>).find((e) => e.secret_name === 'apps/b')?.sync_status, 'UNSYNCING')
  t.same(out.rule_read.data.exclusions, ['apps/b'], 'removing a rule-made association through hvac excludes it')
  t.equal(out.rule_delete, null, 'the 204 of a delete')
  const after = Object.fromEntries(Object.values(out.after.data.associated_secrets as Record<string, Record<string, unknown>>).map((e) => [e.secret_name, e.sync_status]))
  t.same(after, { 'apps/a': 'UNSYNCING', 'apps/b': 'UNSYNCING', manual: 'PENDING' })
  t.notMatch(JSON.stringify(out), CLIENT_SECRET)
})

t.test('Terraform: a rule as vault_generic_endpoint; its associations import, refresh and destroy as vault_secrets_sync_association', async (t) => {
  const server = await startTestServer(t)
  const vault = goLogical(server.address, ROOT_TOKEN)
  await vault.write('sys/mounts/team/kv', { type: 'kv-v2' })
  for (const p of ['gai/apps/aihub', 'gai/apps/other', 'gai/explicit']) await vault.write(`team/kv/data/${p}`, { data: { dev: 'a' } })
  await vault.write('sys/sync/destinations/azure-kv/d-path', { ...AZURE_BODY })
  await vault.write('sys/sync/destinations/azure-kv/d-path/associations/set', { secret_name: 'gai/explicit', mount: 'team/kv' })
  // vault_generic_endpoint: write, then read back (disable_read = false).
  const rulePath = 'sys/sync-ext/destinations/azure-kv/d-path/rules/gai-apps'
  await vault.write(rulePath, { mount: 'team/kv', path_prefix: 'gai/apps/' })
  t.match((await vault.read(rulePath)).data, { name: 'gai-apps', mount: 'team/kv/', path_prefix: 'gai/apps/', associations: 2 })

  const explicit = await terraformAssociationRead(vault, 'azure-kv/dest/d-path/mount/team/kv/secret/gai/explicit')
  const id = 'azure-kv/dest/d-path/mount/team/kv/secret/gai/apps/aihub'
  const imported = await terraformAssociationRead(vault, id)
  const accessor = (await vault.read('sys/mounts/team/kv')).data.accessor as string
  t.same(imported.sync_status, { [`${accessor}/gai/apps/aihub`]: 'PENDING' }, 'terraform import finds the rule-made association')
  t.same(Object.keys(imported).sort(), Object.keys(explicit).sort(), 'with the state an explicit one has')
  t.same(await terraformAssociationRead(vault, id), imported, 'a refresh reads identical state')
  // destroy: associations/remove, then the next refresh finds it UNSYNCING (still listed, as Vault).
  await vault.write('sys/sync/destinations/azure-kv/d-path/associations/remove', { secret_name: 'gai/apps/aihub', mount: 'team/kv' })
  t.same((await terraformAssociationRead(vault, id)).sync_status, { [`${accessor}/gai/apps/aihub`]: 'UNSYNCING' })
  t.same((await vault.read(rulePath)).data.exclusions, ['gai/apps/aihub'], 'the rule will not bring it back')
  await vault.write('team/kv/data/gai/apps/aihub', { data: { dev: 'b' } })
  t.same((await terraformAssociationRead(vault, id)).sync_status, { [`${accessor}/gai/apps/aihub`]: 'UNSYNCING' }, 'not even after a write')
  // A later `terraform apply` of the association resource makes it the user's own again.
  await vault.write('sys/sync/destinations/azure-kv/d-path/associations/set', { secret_name: 'gai/apps/aihub', mount: 'team/kv' })
  t.same((await vault.read(rulePath)).data.exclusions, [])
  await vault.delete(rulePath)
  t.equal(await vault.read(rulePath), null, 'vault_generic_endpoint destroy')
  const statuses = Object.fromEntries(await Promise.all(['gai/apps/aihub', 'gai/apps/other', 'gai/explicit'].map(async (p) =>
    [p, Object.values((await terraformAssociationRead(vault, `azure-kv/dest/d-path/mount/team/kv/secret/${p}`)).sync_status as object)[0]])))
  t.same(statuses, { 'gai/apps/aihub': 'PENDING', 'gai/apps/other': 'UNSYNCING', 'gai/explicit': 'PENDING' }, 'the rule delete unsyncs only what it made')
})
