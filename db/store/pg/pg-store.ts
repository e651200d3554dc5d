/**
 * The PostgreSQL `Store` (repositories.ts) on a node-postgres pool (`db/pg/connection.ts`: the
 * server-side timeouts and error listeners of every connection). Outside a unit of work each
 * repository call is one statement on any pooled connection (autocommit). A unit of work runs
 * on one checked-out client: BEGIN, the callback, COMMIT (ROLLBACK when it rejects); the client
 * is always released, and destroyed when the connection broke. Isolation is PostgreSQL's
 * default READ COMMITTED; what must not race takes explicit locks (`kv.metadataForUpdate`) or
 * is one statement (`associations.set`/`remove`, `outbox.markDirty`/`claim`).
 */
import type pg from 'pg'
import { createPool, withClientTransaction, type PgConnectionSettings, type PgLogger } from '../../pg/connection.js'
import type { Repositories, Store } from '../repositories.js'
import { pgMetaRepository, pgMountsRepository, pgPoliciesRepository, pgTokenRolesRepository, pgTokensRepository } from './pg-access.js'
import { pgAssociationsRepository, pgDestinationsRepository } from './pg-associations.js'
import { pgKvRepository } from './pg-kv.js'
import { pgMetricsRepository, pgOutboxRepository, pgSyncStatusRepository } from './pg-outbox.js'
import { pgRulesRepository } from './pg-rules.js'
import { pgDriftRepository } from './pg-drift.js'
import { pgFencingRepository } from './pg-fencing.js'
import { sqlOn } from './pg-sql.js'
import { currentUnit, inUnitScope, withSavepoint, type Unit } from '../unit-scope.js'

/** Repository methods by aggregate and name, for the ambient dispatch below. */
type RepoTable = Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>

/**
 * `repos` (on the pool) whose every call made inside a unit of work runs on that unit's
 * repositories instead (ambient units, `unit-scope.ts`): on the unit's connection and
 * transaction, never on another pooled connection against the unit's own row locks.
 */
function ambient (repos: Repositories): Repositories {
  const out: Record<string, Record<string, unknown>> = {}
  for (const [name, repo] of Object.entries(repos) as Array<[string, RepoTable[string]]>) {
    out[name] = Object.fromEntries(Object.entries(repo).map(([m, fn]) => [m, async (...a: unknown[]) => {
      const unit = currentUnit()
      return await (unit === undefined ? fn(...a) : (unit.repos as unknown as RepoTable)[name][m](...a))
    }]))
  }
  return out as unknown as Repositories
}

/** A unit of work on `client`: its repositories, nested units as savepoints on it. */
function pgUnit (client: pg.PoolClient): Unit {
  const repos = pgRepositories(client)
  let savepoints = 0
  return {
    repos,
    nested: async (work) => await withSavepoint(async (sql) => await client.query(sql), `vault_sync_${++savepoints}`, repos, work)
  }
}

/** Every repository over `q` (the pool, or one transaction's client). */
export function pgRepositories (q: pg.Pool | pg.ClientBase): Repositories {
  const sql = sqlOn(q)
  const destinations = pgDestinationsRepository(sql)
  const associations = pgAssociationsRepository(sql)
  const outbox = pgOutboxRepository(sql)
  return {
    kv: pgKvRepository(sql),
    tokens: pgTokensRepository(sql),
    tokenRoles: pgTokenRolesRepository(sql),
    mounts: pgMountsRepository(sql),
    policies: pgPoliciesRepository(sql),
    meta: pgMetaRepository(sql),
    destinations,
    associations,
    outbox,
    rules: pgRulesRepository(sql),
    drift: pgDriftRepository(sql),
    syncStatus: pgSyncStatusRepository({ destinations, associations, outbox }),
    metrics: pgMetricsRepository(sql, outbox),
    fencing: pgFencingRepository(sql)
  }
}

/** SQLSTATEs after which PostgreSQL rolled the whole transaction back and running it again is the documented remedy: deadlock_detected, serialization_failure. */
const RETRYABLE = new Set(['40P01', '40001'])
/** Attempts of one unit of work (the first and up to three re-runs after a deadlock). */
const UNIT_ATTEMPTS = 4

/**
 * The `Store` over `pool` (a migrated database: `db/pg/migrate.ts`). `close()` ends the pool
 * once its clients are released. A top-level unit that PostgreSQL aborts with a deadlock
 * (40P01) or a serialization failure (40001) is run again from the start, up to `UNIT_ATTEMPTS`
 * times, after 5-25 ms (PostgreSQL docs, "Serialization Failure Handling": retry the complete
 * transaction). This is safe because a unit does no network I/O and its effects outside the
 * database (cache invalidations, wake-ups) repeat harmlessly; two KV writes locking the
 * `associations` rows of one secret in different orders would otherwise answer a 500.
 */
export function createPgStore (pool: pg.Pool): Store {
  return {
    engine: 'postgresql',
    repos: ambient(pgRepositories(pool)),
    transaction: async (work) => {
      const outer = currentUnit()
      if (outer !== undefined) return await outer.nested(work)
      for (let attempt = 1; ; attempt++) {
        try {
          return await withClientTransaction(pool, async (client) => {
            const unit = pgUnit(client)
            return await inUnitScope(unit, async () => await work(unit.repos))
          })
        } catch (err) {
          if (attempt >= UNIT_ATTEMPTS || !RETRYABLE.has((err as { code?: string })?.code ?? '')) throw err
          await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20))
        }
      }
    },
    close: async () => { await pool.end() }
  }
}

/** Opens a pool with `settings` (`createPool`) and the `Store` over it. */
export function openPgStore (settings: PgConnectionSettings, log: PgLogger): Store {
  return createPgStore(createPool(settings, log))
}
