/** What the association-rule modules (`src/rules/`) are built from; wired by `services.ts`. */
import type { Transact } from '../../db/database.js'
import type { AssociationsRepo } from '../../db/associations-repo.js'
import type { RulesRepo } from '../../db/rules-repo.js'
import type { SyncAclLookup } from '../acl/policy-service.js'
import type { SyncKvReads as KvService } from '../kv/kv-sync-reads.js'
import type { SyncMountLookup as MountService } from '../mounts/mount-lookup.js'
import type { AssociationService } from '../sync/association-service.js'
import type { DestinationService } from '../sync/destination-service.js'

export interface RuleServiceDeps {
  transact: Transact
  rules: RulesRepo
  associations: Pick<AssociationsRepo, 'find' | 'byId' | 'ofDestination' | 'targetsOfDestination' | 'ownersOfName'>
  associationService: Pick<AssociationService, 'attachInTransaction' | 'detachInTransaction'>
  destinations: Pick<DestinationService, 'find' | 'refusePurging' | 'byId'>
  mounts: Pick<MountService, 'byPath' | 'byAccessor' | 'isKvV2'>
  kv: Pick<KvService, 'keysUnder' | 'customMetadataOf' | 'secretExists'>
  policies: SyncAclLookup
  now: () => number
}
