/**
 * Configuration: the only reader of `process.env` (decisions D-18). Every `VAULT_SYNC_*`
 * setting is parsed and validated here into a frozen `Config`; a bad value throws a
 * `ConfigError` naming the variable, and start-up stops with that message.
 */
import { dirname, join } from 'node:path'
import type { AzureEnvDefaults } from './drivers/azure-kv/azure-kv-config.js'
import type { AzureKvOperatorSettings } from './drivers/azure-kv/index.js'
import type { BuiltinDriverSettings } from './drivers/registry.js'
import { parseDurationMs } from './vault/duration.js'

export class ConfigError extends Error {
  constructor (variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}

/** A parsed `host:port` (IPv6 hosts in brackets: `[::1]:8200`). */
export interface ListenAddress { host: string, port: number }

export interface Config {
  /** SQLite file path, or `:memory:`. */
  dbPath: string
  listen: ListenAddress
  /** Seal key file (decisions D-4); `undefined` keeps a generated key in memory (`-dev`). */
  sealKeyFile: string | undefined
  tlsCertFile: string | undefined
  tlsKeyFile: string | undefined
  /** Largest request body, bytes. */
  maxRequestBytes: number
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  logLevel: string
  /** Append-only JSON-lines audit log (`VAULT_SYNC_AUDIT_FILE`, decisions D-26); unset = no audit. */
  auditFile: string | undefined
  /** Run the sync worker in this process (`VAULT_SYNC_WORKER=on|off`, `-no-worker`). */
  worker: boolean
  /** Periodic reconciliation pass, ms. */
  reconcileIntervalMs: number
  /** Worker retry backoff: first delay and cap, ms. */
  backoffBaseMs: number
  backoffMaxMs: number
  /** Retry period of remote client-side errors (401/403), ms. */
  clientErrorRetryMs: number
  /** How long removed (`UNSYNCED`) association entries stay listed, ms. */
  unsyncedRetentionMs: number
  azure: AzureSettings
  /** Serve the operator page at `/ui/` (`VAULT_SYNC_UI`, config key `ui`; on in `-dev`). */
  ui: boolean
  /**
   * Vault's server-side fallbacks for `azure-kv` destination fields left empty: `KEY_VAULT_URI`,
   * `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` (the only unprefixed variables, D-18).
   */
  azureEnv: Readonly<AzureEnvDefaults>
}

/** Operator-level Azure settings (decisions D-18), shared by every azure-kv destination. */
export type AzureSettings = AzureKvOperatorSettings

type Env = Record<string, string | undefined>

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

/**
 * Parses `host:port`.
 * @throws ConfigError naming `variable` when the value is not a host and a port 0-65535.
 */
export function parseListenAddress (value: string, variable: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value.trim())
  const port = m === null ? NaN : Number(m[3])
  if (m === null || port > 65535) throw new ConfigError(variable, `"${value}" is not a host:port address`)
  return { host: m[1] ?? m[2], port }
}

function positiveInt (env: Env, variable: string, fallback: number): number {
  const raw = env[variable]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim()) || Number(raw) <= 0) throw new ConfigError(variable, `"${raw}" is not a positive integer`)
  return Number(raw)
}

function duration (env: Env, variable: string, fallback: string): number {
  const raw = env[variable] ?? fallback
  try {
    return parseDurationMs(raw === '' ? fallback : raw, { nonNegative: true })
  } catch (err) {
    throw new ConfigError(variable, `"${raw}" is not a duration (${(err as Error).message})`)
  }
}

function bool (env: Env, variable: string, fallback: boolean): boolean {
  const raw = env[variable]
  if (raw === undefined || raw === '') return fallback
  const v = raw.trim().toLowerCase()
  if (['1', 'true', 'on', 'yes'].includes(v)) return true
  if (['0', 'false', 'off', 'no'].includes(v)) return false
  throw new ConfigError(variable, `"${raw}" is not a boolean (true/false, on/off)`)
}

function nonNegativeInt (env: Env, variable: string, fallback: number): number {
  const raw = env[variable]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(variable, `"${raw}" is not a non-negative integer`)
  return Number(raw)
}

function optional (env: Env, variable: string): string | undefined {
  const v = env[variable]
  return v === undefined || v === '' ? undefined : v
}

/** Overrides from the command line (`server -dev` flags), applied after the environment. */
export interface ConfigOverrides {
  dbPath?: string
  listenAddress?: string
  /** `null` means "no file: keep the key in memory". */
  sealKeyFile?: string | null
  /** `-no-worker` sets false. */
  worker?: boolean
  /** `server -dev` turns the operator page on (an explicit `VAULT_SYNC_UI` still wins). */
  uiDefault?: boolean
  /**
   * Defaults `server -dev` applies for the built-in emulator; an explicitly set
   * `VAULT_SYNC_AZURE_*` variable still wins (the Sync engine issue).
   */
  azureDefaults?: Partial<AzureSettings>
}

/**
 * Reads the configuration from `env` (default `process.env`) and `overrides`.
 * @throws ConfigError naming the first invalid variable.
 */
export function loadConfig (overrides: ConfigOverrides = {}, env: Env = process.env): Readonly<Config> {
  const dbPath = overrides.dbPath ?? optional(env, 'VAULT_SYNC_DB_PATH') ?? './data/vault-sync.db'
  const listenRaw = overrides.listenAddress ?? optional(env, 'VAULT_SYNC_LISTEN_ADDRESS') ?? '127.0.0.1:8200'
  const listen = parseListenAddress(listenRaw, overrides.listenAddress !== undefined ? '-dev-listen-address' : 'VAULT_SYNC_LISTEN_ADDRESS')
  const sealKeyFile = overrides.sealKeyFile === null
    ? undefined
    : overrides.sealKeyFile ?? optional(env, 'VAULT_SYNC_SEAL_KEY_FILE') ?? join(dirname(dbPath), 'seal.key')
  const tlsCertFile = optional(env, 'VAULT_SYNC_TLS_CERT_FILE')
  const tlsKeyFile = optional(env, 'VAULT_SYNC_TLS_KEY_FILE')
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    throw new ConfigError(tlsCertFile === undefined ? 'VAULT_SYNC_TLS_CERT_FILE' : 'VAULT_SYNC_TLS_KEY_FILE', 'TLS needs both VAULT_SYNC_TLS_CERT_FILE and VAULT_SYNC_TLS_KEY_FILE')
  }
  const logLevel = optional(env, 'VAULT_SYNC_LOG_LEVEL') ?? 'info'
  if (!LOG_LEVELS.has(logLevel)) throw new ConfigError('VAULT_SYNC_LOG_LEVEL', `"${logLevel}" is not one of ${[...LOG_LEVELS].join(', ')}`)
  return Object.freeze({
    dbPath,
    listen,
    sealKeyFile,
    tlsCertFile,
    tlsKeyFile,
    maxRequestBytes: positiveInt(env, 'VAULT_SYNC_MAX_REQUEST_BYTES', 33554432),
    logLevel,
    auditFile: optional(env, 'VAULT_SYNC_AUDIT_FILE'),
    worker: overrides.worker === false ? false : bool(env, 'VAULT_SYNC_WORKER', true),
    reconcileIntervalMs: duration(env, 'VAULT_SYNC_RECONCILE_INTERVAL', '5m'),
    backoffBaseMs: duration(env, 'VAULT_SYNC_BACKOFF_BASE', '1s'),
    backoffMaxMs: duration(env, 'VAULT_SYNC_BACKOFF_MAX', '5m'),
    clientErrorRetryMs: duration(env, 'VAULT_SYNC_CLIENT_ERROR_RETRY', '10m'),
    unsyncedRetentionMs: duration(env, 'VAULT_SYNC_UNSYNCED_RETENTION', '10m'),
    azure: loadAzureSettings(env, overrides.azureDefaults ?? {}),
    ui: bool(env, 'VAULT_SYNC_UI', overrides.uiDefault ?? false),
    azureEnv: Object.freeze({
      keyVaultUri: optional(env, 'KEY_VAULT_URI'),
      tenantId: optional(env, 'AZURE_TENANT_ID'),
      clientId: optional(env, 'AZURE_CLIENT_ID'),
      clientSecret: optional(env, 'AZURE_CLIENT_SECRET')
    })
  })
}

function loadAzureSettings (env: Env, dev: Partial<AzureSettings>): AzureSettings {
  return {
    authorityHost: optional(env, 'VAULT_SYNC_AZURE_AUTHORITY_HOST') ?? dev.authorityHost,
    caFile: optional(env, 'VAULT_SYNC_AZURE_CA_FILE') ?? dev.caFile,
    disableInstanceDiscovery: bool(env, 'VAULT_SYNC_AZURE_DISABLE_INSTANCE_DISCOVERY', dev.disableInstanceDiscovery ?? false),
    disableChallengeResourceVerification: bool(env, 'VAULT_SYNC_AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION', dev.disableChallengeResourceVerification ?? false),
    allowLoopbackDestinations: bool(env, 'VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS', dev.allowLoopbackDestinations ?? false),
    maxConcurrency: positiveInt(env, 'VAULT_SYNC_AZURE_MAX_CONCURRENCY', 8),
    sdkMaxRetries: nonNegativeInt(env, 'VAULT_SYNC_AZURE_SDK_MAX_RETRIES', 0),
    pollIntervalMs: duration(env, 'VAULT_SYNC_AZURE_POLL_INTERVAL', '2s'),
    pollTimeoutMs: duration(env, 'VAULT_SYNC_AZURE_POLL_TIMEOUT', '60s')
  }
}

/** The settings the built-in destination types are built from (`drivers/registry.ts`). */
export function driverSettings (config: Pick<Config, 'azure' | 'azureEnv'>): BuiltinDriverSettings {
  return { azure: { env: config.azureEnv, operator: config.azure } }
}
