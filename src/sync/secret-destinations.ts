/**
 * The destinations one secret is associated with (spec/vault-sync-api.md §3.13, decisions
 * D-15.13): `GET sys/sync/associations/destinations` and its path form, answered from the
 * association rows for the association service.
 */
import type { Store } from '../../db/store/repositories.js'
import { notFound } from '../vault/errors.js'
import { normalizeMount } from './association-target.js'
import { associationSummary } from './association-view.js'
import type { SyncMounts } from './sync-sources.js'
import type { DestinationOfSecret } from './sync-types.js'

/** Creates the lookups of a secret's destinations over `store` and the mount table `mounts`. */
export function createSecretDestinations ({ store, mounts }: { store: Store, mounts: Pick<SyncMounts, 'byPath' | 'resolve'> }) {
  // Inside a unit of work these run on it (ambient units, db/store/unit-scope.ts).
  const associations = store.repos.associations

  /**
   * `GET sys/sync/associations/destinations?mount=&secret_name=` (§3.13): every destination the
   * secret is associated with, removed ones included (they show `UNSYNCING`/`UNSYNCED`).
   * @throws VaultError 404 `{"errors":[]}` when there is none (D-15.13).
   */
  async function destinationsOf (mountInput: string, secretInput: string): Promise<{ associated_destinations: Record<string, DestinationOfSecret> }> {
    const mount = normalizeMount(mountInput)
    const secretPath = secretInput.replace(/^\/+/, '')
    const accessor = (await mounts.byPath(mount))?.accessor
    const rows = accessor !== undefined
      ? await associations.ofSecret(accessor, secretPath)
      : (await associations.allOfLiveDestinations()).filter((a) => a.mount_path === `${mount}/` && a.secret_path === secretPath)
    const out: Record<string, DestinationOfSecret> = {}
    for (const a of rows) {
      const dest = await store.repos.destinations.byId(a.destination_id)
      if (dest === undefined || dest.deleted_at !== null) continue
      out[`${dest.type}/${dest.name}`] = { type: dest.type, name: dest.name, ...associationSummary(a, await associations.targets(a.id)) }
    }
    if (Object.keys(out).length === 0) throw notFound()
    return { associated_destinations: out }
  }

  return {
    destinationsOf,

    /**
     * `GET sys/sync/associations/:mount/*secret`: the path form, split by longest mount prefix.
     * @throws VaultError 404 as `destinationsOf`, or when no mount serves the path.
     */
    async destinationsOfPath (path: string): Promise<{ associated_destinations: Record<string, DestinationOfSecret> }> {
      const found = await mounts.resolve(normalizeMount(path))
      if (found === undefined || found.rest === '') throw notFound()
      return await destinationsOf(found.mount.path, found.rest)
    }
  }
}
