/**
 * The demo's view of Azure Key Vault: the real `@azure/keyvault-secrets` SecretClient with an
 * `@azure/identity` ClientSecretCredential, configured for the built-in emulator exactly as
 * `src/akv-emulator/README.md` says (authority host, no instance discovery, no challenge
 * resource check, the emulator's CA). Reads are printed as small tables; values masked unless
 * `showSecrets`.
 */
import { readFileSync } from 'node:fs'
import { ClientSecretCredential } from '@azure/identity'
import { SecretClient, type KeyVaultSecret } from '@azure/keyvault-secrets'
import type { AkvEmulatorInfo } from '../akv-emulator/index.js'
import { MASK, fmtMs, maskLeaves, type Report } from './report.js'

/** What the demo shows of one Azure secret. */
export interface AzureSecretView {
  name: string
  value: string
  version: string
  contentType: string | undefined
  tags: Record<string, string>
}

/** The SDK's HTTP status of a failed call, if any. */
function statusOf (err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode
}

/** Creates the reader for the emulator described by `akv`. */
export function createAzureView (report: Report, akv: AkvEmulatorInfo) {
  const ca = readFileSync(akv.ca_file, 'utf8')
  const credential = new ClientSecretCredential(akv.tenant_id, akv.client_id, akv.client_secret, {
    authorityHost: akv.authority_host, disableInstanceDiscovery: true, tlsOptions: { ca }
  })
  const client = new SecretClient(akv.vault_uri, credential, {
    disableChallengeResourceVerification: true, tlsOptions: { ca }, retryOptions: { maxRetries: 0 }
  })

  /** The value as shown: JSON values keep their structure with masked leaves; text is masked whole. */
  function shownValue (value: string, contentType: string | undefined): string {
    if (report.showSecrets) return value
    if (contentType === 'application/json') {
      try { return JSON.stringify(maskLeaves(JSON.parse(value))) } catch { return MASK }
    }
    return MASK
  }

  /** `client.getSecret(name)`, printed as a table. Throws the SDK error (404 included). */
  async function get (name: string): Promise<AzureSecretView> {
    report.line(report.dim(`  Azure SDK: await client.getSecret(${JSON.stringify(name)})`))
    const start = performance.now()
    const s: KeyVaultSecret = await client.getSecret(name)
    const view: AzureSecretView = { name: s.name, value: s.value ?? '', version: s.properties.version ?? '', contentType: s.properties.contentType, tags: s.properties.tags ?? {} }
    report.table([
      ['name', view.name],
      ['value', shownValue(view.value, view.contentType)],
      ['content type', view.contentType ?? '(none)'],
      ['version', view.version],
      ['tags', Object.entries(view.tags).map(([k, v]) => `${k}=${v}`).join(', ')],
      ['read in', fmtMs(performance.now() - start)]
    ])
    return view
  }

  /** Versions of `name` (`listPropertiesOfSecretVersions`), oldest first. */
  async function versions (name: string): Promise<string[]> {
    report.line(report.dim(`  Azure SDK: client.listPropertiesOfSecretVersions(${JSON.stringify(name)})`))
    const out: Array<{ v: string, at: number }> = []
    for await (const p of client.listPropertiesOfSecretVersions(name)) out.push({ v: p.version ?? '', at: p.createdOn?.getTime() ?? 0 })
    return out.sort((a, b) => a.at - b.at).map((x) => x.v)
  }

  /**
   * Where `name` is now: `active`, `soft-deleted` (recoverable) or `absent` (never there or
   * purged), asked with `getSecret` then `getDeletedSecret`, both printed.
   */
  async function state (name: string): Promise<'active' | 'soft-deleted' | 'absent'> {
    report.line(report.dim(`  Azure SDK: await client.getSecret(${JSON.stringify(name)})`))
    try {
      await client.getSecret(name)
      report.line('    found (active)')
      return 'active'
    } catch (err) {
      if (statusOf(err) !== 404) throw err
      report.line(`    404 ${(err as { code?: string }).code ?? ''}: ${(err as Error).message}`)
    }
    report.line(report.dim(`  Azure SDK: await client.getDeletedSecret(${JSON.stringify(name)})`))
    try {
      const d = await client.getDeletedSecret(name)
      report.line(`    soft-deleted on ${d.properties.deletedOn?.toISOString() ?? '?'}, purge scheduled for ${d.properties.scheduledPurgeDate?.toISOString() ?? '?'}`)
      return 'soft-deleted'
    } catch (err) {
      if (statusOf(err) !== 404) throw err
      report.line(`    404 ${(err as { code?: string }).code ?? ''}: not in the deleted secrets either (purged)`)
      return 'absent'
    }
  }

  return { get, versions, state }
}

export type AzureView = ReturnType<typeof createAzureView>
