/**
 * `LIST sys/sync/associations` (spec/vault-sync-api.md §3.12, D-32.1) kept as its JSON bytes
 * (issue 16): rebuilt from one read only when its inputs changed. The inputs' fingerprint is
 * `associations.listingGeneration()` (live destinations and their trigger-maintained `view_gen`,
 * migration 7) plus the current path of every mount shown (a mount can move or go, D-21).
 */
import type { AssociationRow, AssociationsRepo } from '../../db/associations-repo.js'
import type { Transact } from '../../db/database.js'
import { globalAssociationList } from './association-view.js'

export interface GlobalAssociationListDeps {
  transact: Transact
  associations: Pick<AssociationsRepo, 'listingGeneration' | 'listingOfLive'>
  /** Current path (trailing `/`) of the mount `accessor`, undefined when it is not mounted. */
  mountPath: (accessor: string) => string | undefined
}

export type GlobalAssociationList = ReturnType<typeof globalAssociationList>

/** Creates the cached global list (one per process). */
export function createGlobalAssociationList ({ transact, associations, mountPath }: GlobalAssociationListDeps) {
  let cached: { fingerprint: string, mounts: Map<string, string | undefined>, list: GlobalAssociationList, json?: Buffer } | undefined

  const shownPath = (a: Pick<AssociationRow, 'accessor' | 'mount_path'>): string => mountPath(a.accessor) ?? a.mount_path
  const mountsMoved = (mounts: Map<string, string | undefined>): boolean => {
    for (const [accessor, path] of mounts) if (mountPath(accessor) !== path) return true
    return false
  }

  function current (): NonNullable<typeof cached> {
    return transact(() => {
      const fingerprint = associations.listingGeneration()
      if (cached !== undefined && cached.fingerprint === fingerprint && !mountsMoved(cached.mounts)) return cached
      const rows = associations.listingOfLive()
      const mounts = new Map<string, string | undefined>()
      for (const a of rows) if (!mounts.has(a.accessor)) mounts.set(a.accessor, mountPath(a.accessor))
      const list = globalAssociationList(rows.map((a) => ({ accessor: a.accessor, mountPath: shownPath(a), secretPath: a.secret_path })))
      cached = { fingerprint, mounts, list }
      return cached
    })
  }

  return {
    /** The list's `data` (keys sorted by byte order, `key_info`, totals). Do not modify it. */
    list: (): GlobalAssociationList => current().list,
    /**
     * The same `data` as UTF-8 JSON, the bytes the response schema's serializer writes; undefined
     * when nothing is associated (the route answers 404).
     */
    json (): Buffer | undefined {
      const c = current()
      if (c.list.keys.length === 0) return undefined
      c.json ??= Buffer.from(JSON.stringify(c.list), 'utf8')
      return c.json
    }
  }
}
