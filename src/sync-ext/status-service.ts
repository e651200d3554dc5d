/**
 * `GET sys/sync-ext/status` (round2.md R2-2, issue 20): what Vault's sync API does not say, in
 * one read for operators and the `/ui/` page: per destination its Key Vault host, credential
 * source, counts by status, newest change and each association entry (keyed exactly as Vault's
 * `associated_secrets`, `sync/association-view.ts`) with its last error, Azure name, attempt
 * count, next retry and the rules that made it; plus the queue (depth, capacity, due, in
 * flight) and the worker's state.
 *
 * Ordering puts errors first: destinations with errors before the others, and inside a
 * destination error entries first, then work in progress, then the rest (each by key). Never a
 * secret value or credential: only names, statuses, counts and messages the worker recorded.
 */
import type { StatusAssociationRow } from '../../db/sync-status-repo.js'
import type { RulesRepository, Store } from '../../db/store/repositories.js'
import type { TargetRow } from '../../db/associations-repo.js'
import type { DestinationRow } from '../../db/destinations-repo.js'
import type { AzureEnvDefaults } from '../drivers/azure-kv/azure-kv-config.js'
import type { DriftStatus } from '../drift/drift-service.js'
import type { DriverRegistry } from '../drivers/registry.js'
import type { SyncMounts } from '../sync/sync-sources.js'
import { associationEntries } from '../sync/association-view.js'
import type { DestinationService } from '../sync/destination-service.js'
import { effectiveNameTemplate, parseNameTemplate, renderNameTemplate, templateFields } from '../sync/name-template.js'
import type { SyncConfigService } from '../sync/sync-config-service.js'
import { ERROR_STATUSES, SYNC_STATUSES, type AssociationEntry, type SyncStatus } from '../sync/sync-types.js'
import { vaultTime } from '../vault/time.js'

/** One association entry with what Vault's entry lacks. */
export interface StatusEntry extends AssociationEntry {
  /** The `associated_secrets` key: `<accessor>/<secret_name>[/<sub_key>]`. */
  key: string
  /** The external (Azure) name: the one written, else the one the template yields, else `null`. */
  azure_name: string | null
  /** `written`: recorded by the worker after a write; `planned`: rendered from the template. */
  azure_name_source: 'written' | 'planned' | null
  /** Failed attempts of the queued work (0 when nothing is queued). */
  attempts: number
  /** RFC 3339 time of the next retry, or `null` when nothing waits. */
  next_attempt_at: string | null
  /** A worker holds this association right now. */
  in_flight: boolean
  /** The association was removed (`associations/remove`); shown until it settles and expires. */
  removed: boolean
  /**
   * Names of the association rules that made it, sorted; empty for one set explicitly. An
   * `associations/set` of a rule-made association makes it the caller's own (no rule any more).
   */
  rules: string[]
}

/** One destination's summary. */
export interface StatusDestination {
  type: string
  name: string
  /** Host (and port) of the Key Vault in use (stored `key_vault_uri`, else `KEY_VAULT_URI`). */
  key_vault_host: string
  /** Where the client credential comes from: the destination, the server's AZURE_* variables, both, or nowhere. */
  credential_source: 'destination' | 'environment' | 'mixed' | 'missing'
  granularity: string
  secret_name_template: string
  purge_state: 'purging' | 'purge_failed' | null
  purge_error: string | null
  /** Entries per `sync_status` (every status present, 0 when none). */
  counts: Record<SyncStatus, number>
  errors: number
  /** RFC 3339 time of the newest entry change, or `null` without entries. */
  newest_change: string | null
  /** Drift mode, last sweep and targets per drift state (issue 21). */
  drift: DriftStatus
  associations: StatusEntry[]
}

/** The whole answer. */
export interface SyncExtStatus {
  generated_at: string
  worker: { in_process: boolean, running: boolean, sync_disabled: boolean }
  queue: { depth: number, capacity: number, due: number, in_flight: number, next_attempt_at: string | null }
  totals: { destinations: number, associations: number, errors: number, counts: Record<SyncStatus, number> }
  destinations: StatusDestination[]
}

export interface SyncStatusDeps {
  /** The status read model (`repos.syncStatus`), read in one unit of work. */
  store: Store
  now: () => number
  registry: DriverRegistry
  mounts: Pick<SyncMounts, 'byAccessor'>
  destinations: Pick<DestinationService, 'configOf'>
  syncConfig: Pick<SyncConfigService, 'read'>
  azureEnv: Readonly<AzureEnvDefaults>
  /** The drift block of a destination (issue 21). */
  driftStatus: (row: Pick<DestinationRow, 'id' | 'type'>) => Promise<DriftStatus>
}

const emptyCounts = (): Record<SyncStatus, number> => Object.fromEntries(SYNC_STATUSES.map((s) => [s, 0])) as Record<SyncStatus, number>
const isError = (s: string): boolean => ERROR_STATUSES.has(s as SyncStatus)
const WORKING = new Set(['PENDING', 'SYNCING', 'UNSYNCING', 'UNKNOWN'])
const rank = (s: string): number => (isError(s) ? 0 : WORKING.has(s) ? 1 : 2)

/** Association id -> names of the rules that made it (sorted), from one read of the live destinations' rule origins. */
async function ruleOrigins (rules: Pick<RulesRepository, 'originNames'>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (const { association_id: id, name } of await rules.originNames()) {
    const list = out.get(id)
    if (list === undefined) out.set(id, [name])
    else list.push(name)
  }
  return out
}

function hostOf (uri: string): string {
  try { return new URL(uri).host } catch { return '' }
}

/** Creates the status service; `setWorkerInProcess` tells it whether this process runs a sync worker. */
export function createSyncStatusService (deps: SyncStatusDeps) {
  let workerInProcess = false

  function connectionSummary (row: DestinationRow): Pick<StatusDestination, 'key_vault_host' | 'credential_source' | 'granularity' | 'secret_name_template'> {
    const config = deps.destinations.configOf(row)
    const c = config.connection
    const env = deps.azureEnv
    const fromDest = (c.client_id ?? '') !== '' && (config.secrets.client_secret ?? '') !== ''
    const fromEnv = (c.client_id ?? '') === '' && (config.secrets.client_secret ?? '') === ''
    const envComplete = (env.clientId ?? '') !== '' && (env.clientSecret ?? '') !== ''
    return {
      key_vault_host: hostOf((c.key_vault_uri ?? '') !== '' ? c.key_vault_uri : env.keyVaultUri ?? ''),
      credential_source: fromDest ? 'destination' : fromEnv ? (envComplete ? 'environment' : 'missing') : 'mixed',
      granularity: config.options.granularity,
      secret_name_template: effectiveNameTemplate(config.options.secret_name_template, config.options.granularity)
    }
  }

  /** The name a target would get now (secret-path only: secret-key names need the KV keys). */
  function plannedName (dest: DestinationRow, a: StatusAssociationRow, mountPath: string): string | null {
    if (a.granularity !== 'secret-path') return null
    try {
      const rendered = renderNameTemplate(parseNameTemplate(effectiveNameTemplate(a.name_template, a.granularity)), templateFields({
        destinationType: dest.type, destinationName: dest.name, mountPath, mountAccessor: a.accessor, secretPath: a.secret_path
      }))
      const result = deps.registry.get(dest.type)?.externalName(rendered)
      return result !== undefined && 'name' in result ? result.name : null
    } catch {
      return null
    }
  }

  function entriesOf (dest: DestinationRow, a: StatusAssociationRow, targets: TargetRow[], at: number, mountPaths: ReadonlyMap<string, string | undefined>, rules: string[]): StatusEntry[] {
    const mountPath = mountPaths.get(a.accessor) ?? a.mount_path
    const planned = plannedName(dest, a, mountPath)
    return associationEntries(a, targets, mountPath).map(([key, entry]) => {
      const target = targets.find((t) => t.sub_key === (entry.sub_key ?? ''))
      const written = target?.external_name ?? null
      return {
        key,
        ...entry,
        azure_name: written ?? planned,
        azure_name_source: written !== null ? 'written' : planned !== null ? 'planned' : null,
        attempts: a.attempts ?? 0,
        next_attempt_at: a.next_attempt_at !== null && a.next_attempt_at > at ? vaultTime(a.next_attempt_at) : null,
        in_flight: a.lease_until !== null && a.lease_until > at,
        removed: a.removed === 1,
        rules
      }
    })
  }

  return {
    /** Records that this process runs a sync worker (`server.ts`, once it started one). */
    setWorkerInProcess (running: boolean): void { workerInProcess = running },

    /** The status document (see the module doc). */
    async status (): Promise<SyncExtStatus> {
      const at = deps.now()
      // One consistent read of the model (one unit of work), then the drift blocks and config.
      const read = await deps.store.transaction(async ({ syncStatus, rules }) => ({
        targets: await syncStatus.targets(), associations: await syncStatus.associations(),
        destinations: await syncStatus.destinations(), queue: await syncStatus.queue(at), origins: await ruleOrigins(rules)
      }))
      const mountPaths = new Map<string, string | undefined>()
      for (const a of read.associations) if (!mountPaths.has(a.accessor)) mountPaths.set(a.accessor, (await deps.mounts.byAccessor(a.accessor))?.path)
      const drift = new Map<string, DriftStatus>()
      for (const row of read.destinations) drift.set(row.id, await deps.driftStatus(row))
      const targetsOf = new Map<string, TargetRow[]>()
      for (const t of read.targets) {
        const list = targetsOf.get(t.association_id)
        if (list === undefined) targetsOf.set(t.association_id, [t])
        else list.push(t)
      }
      const byDestination = new Map<string, StatusAssociationRow[]>()
      for (const a of read.associations) {
        const list = byDestination.get(a.destination_id)
        if (list === undefined) byDestination.set(a.destination_id, [a])
        else list.push(a)
      }
      const totals = { destinations: 0, associations: 0, errors: 0, counts: emptyCounts() }
      const destinations: StatusDestination[] = read.destinations.map((row) => {
        const entries = (byDestination.get(row.id) ?? []).flatMap((a) => entriesOf(row, a, targetsOf.get(a.id) ?? [], at, mountPaths, read.origins.get(a.id) ?? []))
        entries.sort((x, y) => rank(x.sync_status) - rank(y.sync_status) || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
        const counts = emptyCounts()
        for (const e of entries) { counts[e.sync_status]++; totals.counts[e.sync_status]++ }
        const errors = entries.filter((e) => isError(e.sync_status)).length
        totals.destinations++
        totals.associations += entries.length
        totals.errors += errors
        const newest = entries.reduce<string | null>((m, e) => (m === null || Date.parse(e.updated_at) > Date.parse(m) ? e.updated_at : m), null)
        return {
          type: row.type,
          name: row.name,
          ...connectionSummary(row),
          purge_state: row.purge_state,
          purge_error: row.purge_error,
          counts,
          errors,
          newest_change: newest,
          drift: drift.get(row.id)!,
          associations: entries
        }
      })
      destinations.sort((x, y) => Number(y.errors > 0) - Number(x.errors > 0))
      const q = read.queue
      const config = await deps.syncConfig.read()
      const disabled = config.disabled
      return {
        generated_at: vaultTime(at),
        worker: { in_process: workerInProcess, running: workerInProcess && !disabled, sync_disabled: disabled },
        queue: { depth: q.depth, capacity: config.queue_capacity, due: q.due, in_flight: q.inFlight, next_attempt_at: q.nextAttemptAt === null ? null : vaultTime(q.nextAttemptAt) },
        totals,
        destinations
      }
    }
  }
}

export type SyncStatusService = ReturnType<typeof createSyncStatusService>
