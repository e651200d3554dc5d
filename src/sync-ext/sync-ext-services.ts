/**
 * Wiring of the vault-sync extensions under `sys/sync-ext/` (round2.md R2-2), called once by the
 * composition root (`services.ts`): the status read model and the name preview, both read-only
 * over the sync services and the database.
 */
import type { Store } from '../../db/store/repositories.js'
import type { AzureEnvDefaults } from '../drivers/azure-kv/azure-kv-config.js'
import type { DestinationRow } from '../../db/destinations-repo.js'
import type { DriftStatus } from '../drift/drift-service.js'
import type { DriverRegistry } from '../drivers/registry.js'
import type { SyncMounts } from '../sync/sync-sources.js'
import type { DestinationService } from '../sync/destination-service.js'
import type { SyncConfigService } from '../sync/sync-config-service.js'
import { createNamePreview } from './name-preview.js'
import { createSyncStatusService } from './status-service.js'

export interface SyncExtDeps {
  store: Store
  now: () => number
  registry: DriverRegistry
  mounts: SyncMounts
  destinations: DestinationService
  syncConfig: SyncConfigService
  azureEnv: Readonly<AzureEnvDefaults>
  /** The drift block of a destination (drift/drift-service.ts, issue 21). */
  driftStatus: (row: Pick<DestinationRow, 'id' | 'type'>) => Promise<DriftStatus>
}

/** Builds the extension services. */
export function createSyncExtServices (deps: SyncExtDeps) {
  return {
    /** `GET sys/sync-ext/status`. */
    status: createSyncStatusService(deps),
    /** `POST sys/sync-ext/preview/name`. */
    previewName: createNamePreview(deps)
  }
}

export type SyncExtServices = ReturnType<typeof createSyncExtServices>
