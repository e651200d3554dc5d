/**
 * Configuration: the only reader of `process.env` (decisions D-18). Every `VAULT_SYNC_*`
 * setting is parsed and validated here into a frozen `Config`; a bad value throws a
 * `ConfigError` naming the variable, and start-up stops with that message.
 */
import { dirname, join } from 'node:path'
import type { AzureEnvDefaults } from './drivers/azure-kv/azure-kv-config.js'

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
  /**
   * Vault's server-side fallbacks for `azure-kv` destination fields left empty: `KEY_VAULT_URI`,
   * `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` (the only unprefixed variables, D-18).
   */
  azureEnv: Readonly<AzureEnvDefaults>
}

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
    azureEnv: Object.freeze({
      keyVaultUri: optional(env, 'KEY_VAULT_URI'),
      tenantId: optional(env, 'AZURE_TENANT_ID'),
      clientId: optional(env, 'AZURE_CLIENT_ID'),
      clientSecret: optional(env, 'AZURE_CLIENT_SECRET')
    })
  })
}
