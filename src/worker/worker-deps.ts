/**
 * What the sync worker works with (narrow: no database handle, no service bag): the `Store`
 * (`db/store/repositories.ts`: outbox claim and settle, association and destination rows, units
 * of work), `enqueue`, the destination-type registry, the few service methods it calls, and the
 * ownership of work (`ownership.ts`: which vaults this replica works on, under which fence).
 * `sync-engine.ts` picks these from the composed services.
 */
import type { Store } from '../../db/store/repositories.js'
import type { DriftKey } from '../drift/value-digest.js'
import type { DriverRegistry } from '../drivers/registry.js'
import type { KvService } from '../kv/kv-service.js'
import type { MountService } from '../mounts/mount-service.js'
import type { DestinationService } from '../sync/destination-service.js'
import type { SyncOutbox } from '../sync/outbox.js'
import type { SyncConfigService } from '../sync/sync-config-service.js'
import type { WorkOwnership } from './ownership.js'

/** A value, or a promise of it (services still synchronous during the move to the Store are awaited alike). */
export type Awaitable<T> = T | Promise<T>

/** The service methods the worker calls, each awaited (sync or async). */
type Awaited_<S> = { [K in keyof S]: S[K] extends (...a: infer A) => infer R ? (...a: A) => Awaitable<Awaited<R>> : S[K] }

export interface WorkerServices {
  /** Storage: every read and write of the worker goes through it. */
  store: Store
  /** Queuing other associations (co-owners, reconciliation) under the capacity rules, inside the caller's unit. */
  outbox: Awaited_<Pick<SyncOutbox, 'enqueue'>>
  /** Which outbox rows this process works on, and the fence each settle carries (`ownership.ts`). */
  ownership: WorkOwnership
  registry: DriverRegistry
  /** The decrypted configuration of a destination row (rows themselves come from the store). */
  destinationService: Awaited_<Pick<DestinationService, 'configOf'>>
  kv: Awaited_<Pick<KvService, 'readCurrent'>>
  mounts: Awaited_<Pick<MountService, 'byAccessor'>>
  syncConfig: Awaited_<Pick<SyncConfigService, 'get'>>
  /** Clock, epoch ms. */
  now: () => number
  /** The keyed hash of target digests (`crypto/keyed-hash.ts`). */
  targetDigestKey: (digest: string) => string
  /** The key of drift value digests (`drift/value-digest.ts`); no drift evidence is recorded without it (issue 21). */
  driftKey?: DriftKey
}
