/**
 * Opens the storage `config` selects (issue 18): SQLite (the default: one process, the file at
 * `VAULT_SYNC_DB_PATH`) or PostgreSQL (`VAULT_SYNC_STORAGE=postgresql`: one of N replicas on
 * `VAULT_PG_CONNECTION_URL`). On PostgreSQL this migrates the schema (once across replicas
 * starting together), opens the pool and the `Store`, and starts the listener whose change
 * notifications invalidate the read caches; `started(address)` then starts the lease keeper
 * (heartbeat, `maintenance`) once the API listens, and `close()` stops them all.
 */
import { databaseHasData, openDatabase, type Db } from '../../db/database.js'
import type { PgChangeFeed } from '../../db/pg/change-feed.js'
import type { PgLogger } from '../../db/pg/connection.js'
import { openPgReplica, type PgReplica, type PgReplicaOptions } from '../../db/pg/pg-replica.js'
import { MAINTENANCE_LEASE } from '../../db/pg/sync-work.js'
import type { Store } from '../../db/store/repositories.js'
import { createSqliteStore } from '../../db/store/sqlite-store.js'
import type { Config } from '../config.js'
import { storageOpenError } from '../config/storage-errors.js'
import { singleProcess, type HaStatus } from './ha-status.js'

/** The storage of this process. */
export interface OpenedStorage {
  readonly engine: 'sqlite' | 'postgresql'
  readonly store: Store
  /** The SQLite connection (SQLite only: operator commands and the services not yet on the store). */
  readonly db: Db | undefined
  /** PostgreSQL only: the change feed whose checks the read caches use. */
  readonly changes: PgChangeFeed | undefined
  /** PostgreSQL only: the replica's runtime (id, listener, lease keeper). */
  readonly replica: PgReplica | undefined
  /** What `sys/leader`, `sys/ha-status` and `sys/seal-status` report. */
  readonly ha: HaStatus
  /** Where the data is, for the start-up line (never the PostgreSQL URL: it may hold a password). */
  readonly describe: string
  /** Runs start-up initialisation `work` once at a time across replicas (SQLite: just runs it). */
  exclusive: <T>(work: () => Promise<T>) => Promise<T>
  /**
   * Whether this process holds the `maintenance` lease (SQLite: always): the one replica that
   * exports the cluster-wide gauges (case PG-7) and runs cluster-wide chores.
   */
  holdsMaintenance: () => boolean
  /**
   * After the API listens, advertising `address`: starts the lease keeper (PostgreSQL; its
   * heartbeat carries the address), or records the address `sys/ha-status` lists (SQLite).
   */
  started: (address: string) => Promise<void>
  /** Stops the lease keeper and listener and closes the store (and the SQLite file). */
  close: () => Promise<void>
}

/** Extra PostgreSQL runtime options (channels and leases of the worker, test timings). */
export type PgRuntimeOptions = Omit<PgReplicaOptions, 'settings' | 'log'>

/** The storage settings `openStorage` reads. */
export type StorageConfig = Pick<Config, 'storage' | 'postgres' | 'dbPath' | 'dbPathSetting'>

/**
 * Whether the SQLite file of `config` holds sealed data (`databaseHasData`), asked before the
 * seal key is created.
 * @throws ConfigError naming the setting and the file when the file cannot be used (`storageOpenError`).
 */
export function sqliteHoldsData (config: Pick<Config, 'dbPath' | 'dbPathSetting'>): boolean {
  try {
    return databaseHasData(config.dbPath)
  } catch (err) {
    throw storageOpenError(config, err)
  }
}

/**
 * Opens the storage of `config`.
 * @throws ConfigError naming the setting when the SQLite file cannot be used (read-only, not a
 *   database, damaged; `storageOpenError`) or the PostgreSQL URL is invalid; SchemaTooNewError;
 *   the database's connection or migration error (nothing left open).
 */
export async function openStorage (config: StorageConfig, log: PgLogger, pg: PgRuntimeOptions = {}): Promise<OpenedStorage> {
  if (config.storage === 'sqlite' || config.postgres === undefined) {
    let db: Db
    try {
      db = openDatabase(config.dbPath)
    } catch (err) {
      throw storageOpenError(config, err)
    }
    const store = createSqliteStore(db)
    let advertised = ''
    return {
      engine: 'sqlite',
      store,
      db,
      changes: undefined,
      replica: undefined,
      ha: singleProcess(() => advertised),
      describe: config.dbPath,
      exclusive: async (work) => await work(),
      holdsMaintenance: () => true,
      started: async (address) => { advertised = address },
      close: store.close
    }
  }
  let replica: PgReplica
  try {
    replica = await openPgReplica({ settings: config.postgres, log, ...pg })
  } catch (err) {
    throw storageOpenError(config, err)
  }
  return {
    engine: 'postgresql',
    store: replica.store,
    db: undefined,
    changes: replica.changes,
    replica,
    ha: {
      storageType: 'postgresql',
      enabled: true,
      leader: replica.leader,
      members: async () => (await replica.members()).map((m) => ({ name: m.id, address: m.address ?? '', active: m.holdsLease, lastSeen: m.heartbeatAt ?? undefined })),
      storageReachable: () => replica.keeper?.reachable() ?? true
    },
    describe: `postgresql (replica ${replica.replica})`,
    exclusive: replica.exclusive,
    holdsMaintenance: () => replica.keeper?.fence(MAINTENANCE_LEASE) !== undefined,
    started: async (address) => { await replica.startLeases(address) },
    close: replica.close
  }
}
