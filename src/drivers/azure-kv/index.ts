/**
 * The `azure-kv` driver (spec/vault-sync-api.md §3.5-3.7; spec/azure-keyvault-api.md): Azure Key
 * Vault as a `SyncDriver`. Configuration lives in `azure-kv-config.ts`, naming rules in
 * `azure-kv-names.ts`, the push half in `azure-kv-driver.ts` over cached SDK clients and a
 * per-vault limiter. The SDK clients and the limiter are built on the first `apply`, so a server
 * that never syncs (worker off) never reads the CA file or loads the SDK.
 */
import type { AzureRequestHook } from '../../metrics/azure-request-policy.js'
import type { DestinationLimits, SyncDriver } from '../driver.js'
import { createAzureKvClients, vaultOrigin, type AzureKvConnection } from './azure-kv-client.js'
import { azureKvConfiguration, type AzureEnvDefaults } from './azure-kv-config.js'
import { AZURE_MAX_VALUE_LENGTH, createAzureKvDriver, type AzureKvDriver, type AzureKvDriverDeps } from './azure-kv-driver.js'
import { azureKvDriftRound } from './azure-kv-drift.js'
import { classifyAzureError, isTokenRefusal } from './azure-kv-errors.js'
import { DEFAULT_VAULT_LIMITS, createVaultLimiter } from './azure-kv-limits.js'
import { azureCollisionKey, nameCollisionMessage, toAzureName } from './azure-kv-names.js'

export type { AzureEnvDefaults, AzureKvConnection }

/** Key Vault's limits (decisions D-3; spec/azure-keyvault-api.md §3): 15 tags of 1-256 characters, 25,600-character values. */
export const AZURE_KV_LIMITS: DestinationLimits = { label: 'Azure', maxTags: 15, maxTagLength: 256, maxValueLength: AZURE_MAX_VALUE_LENGTH }

/** Operator-level settings of every azure-kv destination (decisions D-18; `config.azure`). */
export interface AzureKvOperatorSettings {
  /** Overrides the cloud's Entra authority host (`VAULT_SYNC_AZURE_AUTHORITY_HOST`). */
  authorityHost: string | undefined
  /** Extra CA certificates, PEM file (`VAULT_SYNC_AZURE_CA_FILE`). */
  caFile: string | undefined
  disableInstanceDiscovery: boolean
  disableChallengeResourceVerification: boolean
  /** Allow loopback Key Vault addresses on any port (`-dev`, `VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS`). */
  allowLoopbackDestinations: boolean
  /** Concurrent requests per vault and operation kind. */
  maxConcurrency: number
  /** Azure SDK pipeline retries per request (0: the worker owns retries). */
  sdkMaxRetries: number
  /** Long-running operation poll interval and bound, ms. */
  pollIntervalMs: number
  pollTimeoutMs: number
  /** Bound on each HTTP request to Key Vault or Entra, ms (`request-timeout.ts`). */
  requestTimeoutMs: number
}

/** What the azure-kv driver is built from. */
export interface AzureKvDriverSettings {
  /** Vault's server-side fallbacks for connection fields left empty (`KEY_VAULT_URI`, `AZURE_*`). */
  env: Readonly<AzureEnvDefaults>
  operator: Readonly<AzureKvOperatorSettings>
  /** Told of every Azure SDK request (each retry): metrics. */
  onRequest?: AzureRequestHook
}

/** Creates the `azure-kv` driver. */
export function createAzureKv ({ env, operator, onRequest }: AzureKvDriverSettings): SyncDriver<AzureKvConnection> {
  let push: AzureKvDriver | undefined
  // The SDK clients and the limiter, shared by the push half and drift rounds (issue 21).
  let shared: Pick<AzureKvDriverDeps, 'clients' | 'limiter'> | undefined
  const parts = (): Pick<AzureKvDriverDeps, 'clients' | 'limiter'> => (shared ??= {
    clients: createAzureKvClients({
      authorityHost: operator.authorityHost,
      caFile: operator.caFile,
      disableInstanceDiscovery: operator.disableInstanceDiscovery,
      disableChallengeResourceVerification: operator.disableChallengeResourceVerification,
      allowLoopback: operator.allowLoopbackDestinations,
      sdkMaxRetries: operator.sdkMaxRetries,
      requestTimeoutMs: operator.requestTimeoutMs,
      onRequest,
      maxSockets: 2 * operator.maxConcurrency, // one pool per vault client, sized to the limiter's two lanes
      warmSockets: operator.maxConcurrency // opened ahead of need: a full lane of writes
    }),
    limiter: createVaultLimiter({ ...DEFAULT_VAULT_LIMITS, concurrency: operator.maxConcurrency })
  })
  const pushHalf = (): AzureKvDriver => (push ??= createAzureKvDriver({
    ...parts(),
    pollIntervalMs: operator.pollIntervalMs,
    pollTimeoutMs: operator.pollTimeoutMs
  }))
  return {
    type: 'azure-kv',
    ...azureKvConfiguration(env),
    externalName: toAzureName,
    collisionKey: azureCollisionKey,
    collisionMessage: nameCollisionMessage,
    limits: AZURE_KV_LIMITS,
    endpointKey: (conn) => { try { return vaultOrigin(conn.keyVaultUri) } catch { return undefined } },
    apply: async (conn, ops, signal) => await pushHalf().apply(conn, ops, signal),
    warm: async (conn) => { await pushHalf().warm(conn) },
    async drift (conn, targets, o) {
      const { clients, limiter } = parts()
      let used
      try {
        used = await clients.clientFor(conn)
      } catch (err) {
        throw classifyAzureError(err, `connect to ${conn.keyVaultUri}`)
      }
      const { client, origin } = used
      try {
        return await azureKvDriftRound(client, async (fn) => await limiter.runBackground(origin, 'other', o.share, fn, o.signal), targets, o)
      } catch (err) {
        // A token Key Vault refused: the next round (or sync) builds a new client, as the push half does.
        if (isTokenRefusal(err)) clients.evict(conn, used)
        throw err
      }
    }
  }
}
