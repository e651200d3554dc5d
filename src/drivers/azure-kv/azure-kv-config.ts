/**
 * `azure-kv` destination configuration (spec/vault-sync-api.md §3.5-3.7, §4; decisions D-15.6,
 * D-15.8, D-18, D-32.5): the connection fields `key_vault_uri`, `tenant_id`, `client_id`,
 * `client_secret`, `cloud`, with the server-side env fallbacks `KEY_VAULT_URI`,
 * `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` (read in `config.ts`, passed in
 * here; they apply at sync time, so a stored `""` means "use the fallback").
 *
 * Rules: values are stored as sent (Terraform compares what it reads back); `key_vault_uri` must
 * be `https://host[:port][/]`; `cloud` is one of the accepted names (default `cloud`);
 * `key_vault_uri`, `tenant_id` and `cloud` cannot change after create (an equal value is
 * accepted, D-15.6); `client_secret` is write-only, and `"*****"` sent back means unchanged.
 * Problems come back as `{ error }` with the exact 400 text (the service raises it).
 */
import { Type } from 'typebox'
import { named } from '../../openapi/schema-json.js'
import type { ConfigProblem, StoredConnection, SyncDriver } from '../driver.js'
import type { NetworkRules } from '../target-ops.js'
import type { AzureKvConnection } from './azure-kv-client.js'
import { resolveAzureCloud } from './azure-kv-clouds.js'

/** The four Vault-defined environment fallbacks, as read by `config.ts`. */
export interface AzureEnvDefaults {
  keyVaultUri?: string
  tenantId?: string
  clientId?: string
  clientSecret?: string
}

const CONNECTION_FIELDS = ['key_vault_uri', 'tenant_id', 'client_id', 'cloud'] as const
const IMMUTABLE = ['key_vault_uri', 'tenant_id', 'cloud'] as const
/** Accepted and ignored: `subscription_id` was dropped from the API (spec §9.10); DELETE-only fields. */
const IGNORED_FIELDS = ['subscription_id', 'purge', 'force_delete']

/** The redaction Vault uses for secret fields on reads. */
export const REDACTED = '*****'

/** `connection_details` of an `azure-kv` read (spec §3.7). */
export const AzureConnectionDetailsSchema = named('AzureKvConnectionDetails', Type.Object({
  client_id: Type.String({ description: 'Client ID of the Azure app registration' }),
  client_secret: Type.Optional(Type.Literal(REDACTED, { description: 'Always "*****" when a secret is stored' })),
  cloud: Type.String({ description: 'Azure cloud, "cloud" (public) by default' }),
  key_vault_uri: Type.String({ description: 'URI of the Azure Key Vault, as configured' }),
  tenant_id: Type.String({ description: 'Azure tenant ID' })
}, {
  examples: [{
    client_id: '11111111-2222-3333-4444-555555555555',
    client_secret: REDACTED,
    cloud: 'cloud',
    key_vault_uri: 'https://keyvault-1234abcd.vault.azure.net',
    tenant_id: '66666666-7777-8888-9999-000000000000'
  }]
}))

/**
 * The connection fields of an `azure-kv` write (spec §3.5), for the OpenAPI document; each may
 * be left out when the server's env fallback is set.
 */
export const AzureConnectionRequestSchema = Type.Object({
  key_vault_uri: Type.Optional(Type.String({ description: 'https URI of the Key Vault, no path (fallback KEY_VAULT_URI); immutable' })),
  tenant_id: Type.Optional(Type.String({ description: 'Azure tenant ID (fallback AZURE_TENANT_ID); immutable' })),
  client_id: Type.Optional(Type.String({ description: 'Client ID of the app registration (fallback AZURE_CLIENT_ID)' })),
  client_secret: Type.Optional(Type.String({ description: 'Client secret (fallback AZURE_CLIENT_SECRET); never read back' })),
  cloud: Type.Optional(Type.String({ description: 'Azure cloud: "cloud" (public, default), "usgovernment" or "china"; immutable' })),
  subscription_id: Type.Optional(Type.String({ description: 'Accepted and ignored (dropped from Vault\'s API)' }))
})

/**
 * Checks a Key Vault URI: `https://host[:port]` with an optional trailing `/`, no credentials,
 * path, query or fragment (the SDK cannot use a path prefix). Returns the problem or `undefined`.
 */
export function keyVaultUriProblem (uri: string): string | undefined {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return 'is not a URL'
  }
  if (url.protocol !== 'https:') return 'must use https://'
  if (url.username !== '' || url.password !== '') return 'must not contain credentials'
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || /[?#]/.test(uri)) return 'must not have a path, query or fragment'
  // DNS limits: a host name is at most 253 characters; an explicit port is 1-65535.
  if (url.hostname.length > 253) return 'must have a host name of at most 253 characters'
  if (url.port !== '' && Number(url.port) < 1) return 'must have a port between 1 and 65535'
  return undefined
}

/** A Key Vault URI reduced for comparisons: lower-case origin (default port dropped). */
function comparableUri (uri: string): string {
  try { return new URL(uri).origin.toLowerCase() } catch { return uri }
}

function comparable (fieldName: typeof IMMUTABLE[number], value: string): string {
  if (fieldName === 'key_vault_uri') return comparableUri(value)
  if (fieldName === 'cloud') return resolveAzureCloud(value) ?? value
  return value.trim().toLowerCase()
}

/** No rules beyond the defaults (public addresses, ports 80 and 443). */
const DEFAULT_NETWORK: NetworkRules = { allowedIpv4: [], allowedIpv6: [], allowedPorts: [], disableStrictNetworking: false }

/**
 * The connection an `azure-kv` destination uses (for the worker's client): stored values, else
 * the env fallbacks; the cloud as stored (`cloud` when empty); the SSRF rules of its options.
 */
export function effectiveAzureConnection (stored: StoredConnection, env: AzureEnvDefaults, network: NetworkRules = DEFAULT_NETWORK): AzureKvConnection {
  const c = stored.connection
  return {
    keyVaultUri: c.key_vault_uri !== '' ? c.key_vault_uri : env.keyVaultUri ?? '',
    tenantId: c.tenant_id !== '' ? c.tenant_id : env.tenantId ?? '',
    clientId: c.client_id !== '' ? c.client_id : env.clientId ?? '',
    clientSecret: (stored.secrets.client_secret ?? '') !== '' ? stored.secrets.client_secret : env.clientSecret ?? '',
    cloud: c.cloud === '' ? 'cloud' : c.cloud,
    network
  }
}

/** The configuration half of the `azure-kv` driver. */
export type AzureKvConfiguration = Pick<SyncDriver<AzureKvConnection>, 'connectionFields' | 'ignoredFields' | 'writeConnection' |
'connectionDetailsSchema' | 'connectionRequestSchema' | 'connectionDetails' | 'connect'>

/** Creates the configuration half of the `azure-kv` driver over the server's env fallbacks. */
export function azureKvConfiguration (env: AzureEnvDefaults): AzureKvConfiguration {
  const fallbacks: Record<string, [string, string | undefined]> = {
    key_vault_uri: ['KEY_VAULT_URI', env.keyVaultUri],
    tenant_id: ['AZURE_TENANT_ID', env.tenantId],
    client_id: ['AZURE_CLIENT_ID', env.clientId],
    client_secret: ['AZURE_CLIENT_SECRET', env.clientSecret]
  }

  function writeConnection (stored: StoredConnection | undefined, fields: Readonly<Record<string, string | undefined>>): StoredConnection | ConfigProblem {
    const connection: Record<string, string> = { key_vault_uri: '', tenant_id: '', client_id: '', cloud: '', ...stored?.connection }
    for (const f of CONNECTION_FIELDS) {
      const v = fields[f]
      if (v === undefined) continue
      if (stored !== undefined && (IMMUTABLE as readonly string[]).includes(f)) {
        const f2 = f as typeof IMMUTABLE[number]
        const before = stored.connection[f] !== '' ? stored.connection[f] : fallbacks[f]?.[1] ?? ''
        if (comparable(f2, v) !== comparable(f2, before)) return { error: `${f} cannot be changed after creation; create a new destination` }
        continue
      }
      connection[f] = v
    }
    const secrets: Record<string, string> = { ...stored?.secrets }
    const secret = fields.client_secret
    // The UI and naive clients send the redaction back: it means "unchanged" (spec §3.6, §9.12).
    if (secret !== undefined && !/^\*+$/.test(secret)) secrets.client_secret = secret

    // Checked on every write: an update may also clear a field (e.g. `client_secret: ""`).
    for (const [f, [variable, fallback]] of Object.entries(fallbacks)) {
      const value = f === 'client_secret' ? secrets.client_secret ?? '' : connection[f]
      if (value === '' && (fallback ?? '') === '') return { error: `${f} is required (or set the server's ${variable} environment variable)` }
    }
    const uri = connection.key_vault_uri !== '' ? connection.key_vault_uri : env.keyVaultUri ?? ''
    const problem = keyVaultUriProblem(uri)
    if (problem !== undefined) {
      const origin = connection.key_vault_uri !== '' ? 'key_vault_uri' : 'key_vault_uri (from KEY_VAULT_URI)'
      return { error: `${origin} ${problem}, e.g. https://my-vault.vault.azure.net` }
    }
    if (resolveAzureCloud(connection.cloud) === undefined) {
      return { error: 'cloud: unsupported value: use "cloud" (Azure public cloud), "usgovernment" or "china"' }
    }
    return { connection, secrets }
  }

  return {
    connectionDetailsSchema: AzureConnectionDetailsSchema,
    connectionRequestSchema: AzureConnectionRequestSchema,
    connectionFields: [...CONNECTION_FIELDS, 'client_secret'],
    ignoredFields: IGNORED_FIELDS,
    writeConnection,
    connectionDetails: (stored) => {
      const c = stored.connection
      // Key order as Vault's JSON (sorted); client_secret only when one is stored.
      const details: Record<string, unknown> = { client_id: c.client_id }
      if ((stored.secrets.client_secret ?? '') !== '') details.client_secret = REDACTED
      details.cloud = c.cloud === '' ? 'cloud' : c.cloud
      details.key_vault_uri = c.key_vault_uri
      details.tenant_id = c.tenant_id
      return details
    },
    connect: (stored, network) => effectiveAzureConnection(stored, env, network)
  }
}
