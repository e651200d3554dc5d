/**
 * The JSON shapes KV v2 answers with (spec/vault-core-kv-api.md §3.3-3.17), built from domain
 * state. Keys are in byte order, as Go's encoding/json writes a map. Times are RFC 3339 strings
 * (`""` when unset), durations Go `Duration.String()` (`"0s"`, `"1h0m0s"`, `"-1s"`).
 */
import { formatGoDuration } from '../vault/duration.js'
import type { VersionState } from './kv-rules.js'
import type { EngineConfig, KeyState } from './kv-state.js'
import { formatTime } from './kv-time.js'

/** A version's metadata as data reads, writes and patches answer it. */
export interface VersionView {
  created_time: string
  custom_metadata: Record<string, string> | null
  deletion_time: string
  destroyed: boolean
  version: number
}

/** `GET metadata/:path` data (§3.13). `versions` keys are decimal strings. */
export interface MetadataView {
  cas_required: boolean
  created_time: string
  current_version: number
  custom_metadata: Record<string, string> | null
  delete_version_after: string
  max_versions: number
  oldest_version: number
  updated_time: string
  versions: Record<string, { created_time: string, deletion_time: string, destroyed: boolean }>
}

/** `GET config` data (§3.3). `max_versions` reads 0 until set. */
export interface ConfigView {
  cas_required: boolean
  delete_version_after: string
  max_versions: number
}

/** The version entry shown by data read/write/patch/subkeys; `custom_metadata` is the key's. */
export function versionView (v: VersionState, customMetadata: Record<string, string> | null): VersionView {
  return {
    created_time: formatTime(v.createdTime),
    custom_metadata: customMetadata,
    deletion_time: formatTime(v.deletionTime),
    destroyed: v.destroyed,
    version: v.version
  }
}

/** The key's metadata; `max_versions`/`cas_required` are the key's own settings, not effective values. */
export function metadataView (k: KeyState): MetadataView {
  const versions: MetadataView['versions'] = {}
  for (const v of [...k.versions.values()].sort((a, b) => a.version - b.version)) {
    versions[String(v.version)] = { created_time: formatTime(v.createdTime), deletion_time: formatTime(v.deletionTime), destroyed: v.destroyed }
  }
  return {
    cas_required: k.casRequired,
    created_time: formatTime(k.createdTime),
    current_version: k.currentVersion,
    custom_metadata: k.customMetadata,
    delete_version_after: formatGoDuration(k.deleteVersionAfter),
    max_versions: k.maxVersions,
    oldest_version: k.oldestVersion,
    updated_time: formatTime(k.updatedTime),
    versions
  }
}

/** The engine config as Vault reads it back. */
export function configView (c: EngineConfig): ConfigView {
  return {
    cas_required: c.casRequired,
    delete_version_after: formatGoDuration(c.deleteVersionAfter),
    max_versions: c.maxVersions
  }
}
