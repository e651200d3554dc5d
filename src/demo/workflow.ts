/**
 * The secrets-sync workflow of `npm run demo`, step by step through the HTTP API (Vault's Azure
 * Key Vault sync guide, decisions D-19), each result checked against Azure Key Vault with the
 * real Azure SDK: a `secret-path` destination (one Azure secret holding the KV data as JSON),
 * then a `secret-key` destination (one Azure secret per key, purged on unsync).
 */
import { expect, type Report } from './report.js'
import type { AzureView } from './azure-view.js'
import type { VaultApi } from './vault-api.js'

/** Connection details of the Key Vault to sync into. */
export interface KeyVaultTarget { key_vault_uri: string, tenant_id: string, client_id: string, client_secret: string }

/** Everything a workflow needs. */
export interface WorkflowContext {
  report: Report
  vault: VaultApi
  azure: AzureView
  kv: KeyVaultTarget
  /** Bound on each wait for a sync status, ms. */
  timeoutMs: number
}

/** Steps each workflow prints (for the `[n/N]` counter). */
export const PATH_FLOW_STEPS = 10
export const KEY_FLOW_STEPS = 8

const MOUNT = 'demo-kv'

/** Azure's name rule (decisions D-20): every character outside `[0-9A-Za-z-]` becomes `-`. */
export const azureName = (rendered: string): string => [...rendered].map((c) => (/^[0-9A-Za-z-]$/.test(c) ? c : '-')).join('')

/** Go's `json.Marshal` of a flat map of plain ASCII strings and numbers: keys sorted, no spaces. */
const sortedJson = (data: Record<string, unknown>): string => JSON.stringify(Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1))))

/** The KV v2 write body, and its version's `created_time` from the response. */
async function writeSecret (ctx: WorkflowContext, path: string, data: Record<string, unknown>, version: number): Promise<string> {
  const r = await ctx.vault.call('PUT', `${MOUNT}/data/${path}`, { data }, { maskData: true })
  expect(r.body.data.version === version, `expected KV version ${version}, got ${r.body.data.version}`)
  ctx.report.check(`${MOUNT}/${path} is at version ${version}`)
  return r.body.data.created_time as string
}

/** Checks the built-in ownership tag (decisions D-3) and the custom tags on an Azure secret. */
function checkTags (ctx: WorkflowContext, tags: Record<string, string>, custom: Record<string, string>): void {
  expect(/^vault-sync:[0-9a-f-]{36}:[0-9a-f-]{36}$/.test(tags['hashicorp:vault'] ?? ''), `missing or malformed hashicorp:vault tag: ${JSON.stringify(tags)}`)
  for (const [k, v] of Object.entries(custom)) expect(tags[k] === v, `tag ${k} should be ${v}: ${JSON.stringify(tags)}`)
  ctx.report.check(`tags: ownership tag hashicorp:vault plus ${Object.entries(custom).map(([k, v]) => `${k}=${v}`).join(', ')}`)
}

/** The `secret-path` workflow (10 steps). */
export async function secretPathFlow (ctx: WorkflowContext): Promise<void> {
  const { report, vault, azure } = ctx
  const dest = 'demo-azure'
  const v1 = { username: 'app', password: 'correct-horse-1' }
  const v2 = { username: 'app', password: 'correct-horse-2' }
  report.section('secret-path: one Azure secret per KV secret, its value the JSON of the KV data')

  await report.step(`Mount a KV v2 secrets engine at ${MOUNT}/`, async () => {
    await vault.call('POST', `sys/mounts/${MOUNT}`, { type: 'kv-v2' }, { expectStatus: 204 })
  })
  await report.step(`Write the secret ${MOUNT}/my-app`, async () => { await writeSecret(ctx, 'my-app', v1, 1) })
  await report.step(`Create the azure-kv destination ${dest}`, async () => {
    const r = await vault.call('PUT', `sys/sync/destinations/azure-kv/${dest}`, { ...ctx.kv, custom_tags: { team: 'demo' } }, { mask: ['client_secret'] })
    expect(r.body.data.connection_details.client_secret === '*****', 'client_secret must read back as *****')
    report.check('client_secret is stored encrypted and reads back as *****')
  })
  await report.step(`Associate ${MOUNT}/my-app with ${dest}`, async () => {
    await vault.call('PUT', `sys/sync/destinations/azure-kv/${dest}/associations/set`, { mount: MOUNT, secret_name: 'my-app' })
  })
  const [entry] = await report.step(`Read the association of ${MOUNT}/my-app until it is SYNCED`, async () =>
    await vault.waitForStatus(dest, 'my-app', 'SYNCED', { timeoutMs: ctx.timeoutMs }))
  const name = azureName(`vault/${entry.accessor}/my-app`)
  const first = await report.step(`Read the Azure secret of ${MOUNT}/my-app from Azure Key Vault (Azure SDK)`, async () => {
    report.note(`expected name: ${name} (default template vault/{{ .MountAccessor }}/{{ .SecretPath }}, normalised)`)
    const s = await azure.get(name)
    expect(s.value === sortedJson(v1), 'the Azure value is not the JSON of the KV data')
    expect(s.contentType === 'application/json', `content type ${String(s.contentType)}, expected application/json`)
    report.check('value is the KV data as JSON (keys sorted, as Vault encodes it), content type application/json')
    checkTags(ctx, s.tags, { team: 'demo' })
    return s
  })
  await report.step(`Write version 2 of ${MOUNT}/my-app and wait until it is SYNCED`, async () => {
    const created = await writeSecret(ctx, 'my-app', v2, 2)
    await vault.waitForStatus(dest, 'my-app', 'SYNCED', { after: created, timeoutMs: ctx.timeoutMs })
  })
  await report.step(`Read the new Azure version of ${MOUNT}/my-app (Azure SDK)`, async () => {
    const s = await azure.get(name)
    expect(s.value === sortedJson(v2), 'the Azure value is not version 2 of the KV data')
    expect(s.version !== first.version, 'Azure still shows the first version')
    const versions = await azure.versions(name)
    expect(versions.length === 2 && versions[1] === s.version, `expected 2 Azure versions ending with ${s.version}, got ${versions.join(', ')}`)
    report.check(`a new Azure version ${s.version} (was ${first.version}); ${versions.length} versions in Azure`)
  })
  await report.step(`Remove the association of ${MOUNT}/my-app and wait until it is UNSYNCED`, async () => {
    await vault.call('PUT', `sys/sync/destinations/azure-kv/${dest}/associations/remove`, { mount: MOUNT, secret_name: 'my-app' })
    await vault.waitForStatus(dest, 'my-app', 'UNSYNCED', { timeoutMs: ctx.timeoutMs })
  })
  await report.step(`Show the Azure secret of ${MOUNT}/my-app is gone (Azure SDK)`, async () => {
    const state = await azure.state(name)
    expect(state === 'soft-deleted', `expected the secret to be soft-deleted (purge_on_unsync is off), it is ${state}`)
    report.check('deleted from Azure Key Vault; soft-deleted and recoverable, since purge_on_unsync is off')
  })
}

/** The `secret-key` workflow (8 steps). */
export async function secretKeyFlow (ctx: WorkflowContext): Promise<void> {
  const { report, vault, azure } = ctx
  const dest = 'demo-azure-keys'
  const template = '{{ .MountPath }}-{{ .SecretPath }}-{{ .SecretKey }}'
  const v1 = { host: 'db.internal', port: 5432, password: 's3cr3t-1' }
  const v2 = { ...v1, password: 's3cr3t-2' }
  const names = { host: `${MOUNT}-database-host`, port: `${MOUNT}-database-port`, password: `${MOUNT}-database-password` }
  const expected = (d: typeof v1): Record<string, { value: string, contentType: string }> => ({
    host: { value: d.host, contentType: 'text/plain' },
    port: { value: String(d.port), contentType: 'application/json' },
    password: { value: d.password, contentType: 'text/plain' }
  })
  report.section('secret-key: one Azure secret per top-level key, purged on unsync')

  await report.step(`Write the secret ${MOUNT}/database`, async () => { await writeSecret(ctx, 'database', v1, 1) })
  await report.step(`Create the secret-key destination ${dest}`, async () => {
    await vault.call('PUT', `sys/sync/destinations/azure-kv/${dest}`, {
      ...ctx.kv, granularity: 'secret-key', secret_name_template: template, custom_tags: { team: 'demo' }, purge_on_unsync: true
    }, { mask: ['client_secret'] })
  })
  await report.step(`Associate ${MOUNT}/database and read until every key is SYNCED`, async () => {
    await vault.call('PUT', `sys/sync/destinations/azure-kv/${dest}/associations/set`, { mount: MOUNT, secret_name: 'database' })
    const entries = await vault.waitForStatus(dest, 'database', 'SYNCED', { timeoutMs: ctx.timeoutMs, minEntries: 3 })
    expect(entries.map((e) => e.sub_key).sort().join() === 'host,password,port', 'expected one entry per key: host, password, port')
  })
  const firstVersions: Record<string, string> = {}
  await report.step(`Read the three Azure secrets of ${MOUNT}/database from Azure Key Vault (Azure SDK)`, async () => {
    for (const [key, want] of Object.entries(expected(v1))) {
      const s = await azure.get(names[key as keyof typeof names])
      expect(s.value === want.value && s.contentType === want.contentType, `${s.name}: expected the ${want.contentType} value of "${key}"`)
      checkTags(ctx, s.tags, { team: 'demo' })
      firstVersions[key] = s.version
    }
    report.check('strings are stored raw (text/plain), the number as JSON (application/json)')
  })
  await report.step(`Change the password of ${MOUNT}/database (version 2) and wait until SYNCED`, async () => {
    const created = await writeSecret(ctx, 'database', v2, 2)
    await vault.waitForStatus(dest, 'database', 'SYNCED', { after: created, timeoutMs: ctx.timeoutMs, minEntries: 3 })
  })
  await report.step(`Read the Azure versions of ${MOUNT}/database: only the password changed (Azure SDK)`, async () => {
    for (const [key, want] of Object.entries(expected(v2))) {
      const s = await azure.get(names[key as keyof typeof names])
      expect(s.value === want.value, `${s.name}: the value is not version 2's`)
      const changed = s.version !== firstVersions[key]
      expect(changed === (key === 'password'), `${s.name}: ${changed ? 'a new version although its value did not change' : 'no new version although its value changed'}`)
    }
    report.check('password has a new Azure version; host and port kept theirs (no churn for unchanged values)')
  })
  await report.step(`Remove the association of ${MOUNT}/database and wait until it is UNSYNCED`, async () => {
    await vault.call('PUT', `sys/sync/destinations/azure-kv/${dest}/associations/remove`, { mount: MOUNT, secret_name: 'database' })
    await vault.waitForStatus(dest, 'database', 'UNSYNCED', { timeoutMs: ctx.timeoutMs, minEntries: 1 })
  })
  await report.step(`Show the three Azure secrets of ${MOUNT}/database are gone, purged (Azure SDK)`, async () => {
    for (const name of Object.values(names)) {
      const state = await azure.state(name)
      expect(state === 'absent', `${name} should be purged (purge_on_unsync is on), it is ${state}`)
    }
    report.check('deleted and purged: purge_on_unsync is on for this destination')
  })
}
