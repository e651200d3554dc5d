/**
 * What a SIGHUP cannot apply (Vault reloads the log level and the listener's TLS certificate,
 * nothing else; `command/server.go` `Reload`): the settings whose value differs between the
 * running configuration and the re-read one, named by their config-file keys, so the operator
 * learns a restart is needed instead of assuming the change took. Values are never returned (a
 * PostgreSQL URL or an Azure secret is a credential).
 */
import type { Config } from '../config.js'

/** `Config` fields a reload applies (the TLS pair is re-read from its files). */
const RELOADED = new Set<keyof Config>(['logLevel', 'tlsCertFile', 'tlsKeyFile'])

/**
 * Config-file names of the `Config` fields a reload does not apply (src/config/config-keys.ts;
 * a group's prefix where one field holds several keys). Complete by type: a new setting must be
 * named here.
 */
const FILE_NAMES: Record<Exclude<keyof Config, 'logLevel' | 'tlsCertFile' | 'tlsKeyFile'>, string> = {
  dbPath: 'storage path',
  dbPathSetting: 'storage path',
  listen: 'address',
  sealKeyFile: 'seal path',
  maxRequestBytes: 'max_request_size',
  logFormat: 'log_format',
  logRequestsLevel: 'log_requests_level',
  apiAddr: 'api_addr',
  telemetry: 'telemetry',
  auditFile: 'audit_file',
  worker: 'worker',
  reconcileIntervalMs: 'reconcile_interval',
  backoffBaseMs: 'backoff_base',
  backoffMaxMs: 'backoff_max',
  clientErrorRetryMs: 'client_error_retry',
  unsyncedRetentionMs: 'unsynced_retention',
  minWriteIntervalMs: 'min_write_interval',
  azure: 'azure_* (sync)',
  drift: 'drift_* (sync)',
  http: 'listener timeouts and JSON limits',
  ui: 'ui',
  azureEnv: 'KEY_VAULT_URI / AZURE_* defaults',
  storage: 'storage',
  postgres: 'storage (connection_url, max_parallel)'
}

/**
 * The names of the settings that differ between `running` and `next` and need a restart, in
 * `Config`'s field order; empty when only reloadable ones (or none) changed.
 */
export function settingsNeedingRestart (running: Readonly<Config>, next: Readonly<Config>): string[] {
  const changed: string[] = []
  for (const key of Object.keys(running) as Array<keyof Config>) {
    if (RELOADED.has(key)) continue
    if (JSON.stringify(running[key]) !== JSON.stringify(next[key])) changed.push(FILE_NAMES[key as keyof typeof FILE_NAMES] ?? key)
  }
  return changed
}
