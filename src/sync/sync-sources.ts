/**
 * What sync reads from outside it: KV v2 secrets (`SecretSource`, provided by the KV service) and
 * the mount table (`SyncMounts`, `mounts/mount-service.ts`).
 */
import type { MountRow } from '../../db/mounts-repo.js'

/** What associations need to know of KV v2 (provided by the KV service). */
export interface SecretSource {
  /** True when the secret's metadata exists at `path` of the mount `accessor` (D-15.15). */
  secretExists: (accessor: string, path: string) => Promise<boolean>
  /** Top-level keys of the version a sync would push now (`[]` when none is active). */
  currentKeys: (accessor: string, path: string) => Promise<string[]>
}

/** A value or its promise (the mount service's lookups may be either; always awaited). */
type Maybe<T> = T | Promise<T>

/** What sync asks of the mount table (`mounts/mount-service.ts`). */
export interface SyncMounts {
  byAccessor: (accessor: string) => Maybe<MountRow | undefined>
  byPath: (path: string) => Maybe<MountRow | undefined>
  isKvV2: (row: MountRow) => boolean
  resolve: (path: string) => Maybe<{ mount: MountRow, rest: string } | undefined>
}
