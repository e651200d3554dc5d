// sys/auth/token/tune (issue 14.4): the token store's default and max TTL can be read and tuned
// as in Vault, and token create/renew obey the tuned values (with Vault's warnings).
import t from 'tap'
import { startTestServer, vault } from '../../helper.js'

const TUNE = '/v1/sys/auth/token/tune'

t.test('read the defaults, raise the max, tokens follow it', async (t) => {
  const { app } = await startTestServer(t)
  const read = await vault(app, 'GET', TUNE)
  t.equal(read.statusCode, 200)
  const defaults = { default_lease_ttl: 2764800, description: 'token based credentials', force_no_cache: false, max_lease_ttl: 2764800, token_type: 'default-service' }
  t.same(read.json().data, defaults)
  t.equal(read.json().max_lease_ttl, 2764800, 'injected at the top level, as every sys/auth/* answer')

  t.equal((await vault(app, 'POST', TUNE, { body: { max_lease_ttl: '8760h' } })).statusCode, 204)
  t.match((await vault(app, 'GET', TUNE)).json().data, { default_lease_ttl: 2764800, max_lease_ttl: 31536000 })
  const long = await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['p'], ttl: '800h' } })
  t.equal(long.json().auth.lease_duration, 800 * 3600, 'above 768h once the max is raised')
  t.same(long.json().warnings, ['Policy "p" does not exist'])

  t.equal((await vault(app, 'PUT', TUNE, { body: { default_lease_ttl: '1h', max_lease_ttl: 7200 } })).statusCode, 204)
  const dflt = await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['default'] } })
  t.equal(dflt.json().auth.lease_duration, 3600, 'the tuned default TTL')
  const capped = await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['default'], ttl: '3h' } })
  t.equal(capped.json().auth.lease_duration, 7200)
  t.same(capped.json().warnings, ['TTL of "3h" exceeded the effective max_ttl of "2h"; TTL value is capped accordingly'])
  const explicit = await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['default'], explicit_max_ttl: '5h' } })
  t.same(explicit.json().warnings, ['Explicit max TTL of 18000 seconds is greater than system/mount allowed value; value is being capped to 7200 seconds'])

  t.equal((await vault(app, 'POST', TUNE, { body: { default_lease_ttl: 'system', max_lease_ttl: 'system' } })).statusCode, 204)
  t.same((await vault(app, 'GET', TUNE)).json().data, defaults, '"system" resets both')
})

t.test('bad input is a 400 with Vault\'s text; nothing changes', async (t) => {
  const { app } = await startTestServer(t)
  const bad = await vault(app, 'POST', TUNE, { body: { max_lease_ttl: 'soon' } })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { errors: ['time: invalid duration "soon"'] })
  const inverted = await vault(app, 'POST', TUNE, { body: { default_lease_ttl: '2h', max_lease_ttl: '1h' } })
  t.equal(inverted.statusCode, 400)
  t.same(inverted.json(), { errors: ['backend max lease TTL of 3600 would be less than backend default lease TTL of 7200'] })
  t.match((await vault(app, 'GET', TUNE)).json().data, { default_lease_ttl: 2764800, max_lease_ttl: 2764800 })
})

t.test('root-protected like every sys/auth/* path', async (t) => {
  const { app } = await startTestServer(t)
  await vault(app, 'PUT', '/v1/sys/policies/acl/tuner', { body: { policy: 'path "sys/auth/token/tune" {\n  capabilities = ["read", "update"]\n}\n' } })
  const token = (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: ['tuner'] } })).json().auth.client_token as string
  t.equal((await vault(app, 'GET', TUNE, { token })).statusCode, 403, 'no sudo')
  await vault(app, 'PUT', '/v1/sys/policies/acl/tuner', { body: { policy: 'path "sys/auth/token/tune" {\n  capabilities = ["read", "update", "sudo"]\n}\n' } })
  t.equal((await vault(app, 'GET', TUNE, { token })).statusCode, 200)
})

t.test('mount settings: tuned, read and listed as for sys/mounts (one shared code path)', async (t) => {
  const { app } = await startTestServer(t)
  const settings = {
    audit_non_hmac_request_keys: ['display_name'], audit_non_hmac_response_keys: ['policies'], listing_visibility: 'unauth',
    passthrough_request_headers: ['X-Team'], allowed_response_headers: ['X-Trace'], allowed_managed_keys: ['k'], delegated_auth_accessors: ['auth_x_1'], identity_token_key: 'default'
  }
  t.equal((await vault(app, 'POST', TUNE, { body: { ...settings, audit_non_hmac_request_keys: 'display_name', max_lease_ttl: '1h' } })).statusCode, 204)
  const { delegated_auth_accessors: _, ...tuneShown } = settings
  t.same((await vault(app, 'GET', TUNE)).json().data, {
    default_lease_ttl: 2764800, description: 'token based credentials', force_no_cache: false, max_lease_ttl: 3600, token_type: 'default-service',
    ...tuneShown
  }, 'the tune read: no delegated_auth_accessors, as Vault\'s handleTuneReadCommon')
  const entry = (await vault(app, 'GET', '/v1/sys/auth')).json().data['token/']
  t.same(entry.config, { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 3600, token_type: 'default-service', ...settings }, 'sys/auth: the entry config has them all')
  t.equal(entry.plugin_version, '')

  const refused: Array<[unknown, string]> = [
    [{ token_type: 'batch' }, '\'token_type\' cannot be set for \'token\' or \'ns_token\' auth mounts'],
    [{ plugin_version: 'v0.26.2+builtin' }, 'plugin not found in the catalog: token, version=v0.26.2+builtin'],
    // `token` is in no plugin catalog (Vault's builtinplugins registry): no version can be pinned.
    [{ plugin_version: 'v2.1.0+builtin.vault' }, 'plugin not found in the catalog: token, version=v2.1.0+builtin.vault'],
    [{ listing_visibility: 'public' }, 'invalid listing_visibility public']
  ]
  for (const [body, text] of refused) {
    const res = await vault(app, 'POST', TUNE, { body })
    t.same([res.statusCode, res.json()], [400, { errors: [text] }], JSON.stringify(body))
  }
  t.equal((await vault(app, 'POST', TUNE, { body: { ...Object.fromEntries(Object.keys(settings).map((k) => [k, ''])), default_lease_ttl: '30m' } })).statusCode, 204)
  t.same((await vault(app, 'GET', '/v1/sys/auth')).json().data['token/'].config, { default_lease_ttl: 1800, force_no_cache: false, max_lease_ttl: 3600, token_type: 'default-service' }, 'cleared; the TTLs kept')
})
