/**
 * The destination-type registry: the only list of the types that exist. Everything else looks
 * a type up by its URL segment; an unknown type is answered like Vault's unknown path
 * (decisions D-15.2). Adding a destination type is one line in `createBuiltinRegistry` (or one
 * `register` call on a registry instance: tests and embedders add their own types that way).
 */
import { createAzureKv, type AzureKvDriverSettings } from './azure-kv/index.js'
import type { SyncDriver } from './driver.js'

export interface DriverRegistry {
  /** The driver registered as `type`, or `undefined`. */
  get: (type: string) => SyncDriver | undefined
  /** Registered type names, sorted. */
  types: () => string[]
  /** Adds a driver. @throws Error when its type is already registered. */
  register: (driver: SyncDriver) => void
}

/** Builds a registry from the given drivers (one per type). */
export function createDriverRegistry (drivers: readonly SyncDriver[] = []): DriverRegistry {
  const byName = new Map<string, SyncDriver>()
  const registry: DriverRegistry = {
    get: (type) => byName.get(type),
    types: () => [...byName.keys()].sort(),
    register: (driver) => {
      if (byName.has(driver.type)) throw new Error(`destination type ${driver.type} is already registered`)
      byName.set(driver.type, driver)
    }
  }
  for (const d of drivers) registry.register(d)
  return registry
}

/** What the built-in drivers are built from (from `config.ts`). */
export interface BuiltinDriverSettings {
  azure: AzureKvDriverSettings
}

/** The registry of the built-in destination types. */
export function createBuiltinRegistry (settings: BuiltinDriverSettings): DriverRegistry {
  return createDriverRegistry([
    createAzureKv(settings.azure)
  ])
}
