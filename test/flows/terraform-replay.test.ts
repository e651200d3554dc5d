// Replays of terraform-provider-vault's call sequences (decisions D-15.6, D-24): the resources
// vault_secrets_sync_azure_destination, vault_secrets_sync_association and
// vault_secrets_sync_config, with the provider's own read logic reproduced to build its state.
import t from 'tap'
import { ROOT_TOKEN, startTestServer } from '../helper.js'
import { goLogical, terraformAssociationRead } from '../go-vault-client.js'
import { AZURE_BODY } from '../sync-fixtures.js'

/** Fields the provider writes and reads for azure (Vault 1.19+ adds the networking fields). */
const WRITE_FIELDS = ['key_vault_uri', 'cloud', 'granularity', 'secret_name_template', 'custom_tags', 'client_secret', 'client_id', 'tenant_id',
  'allowed_ipv4_addresses', 'allowed_ipv6_addresses', 'allowed_ports', 'disable_strict_networking']
const READ_FIELDS = WRITE_FIELDS.filter((f) => f !== 'client_secret')

/** `d.GetOk`: Terraform skips zero values (false, "", empty collections). */
function getOk (config: Record<string, unknown>, field: string): boolean {
  const v = config[field]
  if (v === undefined || v === false || v === '' || v === 0) return false
  if (Array.isArray(v)) return v.length > 0
  if (typeof v === 'object' && v !== null) return Object.keys(v).length > 0
  return true
}

/** `SyncDestinationRead`: each field from connection_details, then options (granularity → granularity_level). */
function destinationState (resp: any, name: string): Record<string, unknown> {
  const state: Record<string, unknown> = { name, type: 'azure-kv' }
  for (const k of READ_FIELDS) {
    const vaultKey = k === 'granularity' ? 'granularity_level' : k
    if (vaultKey in resp.data.connection_details) state[k] = resp.data.connection_details[vaultKey]
    if (vaultKey in resp.data.options) state[k] = resp.data.options[vaultKey]
  }
  return state
}

t.test('vault_secrets_sync_azure_destination: create (POST), read, update (every field re-sent), delete', async (t) => {
  const server = await startTestServer(t)
  const vault = goLogical(server.address, ROOT_TOKEN)
  const path = 'sys/sync/destinations/azure-kv/tf-dest'
  const config: Record<string, unknown> = {
    ...AZURE_BODY,
    granularity: 'secret-key',
    secret_name_template: 'VAULT_{{ .MountAccessor | uppercase }}_{{ .SecretKey | uppercase }}',
    custom_tags: { foo: 'bar', team: 'payments' },
    allowed_ipv4_addresses: ['192.168.1.1/32', '10.0.0.0/8'],
    allowed_ipv6_addresses: ['2001:db8::1/128'],
    allowed_ports: [443, 8443],
    disable_strict_networking: false
  }
  const writeData = (c: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(WRITE_FIELDS.filter((f) => getOk(c, f)).map((f) => [f, c[f]]))
  await vault.write(path, writeData(config))
  const created = destinationState(await vault.read(path), 'tf-dest')
  t.same(created, {
    name: 'tf-dest', type: 'azure-kv',
    key_vault_uri: config.key_vault_uri, cloud: 'cloud', granularity: 'secret-key', secret_name_template: config.secret_name_template,
    custom_tags: config.custom_tags, client_id: config.client_id, tenant_id: config.tenant_id,
    allowed_ipv4_addresses: config.allowed_ipv4_addresses, allowed_ipv6_addresses: config.allowed_ipv6_addresses,
    allowed_ports: [443, 8443], disable_strict_networking: false
  }, 'every field Terraform reads matches the configuration')
  t.same(destinationState(await vault.read(path), 'tf-dest'), created, 'a refresh reads the same state')

  // Update: the provider re-sends every field set in the configuration, immutable ones included.
  const updated = { ...config, client_id: 'rotated-client', client_secret: 'rotated-secret', custom_tags: { foo: 'baz' }, allowed_ports: [443], disable_strict_networking: true }
  await vault.write(path, writeData(updated))
  const after = destinationState(await vault.read(path), 'tf-dest')
  t.same(after, { ...created, client_id: 'rotated-client', custom_tags: { foo: 'baz' }, allowed_ports: [443], disable_strict_networking: true })
  const row = (await server.services.destinationService.find('azure-kv', 'tf-dest')).row!
  t.equal(server.services.destinationService.configOf(row).secrets.client_secret, 'rotated-secret', 'credentials rotate in place')

  await vault.delete(path)
  t.equal(await vault.read(path), null, 'the next read removes the resource from state')
})

t.test('vault_secrets_sync_association: set, immediate read-back by accessor + nested secret_name, no-op re-apply, remove', async (t) => {
  const server = await startTestServer(t)
  const vault = goLogical(server.address, ROOT_TOKEN)
  await vault.write('sys/mounts/team/kv', { type: 'kv-v2' })
  await vault.write('team/kv/data/gai/apps/aihub', { data: { dev: 'a', prod: 'b' } })
  await vault.write('sys/sync/destinations/azure-kv/d-path', { ...AZURE_BODY })
  await vault.write('sys/sync/destinations/azure-kv/d-key', { ...AZURE_BODY, granularity: 'secret-key' })

  const readAssociation = async (id: string): Promise<Record<string, unknown>> => await terraformAssociationRead(vault, id)
  const accessor = (await vault.read('sys/mounts/team/kv')).data.accessor as string
  // The secret avoids a `/secret/` segment: the provider's greedy ID regex would split
  // `mount/team/kv/secret/gai/secret/aihub` at the last one (a client-side limit).

  for (const [dest, expectedKeys, subkeys] of [
    ['d-path', [`${accessor}/gai/apps/aihub`], []],
    ['d-key', [`${accessor}/gai/apps/aihub/dev`, `${accessor}/gai/apps/aihub/prod`], ['dev', 'prod']]
  ] as const) {
    await vault.write(`sys/sync/destinations/azure-kv/${dest}/associations/set`, { secret_name: 'gai/apps/aihub', mount: 'team/kv' })
    const id = `azure-kv/dest/${dest}/mount/team/kv/secret/gai/apps/aihub`
    const afterCreate = await readAssociation(id)
    t.same(Object.keys(afterCreate.sync_status as object).sort(), expectedKeys, `${dest}: entries found right after set`)
    t.same([...(afterCreate.subkeys as string[])].sort(), subkeys)
    t.same(Object.values(afterCreate.sync_status as object), expectedKeys.map(() => 'PENDING'))
    t.same(await readAssociation(id), afterCreate, `${dest}: a no-op re-apply reads identical state`)
    await vault.write(`sys/sync/destinations/azure-kv/${dest}/associations/remove`, { secret_name: 'gai/apps/aihub', mount: 'team/kv' })
    await vault.delete(`sys/sync/destinations/azure-kv/${dest}`)
    t.equal(await vault.read(`sys/sync/destinations/azure-kv/${dest}`), null, `${dest}: destroy completes (remove, then a plain DELETE)`)
  }
})

t.test('vault_secrets_sync_config: JSON merge patch then read, and delete resets', async (t) => {
  const server = await startTestServer(t)
  const vault = goLogical(server.address, ROOT_TOKEN)
  await vault.jsonMergePatch('sys/sync/config', { disabled: true, queue_capacity: 500 })
  t.same((await vault.read('sys/sync/config')).data, { disabled: true, queue_capacity: 500 })
  // disabled is always sent, even false; queue_capacity only when set.
  await vault.jsonMergePatch('sys/sync/config', { disabled: false })
  t.same((await vault.read('sys/sync/config')).data, { disabled: false, queue_capacity: 500 })
  await vault.delete('sys/sync/config')
  t.same((await vault.read('sys/sync/config')).data, { disabled: false, queue_capacity: 1000000 })
})
