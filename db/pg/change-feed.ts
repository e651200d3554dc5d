/**
 * Cross-replica cache invalidation, replica side (issue 18): the PostgreSQL `ChangeCheck` of the
 * read caches (`db/read-cache.ts`; SQLite's counterpart reads `PRAGMA data_version`). The
 * change triggers (`change-triggers.ts`) notify `CHANGE_CHANNEL` with the changed table when a
 * transaction commits; the replica's listener (`listener.ts`, one dedicated connection) hands
 * each notification to `heard`, which moves the version of every check covering that table, so
 * the caches forget what they hold on the next read. Nothing is trusted while notifications
 * may be lost:
 * - while the listener is not connected or not hearing its own pings (`listening()` false),
 *   `version()` is new on every call, so caches read through and keep nothing;
 * - when it hears again (after a reconnect), every check moves: what was missed is forgotten.
 * A change made on another replica is therefore seen here as soon as its notification arrives
 * (the NOTIFY is delivered right after the COMMIT; milliseconds), never later than the
 * listener's ping timeout. Async loads must read `version()` before they start and store only
 * when it has not moved since (a notification may arrive while the load is in flight).
 */
import type { ChangeCheck } from '../read-cache.js'
import { currentUnit, type Unit } from '../store/unit-scope.js'
import { CACHED_TABLES, CHANGE_CHANNEL, type CachedTable } from './change-triggers.js'

/** What one replica has heard of other transactions' changes. */
export interface PgChangeFeed {
  /** The listener's `onNotification` (other channels are ignored). */
  heard: (channel: string, payload: string) => void
  /** The listener's `onReconnect`: everything may have changed meanwhile. */
  reconnected: () => void
  /** A `ChangeCheck` that moves when one of `tables` (default: all cached tables) changes. */
  check: (tables?: readonly CachedTable[]) => ChangeCheck
  /** Notifications heard per table since start (tests, diagnostics). */
  counts: () => Readonly<Record<string, number>>
}

/**
 * Creates the feed. `listening()` says whether the listener is connected and hears its pings
 * (`PgListener.connected && PgListener.hearing === true`); false until the first ping is heard.
 */
export function createPgChangeFeed (listening: () => boolean): PgChangeFeed {
  const counters = new Map<string, number>(CACHED_TABLES.map((t) => [t, 0]))
  let resets = 0
  let deaf = 0
  let wasListening = false
  let writes = 0
  // Units that wrote through a cached repo: what they read may be rolled back, so not kept.
  const dirty = new WeakSet<Unit>()
  const base = (): number | undefined => {
    if (!listening()) { wasListening = false; return undefined }
    if (!wasListening) { wasListening = true; resets++ } // hearing (again): forget everything
    return resets
  }
  return {
    heard (channel, payload) {
      if (channel !== CHANGE_CHANNEL) return
      counters.set(payload, (counters.get(payload) ?? 0) + 1)
    },
    reconnected () { resets++ },
    check (tables = CACHED_TABLES) {
      return {
        version () {
          const r = base()
          if (r === undefined) return --deaf // never the same twice: nothing is kept
          let v = r * 2 ** 32
          for (const t of tables) v += counters.get(t) ?? 0
          return v
        },
        mayStore () {
          const unit = currentUnit()
          return unit === undefined || !dirty.has(unit)
        },
        epoch: () => writes,
        wrote (cascades) {
          if (cascades) writes++
          const unit = currentUnit()
          if (unit !== undefined) dirty.add(unit)
        }
      }
    },
    counts: () => Object.fromEntries(counters)
  }
}
