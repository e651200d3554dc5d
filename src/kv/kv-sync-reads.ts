/**
 * Transitional (issue 18): the synchronous KV reads of the areas not on the async `Store` yet
 * (sync planning, association rules and their KV hook, the worker), over the better-sqlite3 KV
 * repo of the same connection (SQLite only; uncached, so the async KV service's writes are seen
 * at once, also inside its unit of work). Same answers as the KV service's `secretExists`,
 * `readCurrent`, `keysUnder` and `customMetadataOf` (`kv-metadata-ops.ts`); removed once those
 * areas await the service.
 */
import type { KvRepo } from '../../db/kv-repo.js'
import type { Sealer } from '../crypto/seal.js'
import { currentStateOf, type KvCurrentState } from './kv-metadata-ops.js'
import { folderRange, isFolder } from './kv-paths.js'
import { kvOpeners, type KeyState } from './kv-store.js'
import type { MicroClock } from './kv-time.js'

/** The synchronous KV reads (see the module doc). */
export interface SyncKvReads {
  secretExists: (accessor: string, path: string) => boolean
  readCurrent: (accessor: string, path: string) => KvCurrentState | undefined
  keysUnder: (accessor: string, folder: string) => string[]
  customMetadataOf: (accessor: string, path: string) => Record<string, string>
}

/** Creates the synchronous reads over `repo`, opening with `sealer`, `now` in microseconds. */
export function createSyncKvReads ({ repo, sealer, now }: { repo: KvRepo, sealer: Sealer, now: MicroClock }): SyncKvReads {
  const openers = kvOpeners(sealer)
  const load = (accessor: string, path: string): KeyState | undefined => {
    const row = repo.metadata(accessor, path)
    return row === undefined ? undefined : openers.build(accessor, path, row, repo.versions(accessor, path))
  }
  return {
    secretExists: (accessor, path) => !isFolder(path) && repo.metadata(accessor, path) !== undefined,
    readCurrent (accessor, path) {
      if (isFolder(path)) return undefined
      const k = load(accessor, path)
      return k === undefined ? undefined : currentStateOf(k, now(), (version) => openers.data(accessor, path, version, repo.versionData(accessor, path, version)))
    },
    keysUnder (accessor, folder) {
      const { from, to } = folderRange(folder)
      return repo.pathsInRange(accessor, from, to)
    },
    customMetadataOf: (accessor, path) => load(accessor, path)?.customMetadata ?? {}
  }
}
