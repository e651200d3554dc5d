// Access control through Debian's hvac 0.11.2 over a real socket (issue 9 Done-when 1): a
// CI-reader policy, a sync-operator policy, deny overrides, create vs update by existence, and
// the associations/set read check. Every 403 must carry Vault's message in hvac's `errors`.
import t from 'tap'
import { ROOT_TOKEN, requirePythonModule, runPython, startTestServer } from '../helper.js'
import { AZURE_BODY } from '../sync-fixtures.js'

const DENIED = ['1 error occurred:\n\t* permission denied\n\n']

const SCRIPT = String.raw`
import json, os, hvac
url = os.environ['VAULT_ADDR']
root = hvac.Client(url=url, token=os.environ['VAULT_TOKEN'])
dest = json.loads(os.environ['DEST'])
out = {}

def call(name, fn):
    try:
        r = fn()
        if isinstance(r, dict):
            out[name] = {'status': 200, 'data': r.get('data')}
        elif r is None:
            out[name] = {'status': None}
        else:
            out[name] = {'status': r.status_code}
    except hvac.exceptions.VaultError as e:
        out[name] = {'status': type(e).__name__, 'errors': e.errors}

policies = {
    'ci-reader': 'path "secret/data/ci/app" {\n  capabilities = ["read"]\n}\n',
    'sync-operator': '\n'.join([
        'path "sys/sync/destinations/*" {', '  capabilities = ["create", "read", "update", "patch", "delete", "list"]', '}',
        'path "sys/sync/associations/*" {', '  capabilities = ["read", "list"]', '}',
        'path "sys/sync/associations" {', '  capabilities = ["list"]', '}', '']),
    'secret-admin': 'path "secret/*" {\n  capabilities = ["create", "read", "update", "patch", "delete", "list"]\n}\n',
    'deny-locked': 'path "secret/data/ci/locked" {\n  capabilities = ["deny"]\n}\npath "secret/metadata/ci/locked" {\n  capabilities = ["deny"]\n}\n',
    'deny-data': 'path "secret/data/*" {\n  capabilities = ["deny"]\n}\n',
    'create-only': 'path "secret/data/new/*" {\n  capabilities = ["create"]\n}\npath "sys/sync/destinations/azure-kv/*" {\n  capabilities = ["create"]\n}\n',
}
for name, text in policies.items():
    root.sys.create_or_update_policy(name=name, policy=text)
for path in ('ci/app', 'ci/other', 'ci/locked'):
    root.secrets.kv.v2.create_or_update_secret(path=path, secret={'value': path})

def token(*names):
    t = root.auth.token.create(policies=list(names), ttl='1h')
    return hvac.Client(url=url, token=t['auth']['client_token'])

kv = lambda c: c.secrets.kv.v2

# CI reader: read one KV path, nothing else.
ci = token('ci-reader')
call('ci_read', lambda: kv(ci).read_secret_version(path='ci/app'))
call('ci_read_other', lambda: kv(ci).read_secret_version(path='ci/other'))
call('ci_write', lambda: kv(ci).create_or_update_secret(path='ci/app', secret={'value': 'x'}))
call('ci_list', lambda: kv(ci).list_secrets(path='ci'))
call('ci_metadata', lambda: kv(ci).read_secret_metadata(path='ci/app'))
call('ci_dests', lambda: ci.list('sys/sync/destinations'))
call('ci_mounts', lambda: ci.sys.list_mounted_secrets_engines())
call('ci_policy_write', lambda: ci.sys.create_or_update_policy(name='mine', policy=policies['secret-admin']))
call('ci_token_create', lambda: ci.auth.token.create(policies=['ci-reader']))
call('ci_self', lambda: ci.auth.token.lookup_self())
call('ci_caps', lambda: ci.sys.get_capabilities(paths=['secret/data/ci/app', 'secret/data/ci/other']))
call('ci_accessors', lambda: ci.auth.token.list_accessors())
call('root_accessors', lambda: root.auth.token.list_accessors())

# Sync operator: manage destinations and associations, no KV read.
op = token('sync-operator')
call('op_create', lambda: op.write('sys/sync/destinations/azure-kv/ops', **dest))
call('op_read', lambda: op.read('sys/sync/destinations/azure-kv/ops'))
call('op_update', lambda: op.write('sys/sync/destinations/azure-kv/ops', granularity='secret-key'))
call('op_list', lambda: op.adapter.list('/v1/sys/sync/destinations'))
call('op_set_unreadable', lambda: op.write('sys/sync/destinations/azure-kv/ops/associations/set', mount='secret', secret_name='ci/app'))
call('op_kv_read', lambda: kv(op).read_secret_version(path='ci/app'))
call('op_kv_list', lambda: kv(op).list_secrets(path='ci'))
# The same operator with read on the one secret may associate it (Vault's set-time read check).
op_ci = token('sync-operator', 'ci-reader')
call('opci_set', lambda: op_ci.write('sys/sync/destinations/azure-kv/ops/associations/set', mount='secret/', secret_name='ci/app'))
call('opci_set_other', lambda: op_ci.write('sys/sync/destinations/azure-kv/ops/associations/set', mount='secret', secret_name='ci/other'))
call('op_assocs', lambda: op.read('sys/sync/destinations/azure-kv/ops/associations'))
call('op_assoc_list', lambda: op.list('sys/sync/associations'))
call('op_remove', lambda: op.write('sys/sync/destinations/azure-kv/ops/associations/remove', mount='secret', secret_name='ci/app'))
call('op_config', lambda: op.read('sys/sync/config'))
call('op_policies', lambda: op.sys.list_policies())
call('op_delete', lambda: op.delete('sys/sync/destinations/azure-kv/ops'))

# Deny overrides: the deny on the exact path beats the admin glob; a less specific deny does not
# beat a more specific allow (D-7).
adm = token('secret-admin', 'deny-locked')
call('adm_read', lambda: kv(adm).read_secret_version(path='ci/other'))
call('adm_write', lambda: kv(adm).create_or_update_secret(path='ci/new', secret={'v': 1}))
call('adm_locked_read', lambda: kv(adm).read_secret_version(path='ci/locked'))
call('adm_locked_write', lambda: kv(adm).create_or_update_secret(path='ci/locked', secret={'v': 2}))
call('adm_locked_meta', lambda: kv(adm).delete_metadata_and_all_versions(path='ci/locked'))
call('adm_caps', lambda: adm.sys.get_capabilities(paths=['secret/data/ci/locked']))
narrow = token('deny-data', 'ci-reader')
call('narrow_read', lambda: kv(narrow).read_secret_version(path='ci/app'))
call('narrow_other', lambda: kv(narrow).read_secret_version(path='ci/other'))

# create vs update decided by existence (KV data/ and sync destinations).
cr = token('create-only')
call('cr_first', lambda: kv(cr).create_or_update_secret(path='new/one', secret={'v': 1}))
call('cr_second', lambda: kv(cr).create_or_update_secret(path='new/one', secret={'v': 2}))
call('cr_dest_first', lambda: cr.write('sys/sync/destinations/azure-kv/made-once', **dest))
call('cr_dest_second', lambda: cr.write('sys/sync/destinations/azure-kv/made-once', **dest))
print(json.dumps(out))
`

t.test('hvac: CI reader, sync operator and deny overrides', async (t) => {
  if (!await requirePythonModule(t, 'hvac', 'python3-hvac')) return
  const server = await startTestServer(t)
  const out = JSON.parse(await runPython(SCRIPT, { VAULT_ADDR: server.address, VAULT_TOKEN: ROOT_TOKEN, DEST: JSON.stringify(AZURE_BODY) }))
  const denied = (name: string): void => { t.same(out[name], { status: 'Forbidden', errors: DENIED }, `${name}: 403 with Vault's message`) }
  const allowed = (name: string, status: number | null = 200): void => { t.equal(out[name].status, status, `${name}: allowed`) }

  // CI reader
  allowed('ci_read')
  t.same(out.ci_read.data.data, { value: 'ci/app' })
  for (const n of ['ci_read_other', 'ci_write', 'ci_list', 'ci_metadata', 'ci_dests', 'ci_mounts', 'ci_policy_write', 'ci_token_create', 'ci_accessors']) denied(n)
  allowed('ci_self')
  t.same(out.ci_self.data.policies, ['ci-reader', 'default'])
  t.same(out.ci_caps.data, { 'secret/data/ci/app': ['read'], 'secret/data/ci/other': ['deny'] })
  allowed('root_accessors')
  t.equal(out.root_accessors.data.keys.length, 2, 'LIST auth/token/accessors: the root token and the CI reader')

  // Sync operator
  allowed('op_create')
  t.equal(out.op_create.data.connection_details.client_secret, '*****')
  allowed('op_read')
  allowed('op_update')
  t.equal(out.op_update.data.options.granularity_level, 'secret-key')
  allowed('op_list')
  t.same(out.op_list.data.keys, ['azure-kv/'])
  t.same(out.op_set_unreadable, { status: 'Forbidden', errors: ['permission denied to read the content of the secret ci/app in mount secret'] })
  denied('op_kv_read')
  denied('op_kv_list')
  allowed('opci_set')
  t.same(out.opci_set_other, { status: 'Forbidden', errors: ['permission denied to read the content of the secret ci/other in mount secret'] })
  allowed('op_assocs')
  t.equal(Object.keys(out.op_assocs.data.associated_secrets).length, 1)
  allowed('op_assoc_list')
  t.same(out.op_assoc_list.data.keys, ['secret/ci/app'])
  allowed('op_remove', 200)
  denied('op_config')
  denied('op_policies')
  allowed('op_delete', null)

  // Deny overrides
  allowed('adm_read')
  allowed('adm_write')
  denied('adm_locked_read')
  denied('adm_locked_write')
  denied('adm_locked_meta')
  t.same(out.adm_caps.data, { 'secret/data/ci/locked': ['deny'], capabilities: ['deny'] })
  allowed('narrow_read')
  denied('narrow_other')

  // Existence: create only the first time
  allowed('cr_first')
  denied('cr_second')
  allowed('cr_dest_first')
  denied('cr_dest_second')
})
