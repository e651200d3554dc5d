/**
 * Pure KV v2 rules, as Vault's KV plugin applies them (spec/vault-core-kv-api.md §3): check-and-set,
 * version numbering and trimming by `max_versions` (§3.11, `AddVersion`), `delete_version_after`
 * deletion times, which versions are live, and the highest active version (what sync pushes).
 * No I/O: times are integer microseconds since the epoch, durations whole seconds.
 */

/** Vault's default `max_versions` when neither the key nor the engine sets one. */
export const DEFAULT_MAX_VERSIONS = 10

/** Engine `delete_version_after` stored as -1 s means "disabled for every key" (`-1s`). */
export const DVA_DISABLED = -1

/** State of one version, as kept in the key's metadata. */
export interface VersionState {
  version: number
  /** Microseconds. */
  createdTime: number
  /** Microseconds, or null when never deleted. A future time means "scheduled", still live. */
  deletionTime: number | null
  destroyed: boolean
}

/**
 * The check-and-set rule (§3.5 step 3, `validateCheckAndSetOption`).
 * @param cas the decoded `options.cas`, or undefined when absent.
 * @param currentVersion the key's `current_version` (0 for a new key).
 * @param required true when the engine config or the key metadata has `cas_required`.
 * @returns Vault's error text, or undefined when the write may proceed.
 */
export function casError (cas: number | undefined, currentVersion: number, required: boolean): string | undefined {
  if (cas !== undefined) {
    return cas === currentVersion ? undefined : 'check-and-set parameter did not match the current version'
  }
  return required ? 'check-and-set parameter required for this call' : undefined
}

/** `max(key, engine)` max_versions, or 10 when both are 0 (§3.11: the code takes the maximum). */
export function effectiveMaxVersions (keyMax: number, configMax: number): number {
  const m = Math.max(keyMax, configMax)
  return m > 0 ? m : DEFAULT_MAX_VERSIONS
}

/** Result of adding one version (§3.11). */
export interface AddedVersion {
  /** The new version number (`current + 1`). */
  version: number
  /** The key's `oldest_version` after the add. */
  oldestVersion: number
  /** Versions to delete with their data, inclusive range, or undefined when nothing is trimmed. */
  trim: { from: number, to: number } | undefined
}

/**
 * Vault's `AddVersion` sliding window: after the increment, when `current - oldest >= max`, versions
 * `oldest..current-max` are removed and `oldest = current - max + 1`. `oldest_version` stays 0 until
 * the key first reaches `max` versions.
 */
export function addVersion (currentVersion: number, oldestVersion: number, maxVersions: number): AddedVersion {
  const version = currentVersion + 1
  if (version - oldestVersion >= maxVersions) {
    const cut = version - maxVersions
    return { version, oldestVersion: cut + 1, trim: { from: oldestVersion, to: cut } }
  }
  return { version, oldestVersion, trim: undefined }
}

/**
 * The deletion time a new (or undeleted) version gets (`deletionTime` in Vault's
 * `delete_version_after.go`): `from + min(non-zero engine dva, non-zero key dva)`, or null when both
 * are unset or the engine disabled the feature (-1).
 * @param fromMicros creation (or undelete) time, microseconds.
 * @param configDva engine setting, seconds (0 unset, -1 disabled).
 * @param keyDva key setting, seconds (0 unset).
 */
export function scheduledDeletionTime (fromMicros: number, configDva: number, keyDva: number): number | null {
  if (configDva === DVA_DISABLED) return null
  const engine = configDva > 0 ? configDva : 0
  const key = keyDva > 0 ? keyDva : 0
  if (engine === 0 && key === 0) return null
  const seconds = engine === 0 ? key : key === 0 ? engine : Math.min(engine, key)
  return fromMicros + seconds * 1_000_000
}

/** True when the version is soft-deleted: its deletion time is set and strictly in the past. */
export function isDeleted (v: Pick<VersionState, 'deletionTime'>, nowMicros: number): boolean {
  return v.deletionTime !== null && v.deletionTime < nowMicros
}

/** True when the version can be read: neither destroyed nor deleted (a future deletion time is live). */
export function isLive (v: Pick<VersionState, 'deletionTime' | 'destroyed'>, nowMicros: number): boolean {
  return !v.destroyed && !isDeleted(v, nowMicros)
}

/**
 * The highest-numbered live version, or undefined when none is left. Vault's secrets sync pushes
 * this version: "deleting the latest KV version now falls back to the highest active version"
 * (Vault CHANGELOG, Jan 2026: 1.16.29 / 1.19.13 / 1.20.7 / 1.21.2; spec/vault-sync-api.md §6.2).
 */
export function highestActiveVersion<V extends VersionState> (versions: Iterable<V>, nowMicros: number): V | undefined {
  let best: V | undefined
  for (const v of versions) {
    if (isLive(v, nowMicros) && (best === undefined || v.version > best.version)) best = v
  }
  return best
}

/**
 * Which of `requested` a soft delete changes (`pathDeleteWrite`): existing, not destroyed, not
 * already past-deleted. Unknown versions are skipped. Duplicates are reported once.
 */
export function versionsToDelete (versions: Map<number, VersionState>, requested: number[], nowMicros: number): number[] {
  return unique(requested).filter((n) => {
    const v = versions.get(n)
    return v !== undefined && !v.destroyed && !isDeleted(v, nowMicros)
  })
}

/** Which of `requested` an undelete or destroy touches: existing and not destroyed. */
export function versionsNotDestroyed (versions: Map<number, VersionState>, requested: number[]): number[] {
  return unique(requested).filter((n) => {
    const v = versions.get(n)
    return v !== undefined && !v.destroyed
  })
}

function unique (xs: number[]): number[] {
  return [...new Set(xs)]
}
