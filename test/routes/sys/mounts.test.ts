// sys/mounts and the CLI preflight (spec/vault-core-kv-api.md §2; decisions D-21).
import t from 'tap'
import { startTestServer, vault } from '../../helper.js'

t.test('list: dev mounts, entry shape, data injected at the top level', async (t) => {
  const { app } = await startTestServer(t)
  const res = await vault(app, 'GET', '/v1/sys/mounts')
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(Object.keys(body.data).sort(), ['cubbyhole/', 'identity/', 'secret/', 'sys/'])
  t.same(body['secret/'], body.data['secret/'], 'injected')
  t.equal(body.mount_type, 'system')
  const secret = body.data['secret/']
  t.match(secret, {
    accessor: /^kv_[0-9a-f]{8}$/,
    config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false },
    description: 'key/value secret storage',
    external_entropy_access: false,
    local: false,
    options: { version: '2' },
    seal_wrap: false,
    type: 'kv',
    uuid: /^[0-9a-f-]{36}$/
  })
  t.equal(body.data['sys/'].options, null)
  t.match(body.data['sys/'].accessor, /^system_[0-9a-f]{8}$/)
})

t.test('enable: kv-v2 and kv with version 2; Vault texts for every refusal', async (t) => {
  const { app } = await startTestServer(t)
  t.equal((await vault(app, 'POST', '/v1/sys/mounts/kv2', { body: { type: 'kv', options: { version: '2' } } })).statusCode, 204)
  t.equal((await vault(app, 'PUT', '/v1/sys/mounts/team/apps', { body: { type: 'kv-v2', description: 'nested' } })).statusCode, 204)
  const read = await vault(app, 'GET', '/v1/sys/mounts/team/apps')
  t.equal(read.statusCode, 200)
  t.match(read.json(), { data: { type: 'kv', options: { version: '2' }, description: 'nested' }, type: 'kv', description: 'nested' })
  const cases: Array<[string, unknown, string]> = [
    ['kv2', { type: 'kv-v2' }, 'path is already in use at kv2/'],
    ['kv2/inner', { type: 'kv-v2' }, 'path is already in use at kv2/'],
    ['team', { type: 'kv-v2' }, 'path is already in use at team/apps/'],
    ['v1', { type: 'kv' }, 'vault-sync supports only KV version 2 mounts: set options.version="2" or use type "kv-v2"'],
    ['v1b', { type: 'kv-v1' }, 'vault-sync supports only KV version 2 mounts: set options.version="2" or use type "kv-v2"'],
    ['pki', { type: 'pki' }, 'plugin not found in the catalog: pki'],
    ['pki2', { type: 'pki', options: { version: '2' } }, 'secrets engine "pki" does not allow setting a version'],
    ['notype', {}, 'backend type must be specified as a string'],
    ['sys/x', { type: 'kv-v2' }, 'cannot mount "sys/"'],
    ['cubbyhole', { type: 'kv-v2' }, 'cannot mount "cubbyhole/"'],
    ['x', { type: 'system' }, 'mount type of "system" is not mountable']
  ]
  for (const [path, body, message] of cases) {
    const res = await vault(app, 'POST', `/v1/sys/mounts/${path}`, { body })
    t.equal(res.statusCode, 400, path)
    t.same(res.json(), { errors: [message] }, path)
  }
  const names = Object.keys((await vault(app, 'GET', '/v1/sys/mounts')).json().data).sort()
  t.same(names, ['cubbyhole/', 'identity/', 'kv2/', 'secret/', 'sys/', 'team/apps/'], 'refused requests mounted nothing')
})

t.test('read, tune and disable', async (t) => {
  const { app } = await startTestServer(t)
  const missing = await vault(app, 'GET', '/v1/sys/mounts/nope')
  t.equal(missing.statusCode, 400)
  t.same(missing.json(), { errors: ['No secret engine mount at nope/'] })
  const tune = await vault(app, 'GET', '/v1/sys/mounts/secret/tune')
  t.equal(tune.statusCode, 200)
  t.same(tune.json().data, { description: 'key/value secret storage', default_lease_ttl: 2764800, max_lease_ttl: 2764800, force_no_cache: false, options: { version: '2' } })
  t.equal(tune.json().default_lease_ttl, 2764800, 'injected')
  t.equal((await vault(app, 'POST', '/v1/sys/mounts/secret/tune', { body: { description: 'tuned' } })).statusCode, 204)
  t.equal((await vault(app, 'GET', '/v1/sys/mounts/secret')).json().data.description, 'tuned')
  const downgrade = await vault(app, 'POST', '/v1/sys/mounts/secret/tune', { body: { options: { version: '1' } } })
  t.equal(downgrade.statusCode, 400)
  t.same(downgrade.json(), { errors: ['cannot downgrade mount from version 2'] })
  t.equal((await vault(app, 'DELETE', '/v1/sys/mounts/secret')).statusCode, 204)
  t.equal((await vault(app, 'DELETE', '/v1/sys/mounts/secret')).statusCode, 204, 'missing mount: still 204')
  t.equal((await vault(app, 'GET', '/v1/sys/mounts/secret')).statusCode, 400)
  const sys = await vault(app, 'DELETE', '/v1/sys/mounts/sys')
  t.equal(sys.statusCode, 400)
  t.same(sys.json(), { errors: ['cannot unmount "sys/"'] })
})

t.test('lease TTLs: stored on enable and tune, read back as Vault reports them', async (t) => {
  const { app } = await startTestServer(t)
  // The Vault CLI's enable body (`vault secrets enable -default-lease-ttl=1h -max-lease-ttl=2h`).
  const enabled = await vault(app, 'POST', '/v1/sys/mounts/ttl', { body: { type: 'kv', options: { version: '2' }, config: { default_lease_ttl: '1h', max_lease_ttl: '2h', force_no_cache: true, options: null } } })
  t.equal(enabled.statusCode, 204)
  t.same((await vault(app, 'GET', '/v1/sys/mounts/ttl')).json().data.config, { default_lease_ttl: 3600, max_lease_ttl: 7200, force_no_cache: true }, 'stored seconds')
  t.same((await vault(app, 'GET', '/v1/sys/mounts')).json().data['ttl/'].config, { default_lease_ttl: 3600, max_lease_ttl: 7200, force_no_cache: true })
  t.match((await vault(app, 'GET', '/v1/sys/mounts/ttl/tune')).json().data, { default_lease_ttl: 3600, max_lease_ttl: 7200, force_no_cache: true })

  // Tune: "" keeps a value, "system" resets it, a bare number is seconds; reads show effective values.
  t.equal((await vault(app, 'POST', '/v1/sys/mounts/ttl/tune', { body: { default_lease_ttl: '3h', max_lease_ttl: 14400 } })).statusCode, 204)
  t.same((await vault(app, 'GET', '/v1/sys/mounts/ttl')).json().data.config, { default_lease_ttl: 10800, max_lease_ttl: 14400, force_no_cache: true })
  t.equal((await vault(app, 'POST', '/v1/sys/mounts/ttl/tune', { body: { default_lease_ttl: '', max_lease_ttl: 'system', description: 'd' } })).statusCode, 204)
  t.same((await vault(app, 'GET', '/v1/sys/mounts/ttl')).json().data.config, { default_lease_ttl: 10800, max_lease_ttl: 0, force_no_cache: true })
  t.match((await vault(app, 'GET', '/v1/sys/mounts/ttl/tune')).json().data, { description: 'd', default_lease_ttl: 10800, max_lease_ttl: 2764800 })
  t.equal((await vault(app, 'POST', '/v1/sys/mounts/ttl/tune', { body: { max_lease_ttl: '1h' } })).statusCode, 400, 'a max below the stored default')
  // A max alone: the default read back is the system's, not capped by the max (Vault's tune read).
  t.equal((await vault(app, 'POST', '/v1/sys/mounts/maxonly', { body: { type: 'kv-v2', config: { max_lease_ttl: '1h' } } })).statusCode, 204)
  t.match((await vault(app, 'GET', '/v1/sys/mounts/maxonly/tune')).json().data, { default_lease_ttl: 2764800, max_lease_ttl: 3600 })

  // Refusals: Vault's texts (a negative TTL, which Vault would take, is refused too), and nothing stored.
  const refused: Array<[unknown, string]> = [
    [{ default_lease_ttl: 'soon' }, 'unable to parse default TTL of soon: time: invalid duration "soon"'],
    [{ max_lease_ttl: '-1h' }, 'unable to parse max TTL of -1h: cannot provide negative value \'-3600\''],
    [{ default_lease_ttl: '3h', max_lease_ttl: '1h' }, 'given default lease TTL greater than given max lease TTL'],
    [{ default_lease_ttl: '800h' }, 'given default lease TTL greater than system max lease TTL of 2764800'],
    ['1h', 'unable to convert given mount config information']
  ]
  for (const [config, text] of refused) {
    const res = await vault(app, 'POST', '/v1/sys/mounts/refused', { body: { type: 'kv-v2', config } })
    t.equal(res.statusCode, 400, JSON.stringify(config))
    t.same(res.json(), { errors: [text] })
  }
  t.equal((await vault(app, 'GET', '/v1/sys/mounts/refused')).statusCode, 400, 'not mounted')
  const inverted = await vault(app, 'POST', '/v1/sys/mounts/ttl/tune', { body: { default_lease_ttl: '2h', max_lease_ttl: '1h' } })
  t.same(inverted.json(), { errors: ['backend max lease TTL of 3600 would be less than backend default lease TTL of 7200'] })
  const bad = await vault(app, 'POST', '/v1/sys/mounts/ttl/tune', { body: { max_lease_ttl: 'soon' } })
  t.same([bad.statusCode, bad.json()], [400, { errors: ['time: invalid duration "soon"'] }])
  t.same((await vault(app, 'GET', '/v1/sys/mounts/ttl')).json().data.config, { default_lease_ttl: 10800, max_lease_ttl: 0, force_no_cache: true }, 'refused tunes changed nothing')
})

t.test('sys/internal/ui/mounts: the Vault CLI preflight', async (t) => {
  const { app } = await startTestServer(t)
  const res = await vault(app, 'GET', '/v1/sys/internal/ui/mounts/secret/foo/bar')
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.match(body.data, { path: 'secret/', type: 'kv', options: { version: '2' }, accessor: /^kv_/ })
  t.equal(typeof body.data.options.version, 'string')
  t.notOk('path' in body, 'not injected')
  const none = await vault(app, 'GET', '/v1/sys/internal/ui/mounts/nope/x')
  t.equal(none.statusCode, 403)
  t.same(none.json(), { errors: ['preflight capability check returned 403, please ensure client\'s policies grant access to path "nope/x/"'] })
  const noToken = await vault(app, 'GET', '/v1/sys/internal/ui/mounts/secret', { token: null })
  t.equal(noToken.statusCode, 403)
  t.same(noToken.json(), { errors: ['1 error occurred:\n\t* permission denied\n\n'] })
})
