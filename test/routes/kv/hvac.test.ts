// hvac 0.11.2 (Debian python3-hvac) drives the KV v2 engine over a real socket, LIST verb included
// (spec/vault-core-kv-api.md §5.1; decisions D-23: no custom_metadata in update_metadata).
import t from 'tap'
import { ROOT_TOKEN, requirePythonModule, runPython, startTestServer } from '../../helper.js'
import { RFC3339 } from './kv-test-client.js'

const SCRIPT = String.raw`
import json, os, hvac
c = hvac.Client(url=os.environ['VAULT_ADDR'], token=os.environ['VAULT_TOKEN'])
kv = c.secrets.kv.v2
out = {}
def status(r):
    return r.status_code if hasattr(r, 'status_code') else r
def err(fn):
    try:
        fn()
        return None
    except hvac.exceptions.VaultError as e:
        return {'type': type(e).__name__, 'errors': e.errors}
out['configure'] = status(kv.configure(max_versions=5, mount_point='secret'))
out['read_configuration'] = kv.read_configuration()['data']
out['create'] = kv.create_or_update_secret(path='hv/app', secret={'user': 'alice', 'n': 1})['data']
out['create_cas'] = kv.create_or_update_secret(path='hv/app', secret={'user': 'bob'}, cas=1)['data']
out['cas_fail'] = err(lambda: kv.create_or_update_secret(path='hv/app', secret={'user': 'eve'}, cas=1))
out['cas_new'] = kv.create_or_update_secret(path='hv/other', secret={'x': 'y'}, cas=0)['data']
out['read_latest'] = kv.read_secret_version(path='hv/app')['data']
out['read_v1'] = kv.read_secret_version(path='hv/app', version=1)['data']
out['patch'] = kv.patch(path='hv/app', secret={'n': 2})['data']
out['read_patched'] = kv.read_secret_version(path='hv/app')['data']['data']
out['list_root'] = kv.list_secrets(path='')['data']
out['list_hv'] = kv.list_secrets(path='hv')['data']
out['list_missing'] = err(lambda: kv.list_secrets(path='nothing'))
out['delete_latest'] = status(kv.delete_latest_version_of_secret(path='hv/app'))
out['read_deleted'] = err(lambda: kv.read_secret_version(path='hv/app'))
out['delete_versions'] = status(kv.delete_secret_versions(path='hv/app', versions=[1, 2]))
out['undelete'] = status(kv.undelete_secret_versions(path='hv/app', versions=[1, 3]))
out['read_undeleted'] = kv.read_secret_version(path='hv/app')['data']['data']
out['destroy'] = status(kv.destroy_secret_versions(path='hv/app', versions=[1]))
out['update_metadata'] = status(kv.update_metadata(path='hv/app', max_versions=7, cas_required=False))
out['metadata'] = kv.read_secret_metadata(path='hv/app')['data']
out['delete_all'] = status(kv.delete_metadata_and_all_versions(path='hv/app'))
out['read_after_delete_all'] = err(lambda: kv.read_secret_metadata(path='hv/app'))
out['list_after'] = kv.list_secrets(path='hv')['data']
print(json.dumps(out))
`

t.test('hvac 0.11.2 kv.v2 calls, checked field by field', async (t) => {
  if (!await requirePythonModule(t, 'hvac', 'python3-hvac')) return
  const server = await startTestServer(t)
  const out = JSON.parse(await runPython(SCRIPT, { VAULT_ADDR: server.address, VAULT_TOKEN: ROOT_TOKEN })) as Record<string, any>
  const version = (m: Record<string, unknown>, n: number, deleted = false, destroyed = false): void => {
    t.same(Object.keys(m).sort(), ['created_time', 'custom_metadata', 'deletion_time', 'destroyed', 'version'])
    t.match(m.created_time, RFC3339)
    t.equal(m.custom_metadata, null)
    t.equal(m.destroyed, destroyed)
    t.equal(m.version, n)
    if (deleted) t.match(m.deletion_time, RFC3339)
    else t.equal(m.deletion_time, '')
  }
  t.equal(out.configure, 204)
  t.same(out.read_configuration, { cas_required: false, delete_version_after: '0s', max_versions: 5 })
  version(out.create, 1)
  version(out.create_cas, 2)
  t.same(out.cas_fail, { type: 'InvalidRequest', errors: ['check-and-set parameter did not match the current version'] })
  version(out.cas_new, 1)
  t.same(out.read_latest.data, { user: 'bob' })
  version(out.read_latest.metadata, 2)
  t.same(out.read_v1.data, { user: 'alice', n: 1 })
  version(out.read_v1.metadata, 1)
  version(out.patch, 3)
  t.same(out.read_patched, { user: 'bob', n: 2 }, 'hvac patch = read + write with cas')
  t.same(out.list_root, { keys: ['hv/'] })
  t.same(out.list_hv, { keys: ['app', 'other'] })
  t.same(out.list_missing, { type: 'InvalidPath', errors: [] })
  t.equal(out.delete_latest, 204)
  t.same(out.read_deleted, { type: 'InvalidPath', errors: null }, 'raw 404 has no errors key')
  t.equal(out.delete_versions, 204)
  t.equal(out.undelete, 204)
  t.same(out.read_undeleted, { user: 'bob', n: 2 })
  t.equal(out.destroy, 204)
  t.equal(out.update_metadata, 204)
  const m = out.metadata
  t.same(Object.keys(m).sort(), ['cas_required', 'created_time', 'current_version', 'custom_metadata', 'delete_version_after', 'max_versions', 'oldest_version', 'updated_time', 'versions'])
  t.equal(m.cas_required, false)
  t.equal(m.current_version, 3)
  t.equal(m.oldest_version, 0)
  t.equal(m.max_versions, 7)
  t.equal(m.delete_version_after, '0s')
  t.equal(m.custom_metadata, null)
  t.match(m.created_time, RFC3339)
  t.match(m.updated_time, RFC3339)
  t.same(Object.keys(m.versions).sort(), ['1', '2', '3'])
  t.equal(m.versions['1'].destroyed, true)
  t.match(m.versions['2'].deletion_time, RFC3339)
  t.equal(m.versions['3'].deletion_time, '')
  t.equal(m.versions['3'].destroyed, false)
  t.equal(out.delete_all, 204)
  t.same(out.read_after_delete_all, { type: 'InvalidPath', errors: [] })
  t.same(out.list_after, { keys: ['other'] })
})
