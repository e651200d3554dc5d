// hvac 0.11.2 from Debian against token roles over a real socket: create_or_update_role,
// read_role, list_roles, create(role_name=...) (POST auth/token/create/<role>), delete_role.
import t from 'tap'
import { ROOT_TOKEN, requirePythonModule, runPython, startTestServer } from '../helper.js'

const SCRIPT = String.raw`
import json, os, hvac
c = hvac.Client(url=os.environ['VAULT_ADDR'], token=os.environ['VAULT_TOKEN'])
tok = c.auth.token
out = {}
out['written'] = tok.create_or_update_role('hvac-role', allowed_policies=['hv'], orphan=True, path_suffix='rev1').status_code
out['role'] = tok.read_role('hvac-role')['data']
tok.create_or_update_role('other-role')
out['list'] = tok.list_roles()['data']['keys']
auth = tok.create(role_name='hvac-role', policies=['hv'], ttl='10m')['auth']
out['auth'] = {k: auth[k] for k in ('policies', 'orphan', 'lease_duration', 'renewable')}
me = tok.lookup(auth['client_token'])['data']
out['lookup'] = {k: me[k] for k in ('path', 'role', 'display_name')}
try:
    tok.create(role_name='no-such-role')
    out['unknown'] = None
except hvac.exceptions.InvalidRequest as e:
    out['unknown'] = e.errors
out['deleted'] = tok.delete_role('hvac-role').status_code
out['after'] = tok.list_roles()['data']['keys']
print(json.dumps(out))
`

t.test('hvac: token roles written, read, listed, used and deleted', async (t) => {
  if (!await requirePythonModule(t, 'hvac', 'python3-hvac')) return
  const server = await startTestServer(t)
  const out = JSON.parse(await runPython(SCRIPT, { VAULT_ADDR: server.address, VAULT_TOKEN: ROOT_TOKEN }))
  t.equal(out.written, 204)
  t.match(out.role, { name: 'hvac-role', allowed_policies: ['hv'], orphan: true, renewable: true, path_suffix: 'rev1', allowed_entity_aliases: null, token_type: 'default-service' })
  t.same(out.list, ['hvac-role', 'other-role'])
  t.same(out.auth, { policies: ['default', 'hv'], orphan: true, lease_duration: 600, renewable: true })
  t.same(out.lookup, { path: 'auth/token/create/hvac-role/rev1', role: 'hvac-role', display_name: 'token-token' }, 'hvac sends display_name "token"')
  t.same(out.unknown, ['unknown role no-such-role'])
  t.equal(out.deleted, 204)
  t.same(out.after, ['other-role'])
})
