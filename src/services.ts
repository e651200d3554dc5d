/**
 * Composition root of the domain services: opens nothing itself, wires repos over an open
 * database into the services that routes and the worker call. `server.ts` and the tests call
 * `createServices`; nothing else constructs services.
 *
 * Issue 18: every service runs on the async `Store` (`db/store/repositories.ts`), on either
 * engine. `db` (SQLite only) is read here for the one-off keyed-hash migration of files from
 * before keyed hashes and the SQLite change check; on PostgreSQL the caller passes the change
 * feed's check instead.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { Db } from '../db/database.js'
import type { CachedTable } from '../db/pg/change-triggers.js'
import type { RuleRow } from '../db/rules-repo.js'
import type { Repositories, Store } from '../db/store/repositories.js'
import { createSqliteStore } from '../db/store/sqlite-store.js'
import type { ExistenceCheck } from './acl/enforce.js'
import { destinationExistenceCheck, kvExistenceCheck } from './acl/existence.js'
import { createPolicyService } from './acl/policy-service.js'
import { createAuditService } from './audit/audit-service.js'
import { cachedIdHash, createKeyedHash, migrateToKeyedHashes } from './crypto/keyed-hash.js'
import { createSealer, type Sealer } from './crypto/seal.js'
import { createAsyncReadCache, createChangeCheck, type ChangeCheck } from '../db/read-cache.js'
import { createMountService } from './mounts/mount-service.js'
import type { KvChange, KvChangeHook } from './kv/kv-events.js'
import { createKvService } from './kv/kv-service.js'
import { createMicroClock, microClockFromMillis } from './kv/kv-time.js'
import { loadConfig, driverSettings } from './config.js'
import { createBuiltinRegistry, type DriverRegistry } from './drivers/registry.js'
import type { AzureEnvDefaults } from './drivers/azure-kv/azure-kv-config.js'
import { createActivationService } from './sync/activation-service.js'
import { createRuleService, ruleExistenceCheck } from './rules/rule-service.js'
import { createSyncServices } from './sync/sync-services.js'
import { createSyncExtServices } from './sync-ext/sync-ext-services.js'
import { deriveDriftKey } from './drift/value-digest.js'
import { DEFAULT_DRIFT_CONFIG, type DriftConfig } from './drift/drift-config.js'
import { createDriftService } from './drift/drift-service.js'
import { createTokenService } from './tokens/token-service.js'
import { createTokenRoleService, tokenRoleExistenceCheck } from './tokens/token-roles.js'
import { createTokenTuneService } from './tokens/token-tune.js'

/** The seal check: a known plaintext stored encrypted, to detect a wrong seal key at start. */
const SEAL_CHECK_KEY = 'seal_check'
const SEAL_CHECK_TEXT = 'vault-sync seal check v1'

/**
 * Whether `sealer`'s key opens the database behind `meta` (its seal check decrypts);
 * `undefined` for a database without a seal check yet (new).
 */
export async function sealKeyOpens (meta: { get: (key: string) => Buffer | undefined | Promise<Buffer | undefined> }, sealer: Sealer): Promise<boolean | undefined> {
  const check = await meta.get(SEAL_CHECK_KEY)
  if (check === undefined) return undefined
  try { return sealer.decryptString(check, SEAL_CHECK_KEY) === SEAL_CHECK_TEXT } catch { return false }
}

export interface ServicesOptions {
  /**
   * The SQLite connection (SQLite only): the store over it when `store` is absent, its change
   * check when `changes` is, and the one-off keyed-hash migration of older files.
   */
  db?: Db
  /** The storage every service uses; a SQLite store over `db` when absent. */
  store?: Store
  /**
   * What tells the read caches that another connection, process or replica committed:
   * required without `db` (PostgreSQL: the change feed's `check()`); SQLite's
   * `PRAGMA data_version` check of `db` when absent.
   */
  changes?: ChangeCheck
  /**
   * PostgreSQL: a change check that moves only when one of `tables` changes, for the caches
   * that read one table (tokens, mounts, ACL policies, activation flags, association rules).
   * The change feed hears this replica's own commits too, so with `changes` alone every KV
   * write made the next request read its token, the mount table and rules again and recompile
   * its ACL. Absent (SQLite): `changes` for all.
   */
  changesOf?: (tables: readonly CachedTable[]) => ChangeCheck
  /** The 32-byte seal key. */
  sealKey: Buffer
  /** Audit log file (`VAULT_SYNC_AUDIT_FILE`); none when absent. */
  auditFile?: string
  /** Clock in ms (injectable for tests). KV keeps microsecond times from the wall clock when absent. */
  now?: () => number
  /** The destination types; the built-in ones with default settings when absent. */
  registry?: DriverRegistry
  /** Env fallbacks of `azure-kv` destinations (from `config.ts`), for `sys/sync-ext/status`. */
  azureEnv?: Readonly<AzureEnvDefaults>
  /** Global drift settings (config.ts `drift`, issue 21); the defaults when absent. */
  driftConfig?: Readonly<DriftConfig>
}

/**
 * The seal check and the cluster identity of the database behind `store`, written on a new one
 * (one unit of work; a replica starting at the same time as another sees the first one's).
 * @throws Error naming `VAULT_SYNC_SEAL_KEY_FILE` when the key does not open this database.
 */
async function initialiseStore (store: Store, sealer: Sealer): Promise<{ id: string, name: string }> {
  return await store.transaction(async (repos) => {
    const opens = await sealKeyOpens(repos.meta, sealer)
    if (opens === undefined) await repos.meta.set(SEAL_CHECK_KEY, sealer.encrypt(SEAL_CHECK_TEXT, SEAL_CHECK_KEY))
    else if (!opens) throw new Error('VAULT_SYNC_SEAL_KEY_FILE: the seal key does not open this database (wrong key file?)')
    if (await repos.meta.get('cluster_id') === undefined) {
      await repos.meta.set('cluster_id', randomUUID())
      await repos.meta.set('cluster_name', `vault-cluster-${randomBytes(4).toString('hex')}`)
    }
    return { id: (await repos.meta.get('cluster_id'))!.toString('utf8'), name: (await repos.meta.get('cluster_name'))!.toString('utf8') }
  })
}

/**
 * Wires the services and initialises a new database (seal check, cluster identity, built-in
 * mounts and policies).
 * @throws Error naming `VAULT_SYNC_SEAL_KEY_FILE` when the key does not open this database.
 */
export async function createServices ({ db, store: givenStore, changes: givenChanges, changesOf, sealKey, auditFile, now: injectedNow, registry = createBuiltinRegistry(driverSettings(loadConfig({}, {}))), azureEnv = {}, driftConfig = DEFAULT_DRIFT_CONFIG }: ServicesOptions) {
  if (db === undefined && (givenStore === undefined || givenChanges === undefined)) throw new Error('createServices: without `db`, give `store` and `changes`')
  const store = givenStore ?? createSqliteStore(db!)
  const changes = givenChanges ?? createChangeCheck(db!)
  const changesTo = (tables: readonly CachedTable[]): ChangeCheck => changesOf?.(tables) ?? changes
  const now = injectedNow ?? Date.now
  const sealer: Sealer = createSealer(sealKey)
  const cluster = await initialiseStore(store, sealer)
  // Token ids and target digests are stored as keyed hashes (issue 13 finding 7).
  const keyedHashes = { tokenId: createKeyedHash(sealKey, 'token-id'), targetDigest: createKeyedHash(sealKey, 'target-digest') }
  // Files from before keyed hashes (SQLite only: PostgreSQL databases were created with them).
  if (db !== undefined && store.engine === 'sqlite') migrateToKeyedHashes(db, keyedHashes)
  const mounts = createMountService({ store, changes: changesTo(['mounts']) })
  await mounts.ensureBuiltins()
  // KV calls these inside its transactions; sync registers its outbox recorder here.
  const kvChangeHooks: KvChangeHook[] = []
  const kvClock = injectedNow === undefined ? createMicroClock() : microClockFromMillis(injectedNow)
  // Key metadata and version rows (still sealed) are read through a cache (issue 16).
  const kv = createKvService({ store, changes, sealer, hooks: kvChangeHooks, clock: kvClock })
  const activation = createActivationService({ store, changes: changesTo(['meta']) })
  const sync = createSyncServices({ store, mounts, kv, sealer, now, registry })
  // Awaited by KV inside its unit of work, with the unit's repositories.
  kvChangeHooks.push(Object.assign(async (change: KvChange, repos: Repositories) => { await sync.associationService.recordKvChange(change, repos) },
    { idle: sync.associationService.recordsNothingFor }))
  const policies = createPolicyService({ store, changes: changesTo(['acl_policies']) })
  await policies.ensureBuiltins()
  // Association rules (issue 22): their hook runs after sync's, in the same KV unit of work.
  // Every KV write asks which rules cover its mount: answered from a cache (issue 16's change
  // check; the rule service forgets it when it creates or deletes a rule); a rule row a cascade
  // removed behind it is skipped, its destination being gone.
  const rulesOfMountCache = createAsyncReadCache<string, RuleRow[]>(changesTo(['association_rules']))
  const rulesOfMount = async (accessor: string): Promise<RuleRow[]> => await store.repos.rules.ofMount(accessor)
  const rules = createRuleService({
    store,
    rulesOfMount: (accessor) => rulesOfMountCache.read(accessor, rulesOfMount),
    rulesOfMountSync: (accessor, load) => rulesOfMountCache.readNow(accessor, load),
    rulesChanged: rulesOfMountCache.clear,
    associationService: sync.associationService,
    destinations: sync.destinationService, mounts, kv, policies, now
  })
  kvChangeHooks.push(Object.assign(async (change: KvChange) => { await rules.onKvChange(change) }, { idle: rules.ignoresKvChange }))
  const tokenTune = createTokenTuneService({ store })
  const tokenRoles = createTokenRoleService({ store, maxTtl: async () => (await tokenTune.limits()).maxTtl })
  // Paths whose writes are `create` or `update` for the ACL depending on existence (D-7).
  const destinationExists = async (type: string, name: string): Promise<boolean | undefined> =>
    registry.get(type) === undefined ? undefined : await store.repos.destinations.live(type, name) !== undefined
  const existenceChecks: ExistenceCheck[] = [kvExistenceCheck(mounts, kv), destinationExistenceCheck(destinationExists), ruleExistenceCheck(rules.exists),
    tokenRoleExistenceCheck(tokenRoles.exists)]
  const drift = createDriftService({
    store,
    destinations: sync.destinationService,
    config: driftConfig,
    sweepable: (type) => registry.get(type)?.drift !== undefined
  })
  const audit = await createAuditService({ meta: store.repos.meta, sealer, file: auditFile })
  return {
    /** The SQLite connection (SQLite only), for the composition root and tests. */
    db,
    /** The storage of the converted services (`db/store/`). */
    store,
    sealer,
    now,
    cluster,
    mounts,
    /** ACL policies and compiled ACLs (acl/policy-service.ts). */
    policies,
    existenceChecks,
    /** The file audit device and its HMAC (audit/audit-service.ts). */
    audit,
    tokens: createTokenService({ store, policyExists: policies.exists, now, limits: tokenTune.limits, idHash: cachedIdHash(keyedHashes.tokenId), changes: changesTo(['tokens']) }),
    /** `sys/auth/token/tune`: the token store's default and max TTL (tokens/token-tune.ts). */
    tokenTune,
    /** Token store roles, `auth/token/roles/*` (tokens/token-roles.ts). */
    tokenRoles,
    /** The keyed hash of each half of an association target's digest (sync/plan.ts). */
    targetDigestKey: keyedHashes.targetDigest,
    /** The key of drift value digests recorded at write time (drift/value-digest.ts, issue 21). */
    driftKey: deriveDriftKey(sealKey),
    activation,
    /** Hooks awaited inside every KV mutation's unit of work, with its repositories (see kv/kv-events.ts). */
    kvChangeHooks,
    /** The KV v2 engine (kv/kv-service.ts); also what sync reads (`secretExists`, `readCurrent`). */
    kv,
    /** Destination types by URL segment (`azure-kv`). */
    driverRegistry: registry,
    /** `sys/sync/config`: `disabled`, `queue_capacity`. */
    syncConfig: sync.syncConfig,
    /** Sync destinations: CRUD, purge, decrypted config for the worker. */
    destinationService: sync.destinationService,
    /** Associations: set/remove/lists (explicit set/remove tracked by the rules); its KV hook is registered above. */
    associationService: rules.trackExplicit(sync.associationService),
    /** Association rules under `sys/sync-ext/destinations/:type/:name/rules` (rules/rule-service.ts). */
    rules,
    /** What the sync worker works on: transactions, repos, `enqueue` (its `onEnqueued` wakes the worker). */
    syncWork: sync.work,
    /** vault-sync extensions under `sys/sync-ext/` (status, name preview; rules and drift have their own services). */
    syncExt: createSyncExtServices({ store, now, registry, mounts, destinations: sync.destinationService, syncConfig: sync.syncConfig, azureEnv, driftStatus: drift.status }),
    /** Drift settings per destination and the plan (drift/drift-service.ts, issue 21). */
    drift,
    /** What the drift runner of the worker process works with (drift/drift-runner.ts). */
    driftWork: { config: driftConfig }
  }
}

export type Services = Awaited<ReturnType<typeof createServices>>
