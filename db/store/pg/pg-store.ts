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
import { pgMetaRepository, pgMountsRepository, pgPoliciesRepository, pgTokensRepository } from './pg-access.js'
import { pgAssociationsRepository, pgDestinationsRepository } from './pg-associations.js'
import { pgKvRepository } from './pg-kv.js'
import { pgMetricsRepository, pgOutboxRepository, pgSyncStatusRepository } from './pg-outbox.js'
import { pgRulesRepository } from './pg-rules.js'
import { sqlOn } from './pg-sql.js'
import { inUnitScope, insideUnit, NestedUnitOfWorkError, refuseNested } from '../unit-scope.js'

/** `repos` whose every call rejects when made inside a unit of work (it would run on another connection). */
function guardOutside (repos: Repositories): Repositories {
  const out: Record<string, Record<string, unknown>> = {}
  for (const [name, repo] of Object.entries(repos) as Array<[string, Record<string, (...a: unknown[]) => Promise<unknown>>]>) {
    out[name] = Object.fromEntries(Object.entries(repo).map(([m, fn]) => [m, async (...a: unknown[]) => {
      if (insideUnit()) throw new NestedUnitOfWorkError('repos')
      return await fn(...a)
    }]))
  }
  return out as unknown as Repositories
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
    mounts: pgMountsRepository(sql),
    policies: pgPoliciesRepository(sql),
    meta: pgMetaRepository(sql),
    destinations,
    associations,
    outbox,
    rules: pgRulesRepository(sql),
    syncStatus: pgSyncStatusRepository({ destinations, associations, outbox }),
    metrics: pgMetricsRepository(sql, outbox)
  }
}

/**
 * The `Store` over `pool` (a migrated database: `db/pg/migrate.ts`). `close()` ends the pool
 * once its clients are released.
 */
export function createPgStore (pool: pg.Pool): Store {
  return {
    engine: 'postgresql',
    repos: guardOutside(pgRepositories(pool)),
    transaction: async (work) => await (refuseNested() ??
      withClientTransaction(pool, async (client) => await inUnitScope(async () => await work(pgRepositories(client))))),
    close: async () => { await pool.end() }
  }
}

/** Opens a pool with `settings` (`createPool`) and the `Store` over it. */
export function openPgStore (settings: PgConnectionSettings, log: PgLogger): Store {
  return createPgStore(createPool(settings, log))
}
