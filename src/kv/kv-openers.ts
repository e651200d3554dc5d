/**
 * Opening the sealed blobs of KV rows (AES-256-GCM, `crypto/seal.ts`; the `aad` binds each blob to
 * its mount, key and version so a blob moved to another row fails to open), remembered per blob
 * object, and key states built from their rows: used by `kv-store.ts`.
 */
import type { KvMetadataRow, KvVersionRow } from '../../db/kv-repo.js'
import type { Sealer } from '../crypto/seal.js'
import type { JsonObject } from './kv-json.js'
import type { VersionState } from './kv-rules.js'
import type { KeyState } from './kv-state.js'

/** The `aad` of a version's sealed data: its mount, key and version. */
export const dataAad = (accessor: string, path: string, version: number): string => `kv-data:${accessor}:${path}:${version}`
/** The `aad` of a key's sealed custom metadata: its mount and key. */
export const customAad = (accessor: string, path: string): string => `kv-custom-metadata:${accessor}:${path}`

/** Blob opening remembered per blob object, and key states built from rows (`openers`). */
export function kvOpeners (sealer: Sealer) {
  const opened = new WeakMap<Buffer, { aad: string, text: string }>()
  /** `dataJson`'s answers, by blob object (checked against the version they are for). */
  const jsons = new WeakMap<Buffer, { accessor: string, path: string, version: number, json: Buffer }>()
  const missingData = (version: number): never => { throw new Error(`could not find version data for version ${version}`) }
  /** `sealer.decryptString(blob, aad)`, remembered for this blob object and aad. */
  const open = (blob: Buffer, aad: string): string => {
    const hit = opened.get(blob)
    if (hit !== undefined && hit.aad === aad) return hit.text
    const text = sealer.decryptString(blob, aad)
    opened.set(blob, { aad, text })
    return text
  }
  return {
    /** A key's state from its rows (the versions in `versions`, a fresh map unless given). */
    build (accessor: string, path: string, row: KvMetadataRow, rows: KvVersionRow[], versions = new Map<number, VersionState>()): KeyState {
      for (const v of rows) {
        versions.set(v.version, { version: v.version, createdTime: v.created_time, deletionTime: v.deletion_time, destroyed: v.destroyed === 1 })
      }
      const custom = row.custom_metadata === null
        ? null
        : JSON.parse(open(row.custom_metadata, customAad(accessor, path))) as Record<string, string>
      return {
        path,
        currentVersion: row.current_version,
        oldestVersion: row.oldest_version,
        createdTime: row.created_time,
        updatedTime: row.updated_time,
        maxVersions: row.max_versions,
        casRequired: row.cas_required === 1,
        deleteVersionAfter: row.delete_version_after,
        customMetadata: custom,
        versions
      }
    },
    /** The data of a version from its blob. @throws Error when it has none (destroyed or missing) or does not open. */
    data (accessor: string, path: string, version: number, blob: Buffer | null | undefined): JsonObject {
      return JSON.parse(open(blob ?? missingData(version), dataAad(accessor, path, version))) as JsonObject
    },
    /**
     * `JSON.stringify(data(...))` of a version as UTF-8 bytes, remembered for this blob object and
     * version (the KV read path sends them as they are: no parse and no serialisation per read).
     * Shared: callers must not change them. @throws as `data`.
     */
    dataJson (accessor: string, path: string, version: number, blob: Buffer | null | undefined): Buffer {
      const hit = blob === undefined || blob === null ? undefined : jsons.get(blob)
      if (hit !== undefined && hit.version === version && hit.path === path && hit.accessor === accessor) return hit.json
      const text = open(blob ?? missingData(version), dataAad(accessor, path, version))
      // Canonical whatever wrote the blob: the bytes JSON.stringify writes for the parsed value.
      const json = Buffer.from(JSON.stringify(JSON.parse(text) as JsonObject))
      jsons.set(blob!, { accessor, path, version, json })
      return json
    }
  }
}
