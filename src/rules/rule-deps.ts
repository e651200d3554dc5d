/**
 * What the association-rule modules (`src/rules/`) are built from; wired by `services.ts`.
 * Storage goes through the async `Store` (`store.repos.rules`, `store.repos.associations`: inside
 * a unit of work they run on it). Lookups into other capabilities may answer a value or a
 * promise: they are always awaited.
 */
import type { RuleRow } from '../../db/rules-repo.js'
import type { Store } from '../../db/store/repositories.js'
import type { Acl } from '../acl/acl.js'
import type { AssociationService } from '../sync/association-service.js'
import type { SyncMounts } from '../sync/sync-sources.js'
import type { DestinationService } from '../sync/destination-service.js'

/** A value or its promise. */
type Maybe<T> = T | Promise<T>

export interface RuleServiceDeps {
  store: Store
  /**
   * The rules covering the mount `accessor` (`rules.ofMount`), asked on every KV write: the
   * composition root answers it from a read cache (issue 16).
   */
  rulesOfMount: (accessor: string) => Maybe<RuleRow[]>
  /** `rulesOfMount` without a promise (the KV write's synchronous path): from its cache, else `load()`, kept. */
  rulesOfMountSync: (accessor: string, load: () => RuleRow[]) => RuleRow[]
  /** Called when rules were created or deleted (inside the unit and after it): the cache of `rulesOfMount` forgets. */
  rulesChanged: () => void
  associationService: Pick<AssociationService, 'attachInTransaction' | 'detachInTransaction'>
  destinations: Pick<DestinationService, 'find' | 'refusePurging'>
  mounts: Pick<SyncMounts, 'byPath' | 'byAccessor' | 'isKvV2'>
  kv: {
    keysUnder: (accessor: string, folder: string) => Maybe<string[]>
    customMetadataOf: (accessor: string, path: string) => Maybe<Record<string, string>>
    secretExists: (accessor: string, path: string) => Maybe<boolean>
  }
  policies: { aclFor: (names: readonly string[]) => Maybe<Acl> }
  now: () => number
}
