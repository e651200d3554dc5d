/**
 * Builds (and caches) the Azure SDK clients of a destination: `ClientSecretCredential` +
 * `SecretClient` with the options that make them work against any Azure cloud, a private
 * endpoint or the built-in emulator (spec/azure-sdk-offline.md §2, §4; decisions D-9, D-18,
 * D-32.9). The cache key covers everything that changes authentication, so a rotated
 * `client_secret` builds a new credential instead of reusing tokens of the old one. Every
 * request either of them sends, to Key Vault or to Entra, is bounded by `requestTimeoutMs`
 * (`request-timeout.ts`), and the credential's failures say how Entra answered (`entra-answers.ts`).
 */
import { createHash } from 'node:crypto'
import { Agent } from 'node:https'
import { isIP } from 'node:net'
import type { TokenCredential } from '@azure/identity'
import type { SecretClient } from '@azure/keyvault-secrets'
import type { NetworkRules } from '../target-ops.js'
import { resolveAzureCloud, AZURE_CLOUDS } from './azure-kv-clouds.js'
import { createNetworkPolicy, NetworkPolicyError } from './azure-kv-network.js'
import { azureRequestCountingPolicy, type AzureRequestHook } from '../../metrics/azure-request-policy.js'
import { entraAnswersPolicy, withEntraAnswers, type EntraAnswers } from './entra-answers.js'
import { requestTimeoutPolicy } from './request-timeout.js'
import { secureContextForCaFile } from './tls-context.js'
import { warmUpClient, warmUpPolicy } from './warm-up.js'

/** What a destination supplies (its decrypted connection details). */
export interface AzureKvConnection {
  keyVaultUri: string
  tenantId: string
  clientId: string
  clientSecret: string
  cloud: string
  network: NetworkRules
}

/** Operator-level settings (decisions D-18), the same for every destination. */
export interface AzureKvSettings {
  /** Overrides the cloud's Entra authority host (`VAULT_SYNC_AZURE_AUTHORITY_HOST`). */
  authorityHost?: string
  /** Extra CA certificates (PEM file), added to Node's roots (`VAULT_SYNC_AZURE_CA_FILE`). */
  caFile?: string
  disableInstanceDiscovery: boolean
  disableChallengeResourceVerification: boolean
  /** Allow loopback Key Vault addresses on any port (`-dev`). */
  allowLoopback: boolean
  /** SDK pipeline retries per request; 0 lets the worker own retries. */
  sdkMaxRetries: number
  /** Told of every HTTP request the SDK sends, each retry included (metrics). */
  onRequest?: AzureRequestHook
  /** Keep-alive sockets per vault client (the limiter's concurrency of both kinds); default unbounded. */
  maxSockets?: number
  /** Sockets a warm-up opens (the limiter's concurrency of one kind); default 1. */
  warmSockets?: number
  /** Bound on one warm-up, ms; default 10 s. */
  warmTimeoutMs?: number
  /** Bound on each HTTP request to Key Vault or Entra, ms (`VAULT_SYNC_AZURE_REQUEST_TIMEOUT`); default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number
}

/** The default bound on one request to Key Vault or Entra, ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

export interface AzureKvClient {
  client: SecretClient
  /** Normalised vault origin (`https://host:port`), the key of rate limits and collisions. */
  origin: string
  /** The client's warm-up, once started (`warm-up.ts`); dropped when it failed, so a later one retries. */
  warming?: Promise<void>
  /** Closes the client's keep-alive sockets (when the cache drops it); a later request opens new ones. */
  close: () => void
}

/** The least time between two `evict`s of one connection, ms: at most one new credential (and token request) a minute. */
const EVICT_INTERVAL_MS = 60_000
/** A cached client unused this long (ms) is dropped and its sockets closed: a rotated secret, an edited or deleted destination. */
export const CLIENT_IDLE_MS = 10 * 60_000
/** How often `clientFor` looks for idle clients, ms. */
const SWEEP_INTERVAL_MS = 60_000

/** Normalised origin of a vault URI: lower-case host, explicit port. @throws TypeError when not a URL. */
export function vaultOrigin (keyVaultUri: string): string {
  const u = new URL(keyVaultUri)
  return `${u.protocol}//${u.hostname.toLowerCase()}:${u.port === '' ? '443' : u.port}`
}

/** The Azure SDK, loaded on first use: it is slow to import and a server may never sync. */
let sdk: Promise<[typeof import('@azure/identity'), typeof import('@azure/keyvault-secrets')]> | undefined
const loadSdk = async (): Promise<[typeof import('@azure/identity'), typeof import('@azure/keyvault-secrets')]> =>
  await (sdk ??= Promise.all([import('@azure/identity'), import('@azure/keyvault-secrets')]))

/**
 * Creates a client cache for `settings`. An entry per distinct connection, dropped (sockets
 * closed) once unused for {@link CLIENT_IDLE_MS}: the key covers the client secret, so before,
 * every rotation, edit or deleted destination left a client, a credential, an agent and its
 * keep-alive sockets behind for the life of the process. `now` (ms) is injectable for tests.
 */
export function createAzureKvClients (settings: AzureKvSettings, now: () => number = Date.now) {
  // One secure context for every connection (a `ca` list would be parsed per TLS connection).
  const secureContext = secureContextForCaFile(settings.caFile)
  const cache = new Map<string, Promise<AzureKvClient>>()
  /** The client each settled cache entry holds (what `evict` compares with), and when each key was last evicted (ms). */
  const resolved = new Map<string, AzureKvClient>()
  const lastEvicted = new Map<string, number>()
  /** When each cached key was last asked for (ms), and when idle clients were last looked for. */
  const lastUsed = new Map<string, number>()
  let sweptAt = now()
  // The authority host is operator configuration and trusted (D-9): no address filter there.
  const authorityAgent = new Agent({ keepAlive: true, secureContext })

  /** The cache key of `conn`: everything that changes authentication or the network policy. */
  const cacheKey = (conn: AzureKvConnection): string => createHash('sha256').update(JSON.stringify([conn.keyVaultUri, conn.tenantId,
    conn.clientId, conn.clientSecret, conn.cloud, conn.network])).digest('hex')

  /**
   * The client for `conn`, built once per distinct connection (concurrent first calls share one build).
   * @throws NetworkPolicyError when the vault's port or literal address is refused; TypeError for a bad URI.
   */
  async function clientFor (conn: AzureKvConnection): Promise<AzureKvClient> {
    const key = cacheKey(conn)
    const at = now()
    if (at - sweptAt >= SWEEP_INTERVAL_MS) sweep(at)
    lastUsed.set(key, at)
    let built = cache.get(key)
    if (built === undefined) {
      const building = built = build(conn)
      cache.set(key, building)
      building.then((c) => { if (cache.get(key) === building) resolved.set(key, c) }, () => { if (cache.get(key) === building) cache.delete(key) })
    }
    return await built
  }

  /** Drops the clients unused for {@link CLIENT_IDLE_MS} (closing their sockets) and eviction records past their interval. */
  function sweep (at: number): void {
    sweptAt = at
    for (const [key, used] of lastUsed) {
      if (at - used < CLIENT_IDLE_MS) continue
      const client = resolved.get(key)
      cache.delete(key)
      resolved.delete(key)
      lastUsed.delete(key)
      client?.close()
    }
    for (const [key, evicted] of lastEvicted) if (at - evicted >= EVICT_INTERVAL_MS) lastEvicted.delete(key)
  }

  async function build (conn: AzureKvConnection): Promise<AzureKvClient> {
    const url = new URL(conn.keyVaultUri)
    const port = url.port === '' ? 443 : Number(url.port)
    const policy = createNetworkPolicy(conn.network, settings.allowLoopback, port)
    const host = url.hostname.replace(/^\[|\]$/g, '')
    // A literal address never reaches the lookup, so it is checked here; a host name is checked
    // on every address it resolves to (where loopback may be allowed on any port).
    if (isIP(host) !== 0) policy.checkAddress(host, port)
    const [{ ClientSecretCredential }, { SecretClient }] = await loadSdk()
    const cloud = resolveAzureCloud(conn.cloud) ?? 'public'
    const retryOptions = { maxRetries: settings.sdkMaxRetries }
    // Per retry: a 429 the SDK retried is counted as well as the request that followed it.
    const counting = settings.onRequest === undefined ? [] : [{ policy: azureRequestCountingPolicy(settings.onRequest), position: 'perRetry' as const }]
    // Innermost, so the policies before it see a timed-out request as failed.
    const timeout = { policy: requestTimeoutPolicy(settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS), position: 'perRetry' as const }
    const entra: EntraAnswers = {}
    const credential = (): TokenCredential => new ClientSecretCredential(conn.tenantId, conn.clientId, conn.clientSecret, {
      authorityHost: settings.authorityHost ?? AZURE_CLOUDS[cloud].authorityHost,
      disableInstanceDiscovery: settings.disableInstanceDiscovery,
      agent: authorityAgent,
      retryOptions,
      additionalPolicies: [...counting, { policy: entraAnswersPolicy(entra), position: 'perRetry' as const }, timeout]
    })
    // Free sockets are used in turn (fifo, not Node's default lifo), so steady light traffic keeps
    // the whole warmed pool open instead of one socket busy and the rest idling out on the server.
    const agent = new Agent({ keepAlive: true, scheduling: 'fifo', secureContext, maxSockets: settings.maxSockets, lookup: policy.lookup as never })
    const client = new SecretClient(conn.keyVaultUri, withEntraAnswers(credential, entra, now), {
      disableChallengeResourceVerification: settings.disableChallengeResourceVerification,
      agent,
      retryOptions,
      // The warm-up policy goes first: a warm-up call it stops was never sent, so it is not counted.
      additionalPolicies: [{ policy: warmUpPolicy(), position: 'perRetry' as const }, ...counting, timeout]
    })
    return { client, origin: vaultOrigin(conn.keyVaultUri), close: () => { agent.destroy() } }
  }

  /**
   * Opens what the first call of `conn`'s client would otherwise open on its critical path (token,
   * challenge, keep-alive sockets; `warm-up.ts`), once per client. Rejects when that failed
   * (callers log it); the client's next real call then pays for it as before.
   * @throws NetworkPolicyError / TypeError as `clientFor`.
   */
  async function warm (conn: AzureKvConnection): Promise<void> {
    const entry = await clientFor(conn)
    entry.warming ??= warmUpClient(entry.client, settings.warmSockets ?? 1, settings.warmTimeoutMs ?? 10_000)
      .catch((err: unknown) => { entry.warming = undefined; throw err })
    await entry.warming
  }

  /**
   * Forgets `used`, `conn`'s client and credential, so the next `clientFor` builds new ones and
   * fetches a new token: for a token Key Vault refused (401) although the SDK still holds it as
   * valid (revoked, or expired by Key Vault's clock). When another refusal already replaced
   * `used`, nothing is forgotten (concurrent refusals make one new client); when `used` is still
   * cached, only if the connection's last eviction is a minute old (a vault that refuses every
   * token gets one new credential a minute, not one per call). Calls holding `used` finish with it.
   * @returns true when the next `clientFor` gives a client other than `used` (worth a retry).
   */
  function evict (conn: AzureKvConnection, used: AzureKvClient): boolean {
    const key = cacheKey(conn)
    const at = now()
    if (resolved.get(key) !== used) return true
    if (at - (lastEvicted.get(key) ?? -Infinity) < EVICT_INTERVAL_MS) return false
    cache.delete(key)
    resolved.delete(key)
    lastEvicted.set(key, at)
    return true
  }

  return { clientFor, warm, evict }
}

export type AzureKvClients = ReturnType<typeof createAzureKvClients>
export { NetworkPolicyError }
