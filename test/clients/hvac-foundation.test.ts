// hvac 0.11.2 from Debian against a real server socket (issue 2 Done-when; decisions D-23).
import t from 'tap'
import { ROOT_TOKEN, requirePythonModule, runPython, startTestServer } from '../helper.js'

const SCRIPT = String.raw`
import json, os, hvac
url, token = os.environ['VAULT_ADDR'], os.environ['VAULT_TOKEN']
c = hvac.Client(url=url, token=token)
out = {}
c.sys.enable_secrets_engine('kv', path='kv2', options={'version': '2'})
mounts = c.sys.list_mounted_secrets_engines()
out['kv2'] = mounts['data']['kv2/']
out['kv2_top'] = mounts['kv2/']
c.sys.tune_mount_configuration('kv2', default_lease_ttl='1h', max_lease_ttl='2h')
tuned = c.sys.read_mount_configuration('kv2')
out['tuned'] = {k: tuned['data'][k] for k in ('default_lease_ttl', 'max_lease_ttl')}
out['auth'] = c.sys.list_auth_methods()['data']['token/']
health = c.sys.read_health_status(method='GET')
out['health'] = {k: health[k] for k in ('initialized', 'sealed', 'standby')}
out['head_status'] = c.sys.read_health_status().status_code
me = c.lookup_token()
out['self'] = {k: me['data'][k] for k in ('id', 'policies', 'path')}
out['authenticated'] = c.is_authenticated()
bad = hvac.Client(url=url, token='hvs.not-a-token')
try:
    bad.sys.list_mounted_secrets_engines()
    out['forbidden'] = None
except hvac.exceptions.Forbidden as e:
    out['forbidden'] = {'errors': e.errors, 'text': str(e)}
try:
    c.sys.enable_secrets_engine('kv', path='kv2', options={'version': '2'})
except hvac.exceptions.InvalidRequest as e:
    out['duplicate'] = e.errors
moved = c.sys.move_backend('kv2', 'kv3')
out['moved'] = {'injected': moved['migration_id'] == moved['data']['migration_id'],
                'mounts': sorted(k for k in c.sys.list_mounted_secrets_engines()['data'] if k.startswith('kv'))}
print(json.dumps(out))
`

t.test('hvac: enable kv v2, list mounts, tune a mount, list auth methods, health, lookup-self, Forbidden, move a mount', async (t) => {
  if (!await requirePythonModule(t, 'hvac', 'python3-hvac')) return
  const server = await startTestServer(t)
  const out = JSON.parse(await runPython(SCRIPT, { VAULT_ADDR: server.address, VAULT_TOKEN: ROOT_TOKEN }))
  t.match(out.kv2, { type: 'kv', options: { version: '2' }, accessor: /^kv_[0-9a-f]{8}$/ })
  t.same(out.kv2_top, out.kv2)
  t.same(out.tuned, { default_lease_ttl: 3600, max_lease_ttl: 7200 }, 'the tuned lease TTLs, read back')
  t.match(out.auth, { type: 'token', accessor: /^auth_token_[0-9a-f]{8}$/, description: 'token based credentials', config: { token_type: 'default-service' } })
  t.same(out.health, { initialized: true, sealed: false, standby: false })
  t.equal(out.head_status, 200)
  t.same(out.self, { id: ROOT_TOKEN, policies: ['root'], path: 'auth/token/root' })
  t.equal(out.authenticated, true)
  t.same(out.forbidden.errors, ['2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n'], 'errors parsed from the body, not the raw text')
  t.notMatch(out.forbidden.text, /\{"errors"/)
  t.same(out.duplicate, ['path is already in use at kv2/'])
  t.same(out.moved, { injected: true, mounts: ['kv3/'] }, 'move_backend: sys/remount, the migration id at the top level too')
})
