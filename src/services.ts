/**
 * Composition root of the domain services: opens nothing itself, wires repos over an open
 * database into the services that routes and the worker call. `server.ts` and the tests call
 * `createServices`; nothing else constructs services.
 */
import { createSqliteStore } from '../db/store/sqlite-store.js'
import { randomBytes, randomUUID } from 'node:crypto'
import type { Db } from '../db/database.js'
import { createKvRepo, kvRepoScope } from '../db/kv-repo.js'
import { createMetaRepo } from '../db/meta-repo.js'
import { createMountsRepo } from '../db/mounts-repo.js'
import { createPoliciesRepo } from '../db/policies-repo.js'
import { createRulesRepo, RULES_UNCACHED_READS, rulesRepoScope } from '../db/rules-repo.js'
import { createTokensRepo } from '../db/tokens-repo.js'
import type { ExistenceCheck } from './acl/enforce.js'
import { destinationExistenceCheck, kvExistenceCheck } from './acl/existence.js'
import { createPolicyService } from './acl/policy-service.js'
import { createAuditService } from './audit/audit-service.js'
import { cachedIdHash, createKeyedHash, migrateToKeyedHashes } from './crypto/keyed-hash.js'
import { createSealer, type Sealer } from './crypto/seal.js'
import { cacheRepoReads, createChangeCheck } from '../db/read-cache.js'
import { createMountService } from './mounts/mount-service.js'
import type { KvChangeHook } from './kv/kv-events.js'
import { createKvService } from './kv/kv-service.js'
import { microClockFromMillis } from './kv/kv-time.js'
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
import { createDriftRepo } from '../db/drift-repo.js'
import { createTokenService } from './tokens/token-service.js'
import { createTokenTuneService } from './tokens/token-tune.js'

/** The seal check: a known plaintext stored encrypted, to detect a wrong seal key at start. */
const SEAL_CHECK_KEY = 'seal_check'
const SEAL_CHECK_TEXT = 'vault-sync seal check v1'

/**
 * Whether `sealer`'s key opens the database behind `meta` (its seal check decrypts);
 * `undefined` for a database without a seal check yet (new).
 */
export function sealKeyOpens (meta: Pick<ReturnType<typeof createMetaRepo>, 'get'>, sealer: Sealer): boolean | undefined {
  const check = meta.get(SEAL_CHECK_KEY)
  if (check === undefined) return undefined
  try { return sealer.decryptString(check, SEAL_CHECK_KEY) === SEAL_CHECK_TEXT } catch { return false }
}

export interface ServicesOptions {
  db: Db
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
 * Wires the services and initialises a new database (seal check, cluster identity, built-in
 * mounts).
 * @throws Error naming `VAULT_SYNC_SEAL_KEY_FILE` when the key does not open this database.
 */
export function createServices ({ db, sealKey, auditFile, now: injectedNow, registry = createBuiltinRegistry(driverSettings(loadConfig({}, {}))), azureEnv = {}, driftConfig = DEFAULT_DRIFT_CONFIG }: ServicesOptions) {
  const now = injectedNow ?? Date.now
  const meta = createMetaRepo(db)
  const sealer: Sealer = createSealer(sealKey)
  const opens = sealKeyOpens(meta, sealer)
  if (opens === undefined) meta.set(SEAL_CHECK_KEY, sealer.encrypt(SEAL_CHECK_TEXT, SEAL_CHECK_KEY))
  else if (!opens) throw new Error('VAULT_SYNC_SEAL_KEY_FILE: the seal key does not open this database (wrong key file?)')
  if (meta.get('cluster_id') === undefined) {
    meta.set('cluster_id', randomUUID())
    meta.set('cluster_name', `vault-cluster-${randomBytes(4).toString('hex')}`)
  }
  const cluster = { id: meta.get('cluster_id')!.toString('utf8'), name: meta.get('cluster_name')!.toString('utf8') }
  // Token ids and target digests are stored as keyed hashes (issue 13 finding 7).
  const keyedHashes = { tokenId: createKeyedHash(sealKey, 'token-id'), targetDigest: createKeyedHash(sealKey, 'target-digest') }
  migrateToKeyedHashes(db, keyedHashes)
  const changes = createChangeCheck(db)
  const mounts = createMountService({ mounts: createMountsRepo(db), changes })
  mounts.ensureBuiltins()
  // KV calls these inside its transactions; sync registers its outbox recorder here.
  const kvChangeHooks: KvChangeHook[] = []
  const kv = createKvService({
    db,
    // Key metadata and version rows (still sealed) are read through a cache (issue 16); KV writes
    // cascade nowhere, so they leave the mount and token caches alone, and forget only their key.
    repo: cacheRepoReads(createKvRepo(db), changes, ['config', 'metadata', 'versions', 'versionData'], ['pathsInRange'], false, kvRepoScope),
    sealer,
    hooks: kvChangeHooks,
    clock: injectedNow === undefined ? undefined : microClockFromMillis(injectedNow)
  })
  const activation = createActivationService({ meta })
  const sync = createSyncServices({ db, meta, mounts, kv, sealer, now, registry })
  kvChangeHooks.push((change) => { sync.associationService.recordKvChange(change) })
  const policies = createPolicyService({ policies: createPoliciesRepo(db) })
  policies.ensureBuiltins()
  // Association rules (issue 22): their hook runs after sync's, in the same KV transaction.
  const rules = createRuleService({
    transact: sync.work.transact,
    // Every KV write asks which rules cover its mount: answered from a cache (issue 16's change
    // check); a rule row a cascade removed behind it is skipped, its destination being gone.
    rules: cacheRepoReads(createRulesRepo(db), changes, ['ofMount'], RULES_UNCACHED_READS, false, rulesRepoScope),
    associations: sync.work.associations, associationService: sync.associationService,
    destinations: sync.destinationService, mounts, kv, policies, now
  })
  kvChangeHooks.push((change) => { rules.onKvChange(change) })
  const tokenTune = createTokenTuneService({ meta })
  // Paths whose writes are `create` or `update` for the ACL depending on existence (D-7).
  const destinationExists = (type: string, name: string): boolean | undefined => {
    try { return sync.destinationService.find(type, name).row !== undefined } catch { return undefined }
  }
  const existenceChecks: ExistenceCheck[] = [kvExistenceCheck(mounts, kv.secretExists), destinationExistenceCheck(destinationExists), ruleExistenceCheck(rules.exists)]
  const driftRepo = createDriftRepo(db)
  const drift = createDriftService({
    drift: driftRepo,
    targetsOf: (id) => sync.work.associations.driftTargetsOfDestination(id),
    destinations: sync.destinationService,
    config: driftConfig,
    sweepable: (type) => registry.get(type)?.drift !== undefined
  })
  return {
    /** The database handle, for the composition root and tests; no service receives it. */
    db,
    /** The async storage interface over `db` (db/store/; the sync worker works on it, issue 18). */
    store: createSqliteStore(db),
    sealer,
    now,
    cluster,
    mounts,
    /** ACL policies and compiled ACLs (acl/policy-service.ts). */
    policies,
    existenceChecks,
    /** The file audit device and its HMAC (audit/audit-service.ts). */
    audit: createAuditService({ meta, sealer, file: auditFile }),
    tokens: createTokenService({ tokens: createTokensRepo(db), policyExists: policies.exists, now, limits: tokenTune.limits, idHash: cachedIdHash(keyedHashes.tokenId), changes }),
    /** `sys/auth/token/tune`: the token store's default and max TTL (tokens/token-tune.ts). */
    tokenTune,
    /** The keyed hash of each half of an association target's digest (sync/plan.ts). */
    targetDigestKey: keyedHashes.targetDigest,
    /** The key of drift value digests recorded at write time (drift/value-digest.ts, issue 21). */
    driftKey: deriveDriftKey(sealKey),
    activation,
    /** Hooks run synchronously inside every KV mutation's transaction (see kv/kv-events.ts). */
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
    syncExt: createSyncExtServices({ db, now, registry, mounts, destinations: sync.destinationService, syncConfig: sync.syncConfig, azureEnv, driftStatus: drift.status }),
    /** Drift settings per destination and the plan (drift/drift-service.ts, issue 21). */
    drift,
    /** What the drift runner of the worker process works with (drift/drift-runner.ts). */
    driftWork: { repo: driftRepo, config: driftConfig }
  }
}

export type Services = ReturnType<typeof createServices>
