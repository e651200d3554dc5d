/**
 * The Azure names whose first write is in flight in this worker, per destination (decisions D-20,
 * FR-03: between associations of one destination, the one that did not take a name first gets
 * CLIENT_SIDE_ERROR `name … is owned by <mount>/<path>`). The recorded names (association
 * targets) say who took a name once an attempt settled; two first writes loaded before either
 * settled both found the name free, both wrote it (the later value won in Azure under the
 * earlier association's SYNCED) and the name was then recorded twice. A claim taken when an
 * attempt is loaded, and released once it settled (its name recorded, or not written), closes
 * that window: the second load finds the first's claim. In memory: one worker syncs a vault at a
 * time (with replicas, the holder of the vault's lease).
 */

/** The claims of one worker. */
export interface FirstWriteClaims {
  /**
   * Claims `name` (its collision key) on `destinationId` for `associationId`, labelled `label`
   * (`<mount><path>`, for the other's message). Returns the label of another association
   * holding it (nothing claimed), or undefined once `associationId` holds it.
   */
  claim: (destinationId: string, name: string, associationId: string, label: string) => string | undefined
  /** The label of another association than `associationId` claiming `name` on `destinationId`, or undefined. */
  heldBy: (destinationId: string, name: string, associationId: string) => string | undefined
  /** Releases `associationId`'s claims of `keys` (what `claim` returned as held, by {@link claimKey}). */
  release: (keys: readonly string[], associationId: string) => void
}

/** The key of a claim: the destination and the name's collision key. */
export const claimKey = (destinationId: string, name: string): string => `${destinationId}\u0000${name}`

/** Creates an empty set of claims. */
export function createFirstWriteClaims (): FirstWriteClaims {
  const held = new Map<string, { associationId: string, label: string }>()
  return {
    claim (destinationId, name, associationId, label) {
      const key = claimKey(destinationId, name)
      const holder = held.get(key)
      if (holder !== undefined && holder.associationId !== associationId) return holder.label
      held.set(key, { associationId, label })
      return undefined
    },
    heldBy (destinationId, name, associationId) {
      const holder = held.get(claimKey(destinationId, name))
      return holder !== undefined && holder.associationId !== associationId ? holder.label : undefined
    },
    release (keys, associationId) {
      for (const key of keys) if (held.get(key)?.associationId === associationId) held.delete(key)
    }
  }
}
