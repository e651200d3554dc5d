/**
 * An in-memory secret store with versions and tags: the destination of the `fake-store` driver,
 * which exists only to show that a destination type plugs in through the driver contract alone
 * (no Azure, no emulator). Stores are named; each holds secrets by exact (case-sensitive) name.
 */

export interface FakeVersion { value: string, contentType: string, tags: Record<string, string> }

export interface FakeSecret { versions: FakeVersion[] }

/** Creates the stores. */
export function createFakeStores () {
  const stores = new Map<string, Map<string, FakeSecret>>()
  const calls: string[] = []
  const storeOf = (store: string): Map<string, FakeSecret> => {
    let s = stores.get(store)
    if (s === undefined) { s = new Map(); stores.set(store, s) }
    return s
  }
  return {
    /** Every call made, as `<op> <store>/<name>`. */
    calls,
    /** Writes a new version; returns its number (1-based, as a string). */
    put (store: string, name: string, version: FakeVersion): string {
      calls.push(`put ${store}/${name}`)
      const s = storeOf(store)
      const secret = s.get(name) ?? { versions: [] }
      secret.versions.push(version)
      s.set(name, secret)
      return String(secret.versions.length)
    },
    /** The secret, or undefined. */
    get (store: string, name: string): FakeSecret | undefined { return stores.get(store)?.get(name) },
    /** Deletes the secret; false when absent. */
    delete (store: string, name: string): boolean {
      calls.push(`delete ${store}/${name}`)
      return storeOf(store).delete(name)
    },
    /** Names in a store, sorted. */
    names (store: string): string[] { return [...storeOf(store).keys()].sort() }
  }
}

export type FakeStores = ReturnType<typeof createFakeStores>
