// sys/sync/destinations (spec/vault-sync-api.md §3.3-3.8, §4; decisions D-15.2, D-15.6-10).
import t from 'tap'
import { startTestServer, vault } from '../../../helper.js'
import { AZURE_BODY, CLIENT_SECRET, createAzureDestination, json, mergePatch } from '../../../sync-fixtures.js'

const D = '/v1/sys/sync/destinations/azure-kv'

t.test('create answers the read shape; GET returns the same, redacted', async (t) => {
  const { app } = await startTestServer(t)
  const res = await createAzureDestination(app, 'd1', { custom_tags: { team: 'payments' }, allowed_ports: '443,8443', disable_strict_networking: 'false' })
  t.equal(res.statusCode, 200)
  const created = json(res)
  t.same(created.data, {
    connection_details: {
      client_id: AZURE_BODY.client_id, client_secret: '*****', cloud: 'cloud',
      key_vault_uri: AZURE_BODY.key_vault_uri, tenant_id: AZURE_BODY.tenant_id
    },
    name: 'd1',
    options: {
      custom_tags: { team: 'payments' }, granularity_level: 'secret-path',
      secret_name_template: 'vault/{{ .MountAccessor }}/{{ .SecretPath }}',
      allowed_ipv4_addresses: [], allowed_ipv6_addresses: [], allowed_ports: [443, 8443],
      disable_strict_networking: false, purge_on_unsync: false
    },
    type: 'azure-kv'
  })
  t.equal(created.warnings, null)
  const read = json(await vault(app, 'GET', `${D}/d1`))
  t.same(read.data, created.data)
  t.notMatch(JSON.stringify(read), CLIENT_SECRET)
})

t.test('POST to an existing name updates: connection fields left out kept, options left out reset to their defaults, custom_tags replaced, tags_to_remove ignored', async (t) => {
  const { app, services } = await startTestServer(t)
  await createAzureDestination(app, 'd1', {
    custom_tags: { a: '1', b: '2' }, granularity: 'secret-key', allowed_ipv4_addresses: ['10.0.0.0/8'], allowed_ports: [443], disable_strict_networking: true, purge_on_unsync: true
  })
  const res = await vault(app, 'PUT', `${D}/d1`, { body: { custom_tags: ['c=3'], client_id: 'rotated-id', tags_to_remove: ['c'], granularity: 'secret-key' } })
  t.equal(res.statusCode, 200)
  const d = json(res).data
  t.same(d.options.custom_tags, { c: '3' })
  t.equal(d.options.granularity_level, 'secret-key', 'as sent')
  t.equal(d.options.secret_name_template, 'vault/{{ .MountAccessor }}/{{ .SecretPath }}/{{ .SecretKey }}', 'the secret-key default')
  t.equal(d.connection_details.client_id, 'rotated-id')
  t.equal(d.connection_details.key_vault_uri, AZURE_BODY.key_vault_uri)
  const row = (await services.destinationService.find('azure-kv', 'd1')).row!
  t.equal(services.destinationService.configOf(row).secrets.client_secret, CLIENT_SECRET, 'secret kept')
  // Terraform's vault_secrets_sync_azure_destination sends only the fields its configuration
  // sets: a network rule dropped from the configuration must read back empty (its acceptance test).
  t.same(d.options.allowed_ipv4_addresses, [], 'a network rule left out is reset')
  t.same(d.options.allowed_ports, [])
  t.equal(d.options.disable_strict_networking, false, 'back to its default')
  t.equal(d.options.purge_on_unsync, true, 'vault-sync\'s own purge_on_unsync, unknown to Vault clients, is kept')
  const bare = json(await vault(app, 'POST', `${D}/d1`, { body: { client_id: 'rotated-id' } })).data
  t.equal(bare.options.granularity_level, 'secret-path', 'a granularity left out is the default')
  t.same(bare.options.custom_tags, {}, 'custom_tags left out: none')
})

t.test('PATCH merges tags, removes tags_to_remove, keeps the secret on "*****" and rotates it otherwise', async (t) => {
  const { app, services } = await startTestServer(t)
  await createAzureDestination(app, 'd1', { custom_tags: { team: 'a', env: 'prod' } })
  let res = await mergePatch(app, `${D}/d1`, { custom_tags: { team: 'b', owner: 'x' }, tags_to_remove: 'env', client_secret: '*****' })
  t.equal(res.statusCode, 200)
  t.same(json(res).data.options.custom_tags, { team: 'b', owner: 'x' })
  const secretOf = async (): Promise<string> => services.destinationService.configOf((await services.destinationService.find('azure-kv', 'd1')).row!).secrets.client_secret
  t.equal(await secretOf(), CLIENT_SECRET)
  res = await mergePatch(app, `${D}/d1`, { client_secret: 'new-secret-value' })
  t.equal(json(res).data.connection_details.client_secret, '*****')
  t.equal(await secretOf(), 'new-secret-value')
  res = await mergePatch(app, `${D}/d1`, { granularity: 'secret-key' })
  t.equal(res.statusCode, 200, 'the default template follows the granularity (D-15.9)')
  t.equal(json(res).data.options.secret_name_template, 'vault/{{ .MountAccessor }}/{{ .SecretPath }}/{{ .SecretKey }}')
  res = await mergePatch(app, `${D}/d1`, { client_secret: '' })
  t.equal(res.statusCode, 400, 'clearing the secret needs the AZURE_CLIENT_SECRET fallback')
  t.same(json(res).errors, ["client_secret is required (or set the server's AZURE_CLIENT_SECRET environment variable)"])
  t.equal(await secretOf(), 'new-secret-value')
  res = await mergePatch(app, `${D}/nope`, { client_id: 'x' })
  t.equal(res.statusCode, 404)
  t.same(json(res), { errors: [] })
})

t.test('key_vault_uri, tenant_id and cloud cannot change; equal values and credentials can be re-sent', async (t) => {
  const { app } = await startTestServer(t)
  await createAzureDestination(app, 'd1')
  const same = await vault(app, 'POST', `${D}/d1`, { body: { ...AZURE_BODY, key_vault_uri: `${AZURE_BODY.key_vault_uri}/`, cloud: 'AzurePublicCloud' } })
  t.equal(same.statusCode, 200)
  t.equal(json(same).data.connection_details.key_vault_uri, AZURE_BODY.key_vault_uri, 'the stored value is kept as first sent')
  for (const [field, value] of [['key_vault_uri', 'https://other.vault.azure.net'], ['tenant_id', 'another-tenant'], ['cloud', 'china']]) {
    const res = await mergePatch(app, `${D}/d1`, { [field]: value })
    t.equal(res.statusCode, 400, field)
    t.same(json(res).errors, [`${field} cannot be changed after creation; create a new destination`])
  }
})

t.test('validation: each problem is a 400 naming the field, and nothing is stored', async (t) => {
  const { app } = await startTestServer(t)
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ key_vault_uri: 'http://kv.vault.azure.net' }, /^key_vault_uri must use https/],
    [{ key_vault_uri: 'https://kv.vault.azure.net/secrets?x=1' }, /^key_vault_uri must not have a path, query or fragment/],
    [{ key_vault_uri: 'not a url' }, /^key_vault_uri is not a URL/],
    [{ granularity: 'invalid-granularity' }, /^granularity: invalid value: must be/],
    [{ secret_name_template: '{{.InvalidTemplate}}' }, /^secret name template is invalid: /],
    [{ secret_name_template: '{{ .SecretPath | base64 }}' }, /^secret name template is invalid: /],
    [{ custom_tags: { 'invalid key with spaces': 'v' } }, /^custom_tags: tag key "invalid key with spaces" must not contain whitespace/],
    [{ custom_tags: { k: 'v'.repeat(257) } }, /^custom_tags: the value of tag "k" must be 1-256 characters long/],
    [{ custom_tags: { ['k'.repeat(257)]: 'v' } }, /^custom_tags: tag key "k+" must be 1-256 characters long/],
    [{ custom_tags: { 'HashiCorp:Vault': 'x' } }, /^custom_tags: tag key "HashiCorp:Vault" is reserved/],
    [{ allowed_ipv4_addresses: ['999.999.999.999/24'] }, /^allowed_ipv4_addresses: element 1 is not a valid IPv4/],
    [{ allowed_ipv4_addresses: '10.0.0.0/33' }, /^allowed_ipv4_addresses: /],
    [{ allowed_ipv6_addresses: ['gggg:gggg:gggg:gggg:gggg:gggg:gggg:gggg/128'] }, /^allowed_ipv6_addresses: /],
    [{ allowed_ports: [99999] }, /^allowed_ports: element 1 is not a port between 1 and 65535/],
    [{ allowed_ports: 'https' }, /^allowed_ports: /],
    [{ disable_strict_networking: 'sometimes' }, /"disable_strict_networking"/],
    [{ cloud: 'AzureGermanCloud' }, /^cloud: unsupported value: /],
    [{ client_secret: undefined, tenant_id: '' }, /^tenant_id is required/]
  ]
  for (const [extra, expected] of cases) {
    const res = await createAzureDestination(app, 'bad', extra)
    t.equal(res.statusCode, 400, JSON.stringify(extra).slice(0, 80))
    t.match(json(res).errors[0], expected)
    t.notMatch(res.body, CLIENT_SECRET, 'the secret is never echoed')
  }
  const list = await vault(app, 'GET', '/v1/sys/sync/destinations?list=true')
  t.equal(list.statusCode, 404, 'nothing was stored')
  t.equal((await vault(app, 'GET', `${D}/bad`)).statusCode, 404)

  await createAzureDestination(app, 'ok')
  const bad = await mergePatch(app, `${D}/ok`, { secret_name_template: '{{ .Nope }}', custom_tags: { a: 'b' } })
  t.equal(bad.statusCode, 400)
  t.same(json(await vault(app, 'GET', `${D}/ok`)).data.options.custom_tags, {}, 'a refused PATCH changes nothing')
})

t.test('cloud values: accepted spellings stored as sent; subscription_id accepted and ignored', async (t) => {
  const { app } = await startTestServer(t)
  let res = await createAzureDestination(app, 'gov', { cloud: 'AzureUSGovernment', subscription_id: 'sub-1' })
  t.equal(res.statusCode, 200)
  t.equal(json(res).data.connection_details.cloud, 'AzureUSGovernment')
  t.equal(json(res).warnings, null, 'subscription_id draws no warning')
  t.notOk('subscription_id' in json(res).data.connection_details)
  res = await createAzureDestination(app, 'cn', { cloud: 'china' })
  t.equal(json(res).data.connection_details.cloud, 'china')
})

t.test('env fallbacks fill missing connection fields at sync time; reads show what was stored', async (t) => {
  const { app, services } = await startTestServer(t, {
    KEY_VAULT_URI: 'https://from-env.vault.azure.net', AZURE_TENANT_ID: 'env-tenant', AZURE_CLIENT_ID: 'env-client', AZURE_CLIENT_SECRET: 'env-secret'
  })
  const res = await vault(app, 'POST', `${D}/envd`, { body: {} })
  t.equal(res.statusCode, 200)
  t.same(json(res).data.connection_details, { client_id: '', cloud: 'cloud', key_vault_uri: '', tenant_id: '' }, 'no client_secret when none is stored')
  const { effectiveAzureConnection } = await import('../../../../src/drivers/azure-kv/azure-kv-config.js')
  const config = services.destinationService.configOf((await services.destinationService.find('azure-kv', 'envd')).row!)
  t.same(effectiveAzureConnection(config, { keyVaultUri: 'https://from-env.vault.azure.net', tenantId: 'env-tenant', clientId: 'env-client', clientSecret: 'env-secret' }),
    {
      keyVaultUri: 'https://from-env.vault.azure.net', tenantId: 'env-tenant', clientId: 'env-client', clientSecret: 'env-secret', cloud: 'cloud',
      network: { allowedIpv4: [], allowedIpv6: [], allowedPorts: [], disableStrictNetworking: false }
    })
  const plain = await startTestServer(t)
  const missing = await vault(plain.app, 'POST', `${D}/envd`, { body: { tenant_id: 't', client_id: 'c', client_secret: 's' } })
  t.equal(missing.statusCode, 400)
  t.same(json(missing).errors, ["key_vault_uri is required (or set the server's KEY_VAULT_URI environment variable)"])
})

t.test('LIST all (grouped by type), LIST by type, empty lists and unknown types', async (t) => {
  const { app } = await startTestServer(t)
  t.same(json(await vault(app, 'GET', '/v1/sys/sync/destinations?list=true')), { errors: [] })
  t.equal((await vault(app, 'GET', '/v1/sys/sync/destinations/azure-kv?list=true')).statusCode, 404)
  await createAzureDestination(app, 'b-dest')
  await createAzureDestination(app, 'a-dest')
  const all = json(await vault(app, 'GET', '/v1/sys/sync/destinations?list=true'))
  t.same(all.data, { keys: ['azure-kv/'], key_info: { 'azure-kv/': ['a-dest', 'b-dest'] }, total_destinations: 2 })
  const byType = json(await vault(app, 'GET', '/v1/sys/sync/destinations/azure-kv?list=true'))
  t.same(byType.data, { keys: ['a-dest', 'b-dest'], total_destinations: 2 })
  const unknownList = await vault(app, 'GET', '/v1/sys/sync/destinations/aws-sm?list=true')
  t.equal(unknownList.statusCode, 404)
  t.same(json(unknownList), { errors: [] })
  for (const method of ['GET', 'POST', 'PATCH', 'DELETE'] as const) {
    const res = await vault(app, method, '/v1/sys/sync/destinations/aws-sm/x', {
      body: method === 'GET' || method === 'DELETE' ? undefined : {},
      headers: method === 'PATCH' ? { 'content-type': 'application/merge-patch+json' } : {}
    })
    t.equal(res.statusCode, 404, `${method} aws-sm`)
    t.same(json(res), { errors: ['1 error occurred:\n\t* unsupported path\n\n'] })
  }
  const missing = await vault(app, 'GET', `${D}/nope`)
  t.equal(missing.statusCode, 404)
  t.same(json(missing), { errors: [] })
})

t.test('DELETE without associations answers 204 at once; a missing one too', async (t) => {
  const { app } = await startTestServer(t)
  await createAzureDestination(app, 'd1')
  let res = await vault(app, 'DELETE', `${D}/d1`)
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.equal((await vault(app, 'GET', `${D}/d1`)).statusCode, 404)
  res = await vault(app, 'DELETE', `${D}/d1?purge=maybe`)
  t.equal(res.statusCode, 400, 'a bad boolean in the query is refused')
  res = await vault(app, 'DELETE', `${D}/d1`)
  t.equal(res.statusCode, 204)
  t.equal((await createAzureDestination(app, 'd1')).statusCode, 200, 'the name is free again')
})
