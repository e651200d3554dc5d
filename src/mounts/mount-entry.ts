/**
 * The mount entry object Vault returns from `sys/mounts*` and `sys/internal/ui/mounts/*`
 * (spec/vault-core-kv-api.md §2.1), built from a `mounts` row. Types are kept exactly
 * (integers, bools, string maps) because Vault's Go client decodes them strictly.
 */
import type { MountRow } from '../../db/mounts-repo.js'

/** Built-in plugin version strings, as Vault reports them for builtin engines (`running_plugin_version`). */
export const RUNNING_VERSION: Readonly<Record<string, string>> = {
  kv: 'v0.26.2+builtin',
  system: 'v2.1.0+builtin.vault',
  cubbyhole: 'v2.1.0+builtin.vault',
  identity: 'v2.1.0+builtin.vault',
  /** The token store (`sys/auth`'s `token/`), no mount row of its own. */
  token: 'v2.1.0+builtin.vault'
}

export interface MountConfig {
  default_lease_ttl: number
  max_lease_ttl: number
  force_no_cache: boolean
  [optional: string]: unknown
}

export interface MountEntry {
  accessor: string
  config: MountConfig
  description: string
  external_entropy_access: boolean
  local: boolean
  options: Record<string, string> | null
  plugin_version: string
  running_plugin_version: string
  running_sha256: string
  seal_wrap: boolean
  type: string
  uuid: string
  deprecation_status?: string
}

/**
 * Maps a row to Vault's entry shape (`mountInfo`, `vault/logical_system_stubs_oss.go`). The
 * stored config is the entry's `config` as Vault shows it (settings only when non-empty,
 * `mount-settings.ts`), but for the pinned `plugin_version`, which is the entry's own field.
 */
export function toMountEntry (row: MountRow): MountEntry {
  const { plugin_version: pluginVersion, ...config } = JSON.parse(row.config) as MountConfig
  const entry: MountEntry = {
    accessor: row.accessor,
    config,
    description: row.description,
    external_entropy_access: row.external_entropy_access === 1,
    local: row.local === 1,
    options: row.options === null ? null : JSON.parse(row.options) as Record<string, string>,
    plugin_version: typeof pluginVersion === 'string' ? pluginVersion : '',
    running_plugin_version: RUNNING_VERSION[row.type] ?? '',
    running_sha256: '',
    seal_wrap: row.seal_wrap === 1,
    type: row.type,
    uuid: row.uuid
  }
  if (row.type === 'kv') entry.deprecation_status = 'supported'
  return entry
}

/** True when the mount is a KV version 2 engine. */
export function isKvV2 (row: Pick<MountRow, 'type' | 'options'>): boolean {
  if (row.type !== 'kv' || row.options === null) return false
  // Rows from the mount cache are shared and never changed: their options are parsed once.
  let v2 = kvV2Rows.get(row)
  if (v2 === undefined || v2.options !== row.options) {
    v2 = { options: row.options, v2: (JSON.parse(row.options) as Record<string, string>).version === '2' }
    kvV2Rows.set(row, v2)
  }
  return v2.v2
}
const kvV2Rows = new WeakMap<object, { options: string, v2: boolean }>()
