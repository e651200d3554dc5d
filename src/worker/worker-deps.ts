/**
 * What the sync worker works with (narrow: no database handle, no service bag): transactions,
 * the outbox and association repos, `enqueue`, the destination-type registry and the few
 * service methods it calls. `sync-engine.ts` picks these from the composed services.
 */
import type { Transact } from '../../db/database.js'
import type { AssociationsRepo } from '../../db/associations-repo.js'
import type { DestinationsRepo } from '../../db/destinations-repo.js'
import type { OutboxRepo } from '../../db/outbox-repo.js'
import type { DriftKey } from '../drift/value-digest.js'
import type { DriverRegistry } from '../drivers/registry.js'
import type { SyncKvReads as KvService } from '../kv/kv-sync-reads.js'
import type { SyncMountLookup as MountService } from '../mounts/mount-lookup.js'
import type { DestinationService } from '../sync/destination-service.js'
import type { InterimOutbox } from '../sync/outbox.js'
import type { SyncConfigService } from '../sync/sync-config-service.js'

export interface WorkerServices {
  work: {
    transact: Transact
    associations: AssociationsRepo
    /** The outbox rows: claim, settle, lease. */
    queue: OutboxRepo
    destinations: Pick<DestinationsRepo, 'delete' | 'setPurge' | 'allLive'>
    /** Queuing other associations (co-owners, reconciliation) under the capacity rules. */
    outbox: Pick<InterimOutbox, 'enqueue'>
  }
  registry: DriverRegistry
  destinationService: Pick<DestinationService, 'byId' | 'configOf' | 'dropSettledHidden'>
  kv: Pick<KvService, 'readCurrent'>
  mounts: Pick<MountService, 'byAccessor'>
  syncConfig: Pick<SyncConfigService, 'get'>
  /** Clock, epoch ms. */
  now: () => number
  /** The keyed hash of target digests (`crypto/keyed-hash.ts`). */
  targetDigestKey: (digest: string) => string
  /** The key of drift value digests (`drift/value-digest.ts`); no drift evidence is recorded without it (issue 21). */
  driftKey?: DriftKey
}
