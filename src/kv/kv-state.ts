/**
 * The KV v2 domain objects of one mount (`kv-store.ts` loads and saves them): its engine config
 * and a key's metadata with its version entries.
 */
import type { VersionState } from './kv-rules.js'

/** Engine config (`config` endpoint, §3.3). Durations in seconds; dva -1 = disabled. */
export interface EngineConfig {
  maxVersions: number
  casRequired: boolean
  deleteVersionAfter: number
}

/** A key's metadata (§3.2). Times in microseconds, durations in seconds. */
export interface KeyState {
  path: string
  currentVersion: number
  oldestVersion: number
  createdTime: number
  updatedTime: number
  maxVersions: number
  casRequired: boolean
  deleteVersionAfter: number
  /** null when the key has no custom metadata (Vault answers `null`, also for an empty map). */
  customMetadata: Record<string, string> | null
  versions: Map<number, VersionState>
}
