/**
 * Wiring of the secrets-sync services (called by `services.ts`, the composition root): the
 * config, destination and association services and the outbox's `enqueue`, all on the async
 * `Store` (either engine), over the destination-type registry it is given. KV v2 is the only
 * secret source (`kv.secretExists`, `kv.readCurrent`, awaited: they may be async).

 */
import type { Store } from '../../db/store/repositories.js'
import type { Sealer } from '../crypto/seal.js'
import type { DriverRegistry } from '../drivers/registry.js'
import type { KvCurrentState } from '../kv/kv-metadata-ops.js'
import { createAssociationService } from './association-service.js'
import type { SecretSource, SyncMounts } from './sync-sources.js'
import { createDestinationService } from './destination-service.js'
import { createSyncOutbox } from './outbox.js'
import { createSyncConfigService } from './sync-config-service.js'

/** What sync reads of KV v2; either form (plain or promise) is awaited. */
export interface SyncKv {
  secretExists: (accessor: string, path: string) => boolean | Promise<boolean>
  readCurrent: (accessor: string, path: string) => KvCurrentState | undefined | Promise<KvCurrentState | undefined>
}

export interface SyncServicesDeps {
  store: Store
  mounts: SyncMounts
  kv: SyncKv
  sealer: Sealer
  /** Clock, epoch ms. */
  now: () => number
  /** The destination types. */
  registry: DriverRegistry
}

/** Builds the sync services. */
export function createSyncServices ({ store, mounts, kv, sealer, now, registry }: SyncServicesDeps) {
  const syncConfig = createSyncConfigService({ store })
  const outbox = createSyncOutbox({ store, config: syncConfig })
  const destinationService = createDestinationService({ store, outbox, sealer, registry, now })
  const secrets: SecretSource = {
    secretExists: async (accessor, path) => await kv.secretExists(accessor, path),
    currentKeys: async (accessor, path) => Object.keys((await kv.readCurrent(accessor, path))?.data ?? {})
  }
  const associationService = createAssociationService({
    store, outbox, destinations: destinationService, mounts, secrets, now
  })
  return {
    syncConfig,
    destinationService,
    associationService,
    /**
     * What the sync worker works on directly (outbox -> worker):
     * - `store`: the async storage (units of work: `store.transaction`, repositories: `store.repos`);
     * - `enqueue(associationId, at, opts): Promise<boolean>`: `outbox.ts`'s rules in one unit of
     *   work (joins the caller's unit when called inside one);
     * - `outbox.onEnqueued(listener)`: called after every queued row (wake-up);
     */
    work: {
      store,
      enqueue: outbox.enqueue,
      outbox: { enqueue: outbox.enqueue, onEnqueued: outbox.onEnqueued }
    }
  }
}
