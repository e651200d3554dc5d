// The seed workflow of Vault's Azure Key Vault sync guide (decisions D-19) as curl sends it:
// `--data @payload.json` (so `application/x-www-form-urlencoded`), PUT for `vault write`,
// string-typed booleans and numbers, `k=v` map strings, the LIST verb; real curl, real socket.
import t from 'tap'
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT_TOKEN, startTestServer } from '../helper.js'
import { CLIENT_SECRET } from '../sync-fixtures.js'

interface CurlResult { status: number, body: any }

const ENVELOPE_KEYS = ['auth', 'data', 'lease_duration', 'lease_id', 'mount_type', 'renewable', 'request_id', 'warnings', 'wrap_info']

t.test('the seed calls succeed with the spec\'s shapes', async (t) => {
  const server = await startTestServer(t)
  let n = 0
  const curl = async (method: string, path: string, payload?: Record<string, unknown>, headers: string[] = []): Promise<CurlResult> => {
    const args = ['-sS', '--header', `X-Vault-Token: ${ROOT_TOKEN}`, '--request', method, '-w', '\n%{http_code}']
    for (const h of headers) args.push('--header', h)
    if (payload !== undefined) {
      const file = join(server.dir, `payload-${n++}.json`)
      writeFileSync(file, JSON.stringify(payload))
      args.push('--data', `@${file}`)
    }
    args.push(`${server.address}/v1/${path}`)
    const out = await new Promise<string>((resolve, reject) => {
      execFile('curl', args, (err, stdout, stderr) => { if (err !== null) reject(new Error(stderr)); else resolve(stdout) })
    })
    const i = out.lastIndexOf('\n')
    const text = out.slice(0, i)
    return { status: Number(out.slice(i + 1)), body: text === '' ? undefined : JSON.parse(text) }
  }
  const okEnvelope = (r: CurlResult, what: string): void => {
    t.equal(r.status, 200, what)
    t.same(Object.keys(r.body).sort(), ENVELOPE_KEYS, `${what}: full envelope`)
    t.equal(r.body.mount_type, 'system')
  }

  t.equal((await curl('POST', 'sys/mounts/my-kv', { type: 'kv-v2' })).status, 204)
  t.equal((await curl('PUT', 'my-kv/data/my-secret', { data: { foo: 'bar' }, options: {} })).status, 200)

  const dest = await curl('PUT', 'sys/sync/destinations/azure-kv/my-azure-1', {
    key_vault_uri: 'https://keyvault-1234abcd.vault.azure.net',
    client_id: '11111111-2222-3333-4444-555555555555',
    client_secret: CLIENT_SECRET,
    tenant_id: '66666666-7777-8888-9999-000000000000',
    custom_tags: 'team=payments',
    allowed_ports: '443',
    disable_strict_networking: 'true'
  })
  okEnvelope(dest, 'destination write')
  t.same(Object.keys(dest.body.data).sort(), ['connection_details', 'name', 'options', 'type'])
  t.same(dest.body.data.connection_details, {
    client_id: '11111111-2222-3333-4444-555555555555', client_secret: '*****', cloud: 'cloud',
    key_vault_uri: 'https://keyvault-1234abcd.vault.azure.net', tenant_id: '66666666-7777-8888-9999-000000000000'
  })
  t.match(dest.body.data.options, { custom_tags: { team: 'payments' }, granularity_level: 'secret-path', allowed_ports: [443], disable_strict_networking: true })
  t.equal(dest.body.data.options.secret_name_template, 'vault/{{ .MountAccessor }}/{{ .SecretPath }}')
  t.notMatch(JSON.stringify(dest.body), CLIENT_SECRET)

  const accessor = (await curl('GET', 'sys/mounts/my-kv')).body.data.accessor as string
  const set = await curl('PUT', 'sys/sync/destinations/azure-kv/my-azure-1/associations/set', { mount: 'my-kv', secret_name: 'my-secret' })
  okEnvelope(set, 'associations/set')
  t.match(set.body.data, { store_name: 'my-azure-1', store_type: 'azure-kv', associated_secrets: { [`${accessor}/my-secret`]: { accessor, mount: 'my-kv', secret_name: 'my-secret', sync_status: 'PENDING' } } })
  const assocs = await curl('GET', 'sys/sync/destinations/azure-kv/my-azure-1/associations')
  okEnvelope(assocs, 'associations read')
  t.same(assocs.body.data, set.body.data)

  const listed = await curl('LIST', 'sys/sync/destinations')
  okEnvelope(listed, 'LIST destinations')
  t.same(listed.body.data, { keys: ['azure-kv/'], key_info: { 'azure-kv/': ['my-azure-1'] }, total_destinations: 1 })
  const config = await curl('PATCH', 'sys/sync/config', { disabled: 'true' }, ['Content-Type: application/merge-patch+json'])
  okEnvelope(config, 'config patch')
  t.same(config.body.data, { disabled: true, queue_capacity: 1000000 })

  t.equal((await curl('PUT', 'my-kv/data/my-secret', { data: { foo: 'baz' }, options: {} })).status, 200)
  const removed = await curl('PUT', 'sys/sync/destinations/azure-kv/my-azure-1/associations/remove', { mount: 'my-kv', secret_name: 'my-secret' })
  okEnvelope(removed, 'associations/remove')
  t.equal(removed.body.data.associated_secrets[`${accessor}/my-secret`].sync_status, 'UNSYNCING')
  t.equal((await curl('DELETE', 'my-kv/metadata/my-secret')).status, 204)
  const del = await curl('DELETE', 'sys/sync/destinations/azure-kv/my-azure-1')
  t.equal(del.status, 204)
  t.equal(del.body, undefined)
  t.equal((await curl('GET', 'sys/sync/destinations/azure-kv/my-azure-1')).status, 404)
})
