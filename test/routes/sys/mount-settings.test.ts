// Mount settings beyond the TTLs (src/mounts/mount-settings.ts): audit non-HMAC keys, headers,
// listing_visibility, managed keys, delegated auth accessors, identity_token_key, plugin_version,
// stored on enable (config) and tune, and answered as Vault answers them (mountInfo,
// handleTuneReadCommon), so terraform-provider-vault's vault_mount shows no drift.
import t from 'tap'
import { ROOT_TOKEN, startTestServer, vault } from '../../helper.js'
import { goRequest } from '../../go-vault-client.js'

const KV_BUILTIN = 'v0.26.2+builtin'
const LISTS = ['audit_non_hmac_request_keys', 'audit_non_hmac_response_keys', 'passthrough_request_headers', 'allowed_response_headers', 'allowed_managed_keys', 'delegated_auth_accessors']
const SETTINGS = {
  audit_non_hmac_request_keys: ['user', 'port'],
  audit_non_hmac_response_keys: ['user'],
  listing_visibility: 'unauth',
  passthrough_request_headers: ['X-Team'],
  allowed_response_headers: ['X-Trace', 'X-Other'],
  allowed_managed_keys: ['hsm-key'],
  delegated_auth_accessors: ['auth_userpass_1234abcd'],
  identity_token_key: 'default'
}
const TTLS = { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false }

t.test('enable: every setting of config is stored and read back (entry, list, tune read)', async (t) => {
  const { app } = await startTestServer(t)
  const res = await vault(app, 'POST', '/v1/sys/mounts/tf', { body: { type: 'kv-v2', config: { ...SETTINGS, plugin_version: KV_BUILTIN, default_lease_ttl: '0s', max_lease_ttl: '0s', options: null } } })
  t.equal(res.statusCode, 204)
  const entry = (await vault(app, 'GET', '/v1/sys/mounts/tf')).json().data
  t.same(entry.config, { ...TTLS, ...SETTINGS }, 'the entry config has every setting')
  t.equal(entry.plugin_version, '', 'the built-in version is not stored (Vault\'s validateVersion)')
  t.same((await vault(app, 'GET', '/v1/sys/mounts')).json().data['tf/'].config, entry.config, 'sys/mounts lists the same config')
  const { delegated_auth_accessors: _, ...tuneShown } = SETTINGS
  t.same((await vault(app, 'GET', '/v1/sys/mounts/tf/tune')).json().data, {
    description: '', default_lease_ttl: 2764800, max_lease_ttl: 2764800, force_no_cache: false, ...tuneShown, options: { version: '2' }
  }, 'the tune read shows them all but delegated_auth_accessors, as Vault\'s handleTuneReadCommon')

  // Comma-separated strings (expandStringValsWithCommas); empty lists and "" are not stored.
  t.equal((await vault(app, 'POST', '/v1/sys/mounts/commas', { body: { type: 'kv-v2', config: { passthrough_request_headers: 'X-A, X-B', audit_non_hmac_request_keys: '', allowed_response_headers: [], listing_visibility: '', identity_token_key: '', delegated_auth_accessors: [] } } })).statusCode, 204)
  t.same((await vault(app, 'GET', '/v1/sys/mounts/commas')).json().data.config, { ...TTLS, passthrough_request_headers: ['X-A', 'X-B'] })
})

t.test('enable: refusals with Vault\'s texts, checked in handleMount\'s order; nothing mounted', async (t) => {
  const { app } = await startTestServer(t)
  const cases: Array<[unknown, string]> = [
    [{ listing_visibility: 'public' }, 'invalid listing_visibility public'],
    [{ plugin_version: 'v1.0.0' }, 'cannot select non-builtin version of secrets plugin kv'],
    [{ plugin_version: 'latest' }, 'version "latest" is not a valid semantic version: malformed version: latest'],
    [{ identity_token_key: 'my-key' }, 'key "my-key" does not exist'],
    [{ delegated_auth_accessors: 'a,b' }, 'unable to convert given mount config information'],
    [{ audit_non_hmac_request_keys: true }, 'unable to convert given mount config information'],
    [{ allowed_managed_keys: [{ k: 1 }] }, 'unable to convert given mount config information'],
    [{ listing_visibility: ['unauth'] }, 'unable to convert given mount config information'],
    [{ listing_visibility: 'public', default_lease_ttl: 'soon' }, 'unable to parse default TTL of soon: time: invalid duration "soon"'],
    [{ audit_non_hmac_request_keys: true, default_lease_ttl: 'soon' }, 'unable to convert given mount config information'],
    [{ plugin_version: 'v1.0.0', listing_visibility: 'public' }, 'cannot select non-builtin version of secrets plugin kv']
  ]
  for (const [config, text] of cases) {
    const res = await vault(app, 'POST', '/v1/sys/mounts/refused', { body: { type: 'kv-v2', config } })
    t.same([res.statusCode, res.json()], [400, { errors: [text] }], JSON.stringify(config))
  }
  const typeFirst = await vault(app, 'POST', '/v1/sys/mounts/refused', { body: { config: { listing_visibility: 'public' } } })
  t.same(typeFirst.json(), { errors: ['backend type must be specified as a string'] }, 'the type before the settings')
  const settingsFirst = await vault(app, 'POST', '/v1/sys/mounts/sys/x', { body: { type: 'kv-v2', config: { listing_visibility: 'public' } } })
  t.same(settingsFirst.json(), { errors: ['invalid listing_visibility public'] }, 'the settings before the path')
  t.equal((await vault(app, 'GET', '/v1/sys/mounts/refused')).statusCode, 400, 'not mounted')
})

t.test('tune: set, replace and clear each setting; Vault\'s refusals; a refused tune changes nothing', async (t) => {
  const { app } = await startTestServer(t)
  const tune = async (body: unknown): Promise<any> => await vault(app, 'POST', '/v1/sys/mounts/secret/tune', { body })
  const config = async (): Promise<any> => (await vault(app, 'GET', '/v1/sys/mounts/secret')).json().data.config
  t.equal((await tune({ ...SETTINGS, audit_non_hmac_request_keys: 'user, port', plugin_version: '0.26.2+builtin' })).statusCode, 204)
  t.same(await config(), { ...TTLS, ...SETTINGS }, 'TypeCommaStringSlice: a comma-separated string is split and trimmed')
  t.equal((await vault(app, 'GET', '/v1/sys/mounts/secret')).json().data.plugin_version, KV_BUILTIN, 'a tuned version is stored, canonical')
  const read = (await vault(app, 'GET', '/v1/sys/mounts/secret/tune')).json().data
  t.equal(read.plugin_version, KV_BUILTIN)
  t.notOk('delegated_auth_accessors' in read)
  t.same(read.audit_non_hmac_request_keys, ['user', 'port'])

  t.equal((await tune({ allowed_response_headers: ['X-Only'], description: 'd' })).statusCode, 204, 'absent fields are kept')
  t.same(await config(), { ...TTLS, ...SETTINGS, allowed_response_headers: ['X-Only'] })
  const cleared = Object.fromEntries([...LISTS.map((k) => [k, k === 'allowed_managed_keys' ? '' : []]), ['listing_visibility', ''], ['identity_token_key', '']])
  t.equal((await tune(cleared)).statusCode, 204)
  t.same(await config(), TTLS, '[] and "" clear them: nothing is answered')

  const refused: Array<[unknown, string]> = [
    [{ listing_visibility: 'public' }, 'invalid listing_visibility public'],
    [{ plugin_version: 'v1.2.3' }, 'plugin not found in the catalog: kv, version=v1.2.3'],
    [{ plugin_version: '1.02' }, 'plugin not found in the catalog: kv, version=v1.2.0'],
    [{ plugin_version: '' }, 'version "" is not a valid semantic version: malformed version: '],
    [{ identity_token_key: 'my-key' }, 'key "my-key" does not exist'],
    [{ token_type: 'batch' }, '\'token_type\' can only be modified on auth mounts'],
    [{ passthrough_request_headers: { a: 1 } }, 'Field validation failed: error converting input for field "passthrough_request_headers": expected a list of strings or a comma-separated string, got map'],
    [{ audit_non_hmac_request_keys: ['kept?'], listing_visibility: 'public' }, 'invalid listing_visibility public'],
    [{ max_lease_ttl: 'soon', listing_visibility: 'public' }, 'time: invalid duration "soon"'],
    [{ listing_visibility: 'public', options: { version: '1' } }, 'invalid listing_visibility public']
  ]
  for (const [body, text] of refused) {
    const res = await tune(body)
    t.same([res.statusCode, res.json()], [400, { errors: [text] }], JSON.stringify(body))
  }
  t.same(await config(), TTLS, 'the refused tunes stored nothing')
  for (const path of ['sys', 'cubbyhole']) {
    const res = await vault(app, 'POST', `/v1/sys/mounts/${path}/tune`, { body: { audit_non_hmac_request_keys: ['x'] } })
    t.same([res.statusCode, res.json()], [400, { errors: [`cannot tune "${path}/"`] }], 'Vault\'s untunableMounts')
  }
})

/** terraform-provider-vault `readMount`: the state it builds from `GET sys/mounts/:path` (nil lists read as empty). */
function terraformState (data: any): Record<string, unknown> {
  const c = data.config
  return {
    description: data.description, default_lease_ttl_seconds: c.default_lease_ttl, max_lease_ttl_seconds: c.max_lease_ttl, force_no_cache: c.force_no_cache,
    ...Object.fromEntries(LISTS.map((k) => [k, c[k] ?? []])),
    listing_visibility: c.listing_visibility ?? '', identity_token_key: c.identity_token_key ?? '', options: data.options
  }
}

t.test('terraform vault_mount: create, refresh and update show no drift', async (t) => {
  const server = await startTestServer(t)
  const send = async (method: string, path: string, body?: unknown): Promise<any> => await goRequest(server.address, ROOT_TOKEN, method, path, body)
  const { identity_token_key: _, ...settings } = SETTINGS // sent by the provider on Vault Enterprise 1.16+ only
  const desired = { description: 'tf', default_lease_ttl_seconds: 3600, max_lease_ttl_seconds: 7200, force_no_cache: false, ...settings, identity_token_key: '', options: { version: '2' } }
  // createMount: api.MountInput (omitempty lists and strings left out when empty).
  const created = await send('POST', 'sys/mounts/tf-kv', {
    type: 'kv', description: 'tf', local: false, seal_wrap: false, external_entropy_access: false, options: { version: '2' },
    config: { options: null, default_lease_ttl: '3600s', max_lease_ttl: '7200s', force_no_cache: false, ...settings }
  })
  t.equal(created.status, 204)
  t.same(terraformState((await send('GET', 'sys/mounts/tf-kv')).body.data), desired, 'the state read after create is the configuration')

  // updateMount: tuneMountWithMap with the TTLs, options and the changed fields (a removed list is sent empty).
  const tuned = await send('POST', 'sys/mounts/tf-kv/tune', {
    default_lease_ttl: '3600s', max_lease_ttl: '7200s', options: { version: '2' },
    audit_non_hmac_response_keys: [], allowed_managed_keys: ['hsm-key', 'other'], listing_visibility: 'hidden', description: 'tf2'
  })
  t.equal(tuned.status, 204)
  const updated = { ...desired, description: 'tf2', audit_non_hmac_response_keys: [], allowed_managed_keys: ['hsm-key', 'other'], listing_visibility: 'hidden' }
  t.same(terraformState((await send('GET', 'sys/mounts/tf-kv')).body.data), updated, 'the state read after update is the new configuration')
  t.same(terraformState((await send('GET', 'sys/mounts')).body.data['tf-kv/']), updated, 'sys/mounts agrees')
})
