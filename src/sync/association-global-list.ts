/**
 * `LIST sys/sync/associations` (spec/vault-sync-api.md §3.12, D-32.1) kept as its JSON bytes
 * (issue 16): rebuilt from one read only when its inputs changed. The inputs' fingerprint is
 * `associations.listingGeneration()` (live destinations and their trigger-maintained `view_gen`,
 * migration 7) plus the current path of every mount shown (a mount can move or go, D-21). Reads
 * go through the async `Store` (either engine), in one unit of work.
 */
import type { Store } from '../../db/store/repositories.js'
import { globalAssociationList } from './association-view.js'

export interface GlobalAssociationListDeps {
  store: Pick<Store, 'transaction' | 'repos'>
  /** Current path (trailing `/`) of the mount `accessor`, undefined when it is not mounted. */
  mountPath: (accessor: string) => Promise<string | undefined>
}

export type GlobalAssociationList = ReturnType<typeof globalAssociationList>

/** Creates the cached global list (one per process). */
export function createGlobalAssociationList ({ store, mountPath }: GlobalAssociationListDeps) {
  let cached: { fingerprint: string, mounts: Map<string, string | undefined>, list: GlobalAssociationList, json?: Buffer } | undefined

  const mountsMoved = async (mounts: Map<string, string | undefined>): Promise<boolean> => {
    for (const [accessor, path] of mounts) if (await mountPath(accessor) !== path) return true
    return false
  }

  /** The list: after one plain read when nothing changed (the usual case), else rebuilt in one unit of work. */
  async function current (): Promise<NonNullable<typeof cached>> {
    const seen = cached
    if (seen !== undefined && seen.fingerprint === await store.repos.associations.listingGeneration() && !await mountsMoved(seen.mounts)) return seen
    return await store.transaction(async ({ associations }) => {
      const fingerprint = await associations.listingGeneration()
      const known = cached
      if (known !== undefined && known.fingerprint === fingerprint && !await mountsMoved(known.mounts)) return known
      const rows = await associations.listingOfLive()
      const mounts = new Map<string, string | undefined>()
      for (const a of rows) if (!mounts.has(a.accessor)) mounts.set(a.accessor, await mountPath(a.accessor))
      const list = globalAssociationList(rows.map((a) => ({ accessor: a.accessor, mountPath: mounts.get(a.accessor) ?? a.mount_path, secretPath: a.secret_path })))
      cached = { fingerprint, mounts, list }
      return cached
    })
  }

  return {
    /** The list's `data` (keys sorted by byte order, `key_info`, totals). Do not modify it. */
    list: async (): Promise<GlobalAssociationList> => (await current()).list,
    /**
     * The same `data` as UTF-8 JSON, the bytes the response schema's serializer writes; undefined
     * when nothing is associated (the route answers 404).
     */
    async json (): Promise<Buffer | undefined> {
      const c = await current()
      if (c.list.keys.length === 0) return undefined
      c.json ??= Buffer.from(JSON.stringify(c.list), 'utf8')
      return c.json
    }
  }
}
