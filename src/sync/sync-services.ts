/**
 * Wiring of the secrets-sync services (called by `services.ts`, the composition root): the
 * repos over one database, the outbox's `enqueue`, and the config, destination and association
 * services over the destination-type registry it is given. KV v2 is the only secret source
 * (`kv.secretExists`, `kv.readCurrent`).
 */
import type { Db } from '../../db/database.js'
import { transactor } from '../../db/database.js'
import { createAssociationsRepo } from '../../db/associations-repo.js'
import { createDestinationsRepo } from '../../db/destinations-repo.js'
import type { MetaRepo } from '../../db/meta-repo.js'
import { createOutboxRepo } from '../../db/outbox-repo.js'
import type { Sealer } from '../crypto/seal.js'
import type { DriverRegistry } from '../drivers/registry.js'
import type { SyncKvReads as KvService } from '../kv/kv-sync-reads.js'
import type { SyncMountLookup as MountService } from '../mounts/mount-lookup.js'
import { createAssociationService, type SecretSource } from './association-service.js'
import { createDestinationService } from './destination-service.js'
import { createSyncOutbox } from './outbox.js'
import { createSyncConfigService } from './sync-config-service.js'

export interface SyncServicesDeps {
  db: Db
  meta: MetaRepo
  mounts: MountService
  kv: Pick<KvService, 'secretExists' | 'readCurrent'>
  sealer: Sealer
  /** Clock, epoch ms. */
  now: () => number
  /** The destination types. */
  registry: DriverRegistry
}

/** Builds the sync services. */
export function createSyncServices ({ db, meta, mounts, kv, sealer, now, registry }: SyncServicesDeps) {
  const transact = transactor(db)
  const associations = createAssociationsRepo(db)
  const queue = createOutboxRepo(db)
  const destinationsRepo = createDestinationsRepo(db)
  const syncConfig = createSyncConfigService({ meta })
  const outbox = createSyncOutbox({ outbox: queue, associations, config: syncConfig })
  const destinationService = createDestinationService({
    transact, destinations: destinationsRepo, associations, queue, outbox, sealer, registry, now
  })
  const secrets: SecretSource = {
    secretExists: (accessor, path) => kv.secretExists(accessor, path),
    currentKeys: (accessor, path) => Object.keys(kv.readCurrent(accessor, path)?.data ?? {})
  }
  const associationService = createAssociationService({
    transact, associations, outbox, destinations: destinationService, mounts, secrets, now
  })
  return {
    syncConfig,
    destinationService,
    associationService,
    /** What the sync worker works on directly (outbox -> worker): the repos, `enqueue`, transactions. */
    work: { transact, associations, queue, destinations: destinationsRepo, outbox }
  }
}
