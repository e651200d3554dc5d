/**
 * Wiring of the secrets-sync services (called by `services.ts`, the composition root): the
 * driver registry, the repos over one database, and the config, destination and association
 * services. KV v2 is the only secret source (`kv.secretExists`, `kv.readCurrent`).
 */
import type { Db } from '../../db/database.js'
import { createAssociationsRepo } from '../../db/associations-repo.js'
import { createDestinationsRepo } from '../../db/destinations-repo.js'
import type { MetaRepo } from '../../db/meta-repo.js'
import { createOutboxRepo } from '../../db/outbox-repo.js'
import type { Sealer } from '../crypto/seal.js'
import { createAzureKvType, type AzureEnvDefaults } from '../drivers/azure-kv/azure-kv-config.js'
import { createDriverRegistry } from '../drivers/registry.js'
import type { KvService } from '../kv/kv-service.js'
import type { MountService } from '../mounts/mount-service.js'
import { createAssociationService, type SecretSource } from './association-service.js'
import { createDestinationService } from './destination-service.js'
import { createSyncConfigService } from './sync-config-service.js'

export interface SyncServicesDeps {
  db: Db
  meta: MetaRepo
  mounts: MountService
  kv: Pick<KvService, 'secretExists' | 'readCurrent'>
  sealer: Sealer
  /** Clock, epoch ms. */
  now: () => number
  azureEnv: Readonly<AzureEnvDefaults>
}

/** Builds the sync services. */
export function createSyncServices ({ db, meta, mounts, kv, sealer, now, azureEnv }: SyncServicesDeps) {
  const driverRegistry = createDriverRegistry([createAzureKvType(azureEnv)])
  const associations = createAssociationsRepo(db)
  const outbox = createOutboxRepo(db)
  const syncConfig = createSyncConfigService({ meta })
  const destinationsRepo = createDestinationsRepo(db)
  const destinationService = createDestinationService({
    db, destinations: destinationsRepo, associations, outbox, sealer, registry: driverRegistry, now
  })
  const secrets: SecretSource = {
    secretExists: (accessor, path) => kv.secretExists(accessor, path),
    currentKeys: (accessor, path) => Object.keys(kv.readCurrent(accessor, path)?.data ?? {})
  }
  const associationService = createAssociationService({
    db, associations, outbox, destinations: destinationService, mounts, secrets, config: syncConfig, now
  })
  return {
    driverRegistry,
    syncConfig,
    destinationService,
    associationService,
    /** The repos the sync worker works on directly (outbox -> worker). */
    repos: { associations, outbox, destinations: destinationsRepo }
  }
}
