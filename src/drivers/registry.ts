/**
 * The destination-type registry: the only place that knows which types exist. Everything else
 * looks a type up by its URL segment; an unknown type is answered like Vault's unknown path
 * (decisions D-15.2).
 */
import type { DestinationType } from './driver.js'

export interface DriverRegistry {
  /** The type registered as `type`, or `undefined`. */
  get: (type: string) => DestinationType | undefined
  /** Registered type names, sorted. */
  types: () => string[]
}

/** Builds the registry from the given types (one per name). */
export function createDriverRegistry (types: readonly DestinationType[]): DriverRegistry {
  const byName = new Map(types.map((t) => [t.type, t]))
  return {
    get: (type) => byName.get(type),
    types: () => [...byName.keys()].sort()
  }
}
