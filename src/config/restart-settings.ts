/**
 * What a SIGHUP cannot apply (Vault reloads the log level and the listener's TLS certificate,
 * nothing else; `command/server.go` `Reload`): the settings whose value differs between the
 * running configuration and the re-read one, named by their config-file keys where they have
 * one, so the operator learns a restart is needed instead of assuming the change took. Values are
 * never returned (a PostgreSQL URL or an Azure secret is a credential).
 */
import type { Config } from '../config.js'

/** `Config` fields a reload applies (the TLS pair is re-read from its files). */
const RELOADED = new Set<keyof Config>(['logLevel', 'tlsCertFile', 'tlsKeyFile'])

/** Config-file names of `Config` fields (src/config/config-keys.ts); others keep the field name. */
const FILE_NAMES: Partial<Record<keyof Config, string>> = {
  listen: 'address',
  dbPath: 'storage path',
  storage: 'storage',
  postgres: 'storage (connection_url, max_parallel)',
  sealKeyFile: 'seal path',
  maxRequestBytes: 'max_request_size',
  logFormat: 'log_format',
  apiAddr: 'api_addr',
  auditFile: 'audit_file',
  telemetry: 'telemetry',
  worker: 'worker',
  ui: 'ui'
}

/**
 * The names of the settings that differ between `running` and `next` and need a restart, in
 * `Config`'s field order; empty when only reloadable ones (or none) changed.
 */
export function settingsNeedingRestart (running: Readonly<Config>, next: Readonly<Config>): string[] {
  const changed: string[] = []
  for (const key of Object.keys(running) as Array<keyof Config>) {
    if (RELOADED.has(key)) continue
    if (JSON.stringify(running[key]) !== JSON.stringify(next[key])) changed.push(FILE_NAMES[key] ?? key)
  }
  return changed
}
