// Debian's hvac (0.11.2) drives sys/sync with its generic calls (decisions D-23):
// client.write/read/list/delete, and client.adapter.list for the real LIST verb.
import t from 'tap'
import { ROOT_TOKEN, requirePythonModule, runPython, startTestServer } from '../helper.js'
import { CLIENT_SECRET } from '../sync-fixtures.js'

const SCRIPT = `
import json, os, hvac
c = hvac.Client(url=os.environ['VAULT_ADDR'], token=os.environ['VAULT_TOKEN'])
out = {}
c.sys.enable_secrets_engine('kv', path='hv', options={'version': '2'})
c.secrets.kv.v2.create_or_update_secret(path='app/db', secret={'password': 'p'}, mount_point='hv')
out['write_dest'] = c.write('sys/sync/destinations/azure-kv/hv-dest', key_vault_uri='https://hv.vault.azure.net',
    tenant_id='t', client_id='c', client_secret=os.environ['CS'], custom_tags={'team': 'a'}, granularity='secret-path')
out['read_dest'] = c.read('sys/sync/destinations/azure-kv/hv-dest')
out['read_missing'] = c.read('sys/sync/destinations/azure-kv/nope')
out['list_all'] = c.list('sys/sync/destinations')
out['list_type'] = c.list('sys/sync/destinations/azure-kv')
out['verb_all'] = c.adapter.list('/v1/sys/sync/destinations')
out['verb_type'] = c.adapter.list('/v1/sys/sync/destinations/azure-kv')
out['set'] = c.write('sys/sync/destinations/azure-kv/hv-dest/associations/set', mount='hv', secret_name='app/db')
out['assocs'] = c.read('sys/sync/destinations/azure-kv/hv-dest/associations')
out['list_assoc'] = c.list('sys/sync/associations')
out['verb_assoc'] = c.adapter.list('/v1/sys/sync/associations')
out['of_secret'] = c.read('sys/sync/associations/hv/app/db')
try:
    c.write('sys/sync/destinations/azure-kv/hv-dest/associations/set', mount='hv', secret_name='app/')
    out['folder_error'] = None
except hvac.exceptions.InvalidRequest as e:
    out['folder_error'] = e.errors
try:
    c.delete('sys/sync/destinations/azure-kv/hv-dest')
    out['delete_refused'] = None
except hvac.exceptions.InvalidRequest as e:
    out['delete_refused'] = e.errors
out['remove'] = c.write('sys/sync/destinations/azure-kv/hv-dest/associations/remove', mount='hv', secret_name='app/db')
out['delete_result'] = c.delete('sys/sync/destinations/azure-kv/hv-dest')
out['read_deleted'] = c.read('sys/sync/destinations/azure-kv/hv-dest')
out['list_after'] = c.list('sys/sync/destinations')
out['config'] = c.read('sys/sync/config')
print(json.dumps(out))
`

t.test('hvac generic client on sys/sync paths', async (t) => {
  if (!await requirePythonModule(t, 'hvac', 'python3-hvac')) return
  const server = await startTestServer(t)
  const out = JSON.parse(await runPython(SCRIPT, { VAULT_ADDR: server.address, VAULT_TOKEN: ROOT_TOKEN, CS: CLIENT_SECRET }))
  t.same(out.write_dest.data.connection_details.client_secret, '*****')
  t.same(out.read_dest.data, out.write_dest.data)
  t.same(out.read_dest.data.options.custom_tags, { team: 'a' })
  t.equal(out.read_missing, null, 'hvac reads a 404 as None')
  const all = { keys: ['azure-kv/'], key_info: { 'azure-kv/': ['hv-dest'] }, total_destinations: 1 }
  t.same(out.list_all.data, all)
  t.same(out.verb_all.data, all, 'the LIST verb answers the same')
  t.same(out.list_type.data, { keys: ['hv-dest'], total_destinations: 1 })
  t.same(out.verb_type.data, out.list_type.data)
  const accessor = Object.values(out.set.data.associated_secrets as Record<string, { accessor: string }>)[0].accessor
  t.match(out.set.data.associated_secrets[`${accessor}/app/db`], { mount: 'hv', secret_name: 'app/db', sync_status: 'PENDING' })
  t.same(out.assocs.data, out.set.data)
  const assocList = { keys: ['hv/app/db'], key_info: { 'hv/app/db': [{ mount: 'hv/', secret_path: 'app/db' }] }, total_associations: 1, total_secrets: 1 }
  t.same(out.list_assoc.data, assocList)
  t.same(out.verb_assoc.data, assocList)
  t.match(out.of_secret.data.associated_destinations['azure-kv/hv-dest'], { type: 'azure-kv', name: 'hv-dest', sync_status: 'PENDING' })
  t.same(out.folder_error, ['Secret not found. Please provide full path to existing secret'], 'hvac sees Vault\'s errors list')
  t.same(out.delete_refused, ['destination has 1 associations; set purge=true to unsync and delete them'])
  t.equal(out.remove.data.associated_secrets[`${accessor}/app/db`].sync_status, 'UNSYNCING')
  t.equal(out.delete_result, null, 'the 204 of a delete')
  t.equal(out.read_deleted, null)
  t.equal(out.list_after, null, 'an empty list is None for hvac')
  t.same(out.config.data, { disabled: false, queue_capacity: 1000000 })
  t.notMatch(JSON.stringify(out), CLIENT_SECRET)
})
