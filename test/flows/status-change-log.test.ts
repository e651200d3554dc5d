// Issue 14.13 (and issue 19's "exactly one warn line"): a real `server -dev` process logs an
// association's change into an error status as exactly ONE warn line naming the destination,
// the association and the message (never the secret value), however many attempts keep failing,
// and its way back as one info line.
// SQLite only, whatever VAULT_SYNC_TEST_STORAGE says: `server -dev` runs on its `-dev-db` file.
import { readFileSync } from 'node:fs'
import t from 'tap'
import type { AkvEmulator } from '../../src/akv-emulator/index.js'
import { startDevProcess } from '../../src/demo/dev-process.js'
import { adminClient } from '../akv-emulator/raw.js'

const VALUE = 'never-log-this-value-7f3a'
const SET_SECRET = 'Microsoft.KeyVault/vaults/secrets/setSecret/action'

t.test('one warn line into CLIENT_SIDE_ERROR, one info line back to SYNCED', async (t) => {
  const dev = await startDevProcess({ env: { VAULT_SYNC_LOG_LEVEL: 'info', VAULT_SYNC_CLIENT_ERROR_RETRY: '50ms' } })
  t.teardown(async () => { await dev.stop() })
  const akv = dev.info.akv!
  const admin = adminClient(t, { info: akv, caPem: readFileSync(akv.ca_file, 'utf8') } as unknown as AkvEmulator)
  const vaultName = akv.vaults[0].name
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${dev.info.address}/v1/${path}`, { method, headers: { 'x-vault-token': dev.info.root_token }, body: body === undefined ? undefined : JSON.stringify(body) })
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    return res.status === 204 ? undefined : await res.json()
  }
  const status = async (): Promise<string | undefined> => {
    const entries = Object.values((await api('GET', 'sys/sync/destinations/azure-kv/d1/associations')).data.associated_secrets) as Array<{ sync_status: string }>
    return entries[0]?.sync_status
  }
  const until = async (what: string, done: () => Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 600; i++) {
      if (await done()) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`${what} did not happen; server output:\n${dev.output()}`)
  }
  const setSecretCalls = async (): Promise<number> =>
    ((await admin('GET', `/requests?vault=${vaultName}`)).body as { entries: Array<{ operation?: string }> }).entries.filter((r) => r.operation === 'SetSecret').length

  t.equal((await admin('PATCH', `/vaults/${vaultName}/settings`, { policy: { rbacDenies: [{ dataAction: SET_SECRET }] } })).status, 200)
  await api('POST', 'sys/sync/destinations/azure-kv/d1', { key_vault_uri: akv.vault_uri, tenant_id: akv.tenant_id, client_id: akv.client_id, client_secret: akv.client_secret, secret_name_template: '{{ .SecretBaseName }}' })
  await api('PUT', 'secret/data/app', { data: { password: VALUE } })
  await api('PUT', 'sys/sync/destinations/azure-kv/d1/associations/set', { mount: 'secret', secret_name: 'app' })
  await until('CLIENT_SIDE_ERROR', async () => await status() === 'CLIENT_SIDE_ERROR')
  await until('three refused attempts', async () => await setSecretCalls() >= 3)
  t.equal((await admin('PATCH', `/vaults/${vaultName}/settings`, { policy: { rbacDenies: [] } })).status, 200)
  await until('SYNCED', async () => await status() === 'SYNCED')
  t.equal(await dev.stop(), 0)

  const lines = dev.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
  const changes = lines.filter((l) => l.association !== undefined && l.destination !== undefined)
  const warns = changes.filter((l) => l.level === 40)
  t.equal(warns.length, 1, 'exactly one warn line for the change into the error status')
  t.match(warns[0], { destination: 'azure-kv/d1', association: 'secret/app', status: 'CLIENT_SIDE_ERROR', message: /ForbiddenByRbac/ })
  const infos = changes.filter((l) => l.level === 30)
  t.equal(infos.length, 1, 'one info line on the way back')
  t.match(infos[0], { destination: 'azure-kv/d1', association: 'secret/app', status: 'SYNCED', previous_status: 'CLIENT_SIDE_ERROR' })
  t.notOk(dev.output().includes(VALUE), 'the secret value is never logged')
})
