/**
 * Configuration: the only reader of `process.env` (decisions D-18). Every `VAULT_SYNC_*`
 * setting is parsed and validated here into a frozen `Config`; a bad value throws a
 * `ConfigError` naming the variable, and start-up stops with that message.
 */
import { dirname, join } from 'node:path'
import { DEFAULT_DRIFT_CONFIG, type DriftConfig } from './drift/drift-config.js'
import { DRIFT_MODES, MIN_DRIFT_INTERVAL_MS, type DriftMode } from './drift/drift-settings.js'
import type { AzureEnvDefaults } from './drivers/azure-kv/azure-kv-config.js'
import type { AzureKvOperatorSettings } from './drivers/azure-kv/index.js'
import type { BuiltinDriverSettings } from './drivers/registry.js'
import type { AzureRequestHook } from './metrics/azure-request-policy.js'
import type { TelemetrySettings } from './metrics/metrics.js'
export { ConfigError, parseListenAddress, type ListenAddress } from './config/env-values.js'
import { bool, ConfigError, duration, type Env, intInRange, type ListenAddress, nonNegativeInt, optional, parseListenAddress, positiveDuration, positiveInt } from './config/env-values.js'
import { DEFAULT_JSON_LIMITS, DEFAULT_TIMEOUTS, type HttpTimeouts, type JsonLimits } from './vault/http-limits.js'

export interface Config {
  /** SQLite file path, or `:memory:`. */
  dbPath: string
  /**
   * The setting that chose `dbPath`, named by errors about the file: `-dev-db` (the override),
   * else `VAULT_SYNC_DB_PATH` (restated as the file's `storage "sqlite" path` by `inFileTerms`).
   */
  dbPathSetting: 'VAULT_SYNC_DB_PATH' | '-dev-db'
  listen: ListenAddress
  /** Seal key file (decisions D-4); `undefined` keeps a generated key in memory (`-dev`). */
  sealKeyFile: string | undefined
  tlsCertFile: string | undefined
  tlsKeyFile: string | undefined
  /** Largest request body, bytes. */
  maxRequestBytes: number
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  logLevel: string
  /** `json` or `standard` (Vault's hclog-like text); undefined: standard on a terminal, else json. */
  logFormat: 'json' | 'standard' | undefined
  /** Log each completed request at this level (`VAULT_SYNC_LOG_REQUESTS_LEVEL`); undefined: no request lines. */
  logRequestsLevel: string | undefined
  /** Vault's `api_addr`: the address clients use, shown at start-up (`VAULT_SYNC_API_ADDR`). */
  apiAddr: string | undefined
  /** Vault's `telemetry` stanza (`VAULT_SYNC_PROMETHEUS_RETENTION_TIME`, ...). */
  telemetry: TelemetrySettings
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
  /** Minimum interval between sync attempts of one association (`VAULT_SYNC_MIN_WRITE_INTERVAL`), ms; 0 = off. */
  minWriteIntervalMs: number
  azure: AzureSettings
  /** Drift detection and repair (issue 21, `VAULT_SYNC_DRIFT_*`, src/drift/drift-config.ts). */
  drift: DriftConfig
  /** Listener timeouts and JSON limits (`vault/http-limits.ts`). */
  http: { timeouts: HttpTimeouts, json: JsonLimits }
  /** Serve the operator page at `/ui/` (`VAULT_SYNC_UI`, config key `ui`; on in `-dev`). */
  ui: boolean
  /**
   * Vault's server-side fallbacks for `azure-kv` destination fields left empty: `KEY_VAULT_URI`,
   * `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` (the only unprefixed variables, D-18).
   */
  azureEnv: Readonly<AzureEnvDefaults>
  /** Storage engine (`VAULT_SYNC_STORAGE=sqlite|postgresql`, default sqlite). */
  storage: 'sqlite' | 'postgresql'
  /** PostgreSQL settings; `undefined` unless `storage` is `postgresql`. */
  postgres: PostgresSettings | undefined
}

/**
 * PostgreSQL connection settings, named as Vault's own PostgreSQL storage backend names them
 * (`VAULT_PG_CONNECTION_URL`, `max_parallel`).
 */
export interface PostgresSettings {
  /** `postgresql://user:password@host:port/database?sslmode=...` (a credential: never logged). */
  connectionUrl: string
  /** Pool size (`VAULT_SYNC_PG_MAX_PARALLEL`, default 10). */
  maxParallel: number
}

/** Operator-level Azure settings (decisions D-18), shared by every azure-kv destination. */
export type AzureSettings = AzureKvOperatorSettings

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

/** The global drift settings (`VAULT_SYNC_DRIFT_*`, src/drift/drift-config.ts says what each means). */
function loadDrift (env: Env): DriftConfig {
  const mode = optional(env, 'VAULT_SYNC_DRIFT_MODE')?.trim() ?? DEFAULT_DRIFT_CONFIG.mode
  if (!(DRIFT_MODES as readonly string[]).includes(mode)) throw new ConfigError('VAULT_SYNC_DRIFT_MODE', `"${mode}" is not one of off, detect, repair`)
  const intervalMs = duration(env, 'VAULT_SYNC_DRIFT_INTERVAL', `${DEFAULT_DRIFT_CONFIG.intervalMs}ms`)
  if (intervalMs < MIN_DRIFT_INTERVAL_MS) throw new ConfigError('VAULT_SYNC_DRIFT_INTERVAL', `"${env.VAULT_SYNC_DRIFT_INTERVAL}" is shorter than 1m`)
  return {
    mode: mode as DriftMode,
    intervalMs,
    repairMissing: bool(env, 'VAULT_SYNC_DRIFT_REPAIR_MISSING', DEFAULT_DRIFT_CONFIG.repairMissing),
    budgetShare: intInRange(env, 'VAULT_SYNC_DRIFT_BUDGET_PERCENT', 1, 50, DEFAULT_DRIFT_CONFIG.budgetShare * 100) / 100,
    maxCallsPerSweep: intInRange(env, 'VAULT_SYNC_DRIFT_MAX_CALLS', 3, 100_000, DEFAULT_DRIFT_CONFIG.maxCallsPerSweep),
    pageSize: intInRange(env, 'VAULT_SYNC_DRIFT_PAGE_SIZE', 1, 25, DEFAULT_DRIFT_CONFIG.pageSize)
  }
}

/**
 * `server -dev`'s flag defaults from Vault's own variables: Vault's `command/server.go` reads
 * `-dev-root-token-id` from `VAULT_DEV_ROOT_TOKEN_ID` and `-dev-listen-address` from
 * `VAULT_DEV_LISTEN_ADDRESS` when the flag is not given (unset or empty: no default here).
 */
export function devFlagDefaults (env: Env = process.env): { rootTokenId?: string, listenAddress?: string } {
  return { rootTokenId: optional(env, 'VAULT_DEV_ROOT_TOKEN_ID'), listenAddress: optional(env, 'VAULT_DEV_LISTEN_ADDRESS') }
}

/** Overrides from the command line (`server -dev` flags), applied after the environment. */
export interface ConfigOverrides {
  /** `-dev-db` (or `:memory:` under `-dev`): beats `VAULT_SYNC_DB_PATH`, and errors about the file name `-dev-db`. */
  dbPath?: string
  /** Beats `VAULT_SYNC_LISTEN_ADDRESS`; `listenAddressSource` names it in errors (default `-dev-listen-address`). */
  listenAddress?: string
  listenAddressSource?: string
  /** `null` means "no file: keep the key in memory". */
  sealKeyFile?: string | null
  /** `-no-worker` sets false. */
  worker?: boolean
  /** `server -dev` turns the operator page on (an explicit `VAULT_SYNC_UI` still wins). */
  uiDefault?: boolean
  /**
   * `server -dev` turns Prometheus output on as `vault server -dev` does (its dev config sets
   * `telemetry { prometheus_retention_time = "24h", disable_hostname = true }`); explicit
   * `VAULT_SYNC_PROMETHEUS_RETENTION_TIME` / `VAULT_SYNC_TELEMETRY_DISABLE_HOSTNAME` still win.
   */
  devTelemetry?: boolean
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
  const listen = parseListenAddress(listenRaw, overrides.listenAddress !== undefined ? overrides.listenAddressSource ?? '-dev-listen-address' : 'VAULT_SYNC_LISTEN_ADDRESS')
  const sealKeyFile = overrides.sealKeyFile === null
    ? undefined
    : overrides.sealKeyFile ?? optional(env, 'VAULT_SYNC_SEAL_KEY_FILE') ?? join(dirname(dbPath), 'seal.key')
  const tlsCertFile = optional(env, 'VAULT_SYNC_TLS_CERT_FILE')
  const tlsKeyFile = optional(env, 'VAULT_SYNC_TLS_KEY_FILE')
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    throw new ConfigError(tlsCertFile === undefined ? 'VAULT_SYNC_TLS_CERT_FILE' : 'VAULT_SYNC_TLS_KEY_FILE', 'TLS needs both VAULT_SYNC_TLS_CERT_FILE and VAULT_SYNC_TLS_KEY_FILE')
  }
  const storage = loadStorage(env)
  // Vault lower-cases and trims the log level (`DEBUG`, a heredoc's trailing newline).
  const logLevel = (optional(env, 'VAULT_SYNC_LOG_LEVEL') ?? 'info').trim().toLowerCase()
  if (!LOG_LEVELS.has(logLevel)) throw new ConfigError('VAULT_SYNC_LOG_LEVEL', `"${logLevel}" is not one of ${[...LOG_LEVELS].join(', ')}`)
  const logFormat = optional(env, 'VAULT_SYNC_LOG_FORMAT')
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'standard') throw new ConfigError('VAULT_SYNC_LOG_FORMAT', `"${logFormat}" is not json or standard`)
  const logRequestsLevel = optional(env, 'VAULT_SYNC_LOG_REQUESTS_LEVEL')
  if (logRequestsLevel !== undefined && (!LOG_LEVELS.has(logRequestsLevel) || logRequestsLevel === 'silent')) {
    throw new ConfigError('VAULT_SYNC_LOG_REQUESTS_LEVEL', `"${logRequestsLevel}" is not one of ${[...LOG_LEVELS].filter((l) => l !== 'silent').join(', ')}`)
  }
  return Object.freeze({
    dbPath,
    dbPathSetting: overrides.dbPath !== undefined ? '-dev-db' : 'VAULT_SYNC_DB_PATH',
    listen,
    sealKeyFile,
    tlsCertFile,
    tlsKeyFile,
    maxRequestBytes: positiveInt(env, 'VAULT_SYNC_MAX_REQUEST_BYTES', 33554432),
    logLevel,
    logFormat,
    logRequestsLevel,
    apiAddr: optional(env, 'VAULT_SYNC_API_ADDR'),
    telemetry: Object.freeze({
      prometheusRetentionMs: duration(env, 'VAULT_SYNC_PROMETHEUS_RETENTION_TIME', overrides.devTelemetry === true ? '24h' : '0s'),
      disableHostname: bool(env, 'VAULT_SYNC_TELEMETRY_DISABLE_HOSTNAME', overrides.devTelemetry === true),
      unauthenticatedMetricsAccess: bool(env, 'VAULT_SYNC_UNAUTHENTICATED_METRICS_ACCESS', false)
    }),
    auditFile: optional(env, 'VAULT_SYNC_AUDIT_FILE'),
    worker: overrides.worker === false ? false : bool(env, 'VAULT_SYNC_WORKER', true),
    reconcileIntervalMs: duration(env, 'VAULT_SYNC_RECONCILE_INTERVAL', '5m'),
    backoffBaseMs: duration(env, 'VAULT_SYNC_BACKOFF_BASE', '1s'),
    backoffMaxMs: duration(env, 'VAULT_SYNC_BACKOFF_MAX', '5m'),
    clientErrorRetryMs: duration(env, 'VAULT_SYNC_CLIENT_ERROR_RETRY', '10m'),
    unsyncedRetentionMs: duration(env, 'VAULT_SYNC_UNSYNCED_RETENTION', '10m'),
    minWriteIntervalMs: duration(env, 'VAULT_SYNC_MIN_WRITE_INTERVAL', '500ms'),
    azure: loadAzureSettings(env, overrides.azureDefaults ?? {}),
    drift: Object.freeze(loadDrift(env)),
    http: loadHttpLimits(env),
    ui: bool(env, 'VAULT_SYNC_UI', overrides.uiDefault ?? false),
    azureEnv: Object.freeze({
      keyVaultUri: optional(env, 'KEY_VAULT_URI'),
      tenantId: optional(env, 'AZURE_TENANT_ID'),
      clientId: optional(env, 'AZURE_CLIENT_ID'),
      clientSecret: optional(env, 'AZURE_CLIENT_SECRET')
    }),
    ...storage
  })
}

function loadHttpLimits (env: Env): Config['http'] {
  const d = DEFAULT_JSON_LIMITS
  const maxDepth = positiveInt(env, 'VAULT_SYNC_MAX_JSON_DEPTH', d.maxDepth)
  // Deeper bodies would reach the stack limits of recursive walkers (audit hashing, stringify).
  if (maxDepth > 1000) throw new ConfigError('VAULT_SYNC_MAX_JSON_DEPTH', `"${maxDepth}" is over 1000`)
  const t = DEFAULT_TIMEOUTS
  return {
    timeouts: {
      headersMs: duration(env, 'VAULT_SYNC_HTTP_READ_HEADER_TIMEOUT', `${t.headersMs}ms`),
      requestMs: duration(env, 'VAULT_SYNC_HTTP_READ_TIMEOUT', `${t.requestMs}ms`),
      idleMs: duration(env, 'VAULT_SYNC_HTTP_IDLE_TIMEOUT', `${t.idleMs}ms`)
    },
    json: {
      maxDepth,
      maxStringValueLength: positiveInt(env, 'VAULT_SYNC_MAX_JSON_STRING_VALUE_LENGTH', d.maxStringValueLength),
      maxObjectEntryCount: positiveInt(env, 'VAULT_SYNC_MAX_JSON_OBJECT_ENTRY_COUNT', d.maxObjectEntryCount),
      maxArrayElementCount: positiveInt(env, 'VAULT_SYNC_MAX_JSON_ARRAY_ELEMENT_COUNT', d.maxArrayElementCount),
      maxTokens: positiveInt(env, 'VAULT_SYNC_MAX_JSON_TOKEN', d.maxTokens)
    }
  }
}

function loadStorage (env: Env): Pick<Config, 'storage' | 'postgres'> {
  const storage = optional(env, 'VAULT_SYNC_STORAGE') ?? 'sqlite'
  if (storage !== 'sqlite' && storage !== 'postgresql') throw new ConfigError('VAULT_SYNC_STORAGE', `"${storage}" is not one of sqlite, postgresql`)
  const maxParallel = positiveInt(env, 'VAULT_SYNC_PG_MAX_PARALLEL', 10)
  if (storage === 'sqlite') return { storage, postgres: undefined }
  const connectionUrl = optional(env, 'VAULT_PG_CONNECTION_URL')
  if (connectionUrl === undefined) throw new ConfigError('VAULT_PG_CONNECTION_URL', 'is required when VAULT_SYNC_STORAGE=postgresql')
  if (!/^postgres(ql)?:\/\//.test(connectionUrl)) throw new ConfigError('VAULT_PG_CONNECTION_URL', 'is not a postgresql:// URL')
  return { storage, postgres: Object.freeze({ connectionUrl, maxParallel }) }
}

/**
 * Maps node-postgres's URL parse error (`ERR_INVALID_URL`, raised when it first connects, naming
 * no setting) to a `ConfigError` naming `VAULT_PG_CONNECTION_URL`, never echoing the URL (it holds
 * the password). Any other error is returned unchanged. Used by the server's start and `migrate`.
 */
export function pgConnectionUrlError (err: unknown): unknown {
  if ((err as { code?: unknown } | null)?.code !== 'ERR_INVALID_URL') return err
  return new ConfigError('VAULT_PG_CONNECTION_URL', 'is not a valid URL: check the host and port, and percent-encode special characters of the user name and password')
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
    pollTimeoutMs: duration(env, 'VAULT_SYNC_AZURE_POLL_TIMEOUT', '60s'),
    requestTimeoutMs: positiveDuration(env, 'VAULT_SYNC_AZURE_REQUEST_TIMEOUT', '30s')
  }
}

/** The settings the built-in destination types are built from (`drivers/registry.ts`). */
export function driverSettings (config: Pick<Config, 'azure' | 'azureEnv'>, onAzureRequest?: AzureRequestHook): BuiltinDriverSettings {
  return { azure: { env: config.azureEnv, operator: config.azure, onRequest: onAzureRequest } }
}
