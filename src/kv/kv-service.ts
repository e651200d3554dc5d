/**
 * The KV version 2 secrets engine service (spec/vault-core-kv-api.md §3): the one entry point
 * routes and the sync work call. Every mutation runs in ONE unit of work that also awaits the
 * `KvChangeHook`s (`kv-context.ts`, `kv-events.ts`); reads never write. Secret data
 * and custom metadata are sealed at rest (`kv-store.ts`).
 *
 * On the async `Store` (issue 18): every operation resolves; a mutation is one unit of work that
 * starts with the key's locked read (`kv.metadataForUpdate`) and awaits the hooks with the unit's
 * repositories. `peekReadJson` and `peekSecretExists` answer synchronously from the caches (or
 * `MISS`), for the KV read path and the ACL's existence check.
 *
 * Operations (all take the mount `accessor` and the secret `path` without leading `/`):
 * - engine config: `readConfig`, `writeConfig` (`kv-data-ops.ts`)
 * - data: `readData`, `writeData`, `patchData`, `deleteLatest`, `deleteVersions`,
 *   `undeleteVersions`, `destroyVersions`, `readSubkeys` (`kv-data-ops.ts`)
 * - metadata: `list`, `readMetadata`, `writeMetadata`, `patchMetadata`, `deleteMetadata`
 *   (`kv-metadata-ops.ts`)
 * - for sync: `secretExists(accessor, path): Promise<boolean>` and
 *   `readCurrent(accessor, path): Promise<KvCurrentState | undefined>` (`kv-metadata-ops.ts`)
 */
import { createKvContext, type KvServiceDeps } from './kv-context.js'
import { dataOperations } from './kv-data-ops.js'
import { metadataOperations } from './kv-metadata-ops.js'

export type { KvServiceDeps } from './kv-context.js'
export { MISS } from '../../db/read-cache.js'
export type { ConfigInput, VersionRead } from './kv-data-ops.js'
export type { KvCurrentState, MetadataInput } from './kv-metadata-ops.js'

/** Creates the KV v2 service. */
export function createKvService (deps: KvServiceDeps) {
  const ctx = createKvContext(deps)
  return { ...dataOperations(ctx), ...metadataOperations(ctx) }
}

export type KvService = ReturnType<typeof createKvService>
