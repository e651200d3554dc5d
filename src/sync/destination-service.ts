/**
 * Sync destinations (spec/vault-sync-api.md §3.3-3.8; decisions D-2, D-15.2-5, D-15.10):
 * create-or-update, merge-patch, read with redaction, list (all, by type) and delete with
 * `purge` / `force_delete`. Storage goes through the async `Store` (either engine): each write is
 * one unit of work, and update, purge and delete start with `destinations.liveForUpdate` (the
 * row locked on PostgreSQL, so replicas do not lose each other's changes). Secret fields are
 * sealed with the row's id as AAD and never leave this module in clear except to the worker
 * through `configOf`.
 *
 * Purge (D-15.4): `DELETE ?purge=true` on a destination with live associations sets
 * `purge_state = 'purging'`, shows every association as `UNSYNCING` and queues it; the worker
 * unsyncs and deletes each, then the destination (or records `purge_failed` + `purge_error`).
 * The associations keep `removed = 0` meanwhile, so after a failed purge a plain DELETE still
 * refuses and `set`/`remove` work again.
 */
import { randomUUID } from 'node:crypto'
import type { DestinationRow } from '../../db/destinations-repo.js'
import type { Repositories, Store } from '../../db/store/repositories.js'
import type { Sealer } from '../crypto/seal.js'
import type { SyncDriver, WriteMode } from '../drivers/driver.js'
import type { DriverRegistry } from '../drivers/registry.js'
import { badRequest, notFound, unsupportedPath } from '../vault/errors.js'
import { decodeString, unknownFieldsWarning } from '../vault/field-decode.js'
import { vaultTime } from '../vault/time.js'
import { applyOptions, defaultOptions, OPTION_FIELDS, parseStoredOptions, readOptions, type DestinationConfig } from './destination-options.js'
import type { SyncOutbox } from './outbox.js'
import { validateCustomTags } from './tags.js'

/** D-15.10: Vault's generic name pattern, at most 128 characters. */
const NAME_RE = /^\w([\w.-]*\w)?$/
const NAME_MAX = 128

/** `data` of a destination read (§3.7); keys in Vault's (sorted) order. */
export interface DestinationView {
  connection_details: Record<string, unknown>
  name: string
  options: Record<string, unknown>
  purge_error?: string
  purge_initiated_at?: string
  type: string
}

/** A write's result: the read view and Vault's warnings (ignored fields). */
export interface DestinationWriteResult { view: DestinationView, warnings: string[] }

/**
 * Checks a destination name (FR-09).
 * @throws VaultError 400 naming `name`.
 */
export function validateDestinationName (name: string): void {
  if (name.length === 0) throw badRequest('name: a destination name is required')
  if (name.length > NAME_MAX) throw badRequest(`name: a destination name is at most ${NAME_MAX} characters, got ${name.length}`)
  if (!NAME_RE.test(name)) {
    throw badRequest(`name: invalid destination name ${JSON.stringify(name)}: use letters, digits, "_", "-" and ".", starting and ending with a letter, digit or "_" (no spaces or slashes)`)
  }
}

export interface DestinationServiceDeps {
  store: Store
  outbox: Pick<SyncOutbox, 'enqueue' | 'enqueueMany'>
  sealer: Sealer
  registry: DriverRegistry
  now: () => number
}

/** Creates the destination service. */
export function createDestinationService (deps: DestinationServiceDeps) {
  const { store, outbox, sealer, registry, now } = deps
  const aad = (id: string): string => `destination:${id}`

  /**
   * Applies a write to `stored` (undefined for a create): the type's connection fields, then the
   * shared options validated against the type's limits.
   * @throws VaultError 400 naming the field; nothing is stored.
   */
  function applyWrite (driver: SyncDriver, stored: DestinationConfig | undefined, body: Record<string, unknown>, mode: WriteMode): DestinationConfig {
    const fields: Record<string, string | undefined> = {}
    for (const f of driver.connectionFields) fields[f] = decodeString(body[f], f)
    const connection = driver.writeConnection(stored, fields)
    if ('error' in connection) throw badRequest(connection.error)
    const options = applyOptions(stored?.options ?? defaultOptions(), body, mode, (tags) => validateCustomTags(tags, driver.limits))
    return { connection: connection.connection, secrets: connection.secrets, options }
  }

  const knownFields = (driver: SyncDriver): ReadonlySet<string> => new Set([...driver.connectionFields, ...OPTION_FIELDS, ...driver.ignoredFields])

  function driverOf (type: string): SyncDriver {
    const driver = registry.get(type)
    if (driver === undefined) throw unsupportedPath()
    return driver
  }

  function configOf (row: DestinationRow): DestinationConfig {
    const secrets = row.sealed_secrets === null ? {} : JSON.parse(sealer.decryptString(row.sealed_secrets, aad(row.id))) as Record<string, string>
    return { connection: JSON.parse(row.connection) as Record<string, string>, secrets, options: parseStoredOptions(row.options) }
  }

  function view (row: DestinationRow, driver: SyncDriver): DestinationView {
    const config = configOf(row)
    const v: DestinationView = {
      connection_details: driver.connectionDetails(config),
      name: row.name,
      options: readOptions(config.options),
      type: row.type
    }
    if (row.purge_error !== null) v.purge_error = row.purge_error
    if (row.purge_initiated_at !== null) v.purge_initiated_at = vaultTime(row.purge_initiated_at)
    return v
  }

  const sealSecrets = (id: string, secrets: Record<string, string>): Buffer | null =>
    Object.keys(secrets).length === 0 ? null : sealer.encrypt(JSON.stringify(secrets), aad(id))

  const writtenListeners: Array<(id: string) => void> = []

  const refusePurging = (row: DestinationRow): void => {
    if (row.purge_state === 'purging') throw badRequest(`destination ${JSON.stringify(row.name)} is being purged`)
  }

  return {
    /**
     * `POST|PUT` (mode `write`: create, or update: connection fields left out are kept, as the
     * client secret cannot be read back; options left out take their defaults, see
     * `applyOptions`) and `PATCH` (mode `patch`: merge patch) of `sys/sync/destinations/:type/:name`.
     * @throws VaultError 404 `unsupported path` for an unknown type; 404 `{"errors":[]}` for a
     *   PATCH of a missing destination; 400 for a bad name or field, or while purging.
     */
    async write (type: string, name: string, body: Record<string, unknown>, mode: 'write' | 'patch'): Promise<DestinationWriteResult> {
      const driver = driverOf(type)
      validateDestinationName(name)
      const unit = async ({ destinations, associations }: Repositories): Promise<DestinationRow> => {
        const existing = await destinations.liveForUpdate(type, name)
        const at = now()
        if (existing === undefined) {
          if (mode === 'patch') throw notFound()
          const config = applyWrite(driver, undefined, body, 'create')
          const id = randomUUID()
          const created: DestinationRow = {
            id, type, name, connection: JSON.stringify(config.connection), sealed_secrets: sealSecrets(id, config.secrets),
            options: JSON.stringify(config.options), created_at: at, updated_at: at, purge_state: null,
            purge_initiated_at: null, purge_error: null, deleted_at: null
          }
          await destinations.insert(created)
          return created
        }
        refusePurging(existing)
        const config = applyWrite(driver, configOf(existing), body, mode === 'patch' ? 'patch' : 'update')
        const updated = { ...existing, connection: JSON.stringify(config.connection), sealed_secrets: sealSecrets(existing.id, config.secrets), options: JSON.stringify(config.options), updated_at: at }
        await destinations.update(updated)
        // A config change (tags, credentials, network rules) applies on the next sync of every
        // live association (Sync engine issue); template and granularity stay snapshotted (D-1).
        if (updated.connection !== existing.connection || updated.options !== existing.options || updated.sealed_secrets !== existing.sealed_secrets) {
          // A full queue shows the association INTERNAL_VAULT_ERROR (the reconciliation pass re-queues it).
          await outbox.enqueueMany((await associations.ofDestination(existing.id)).filter((a) => a.removed === 0).map((a) => a.id), at, { whenFull: 'error' })
        }
        return updated
      }
      // Two replicas creating the same name at once: the loser's insert breaks the live name's
      // unique index (PostgreSQL 23505); run it again, as the update of the winner's row.
      const row = await store.transaction(unit).catch(async (err: unknown) => {
        if ((err as { code?: unknown })?.code !== '23505') throw err
        return await store.transaction(unit)
      })
      for (const listener of writtenListeners) listener(row.id)
      const warning = unknownFieldsWarning(body, knownFields(driver))
      return { view: view(row, driver), warnings: warning === undefined ? [] : [warning] }
    },

    /** Calls `listener` with the id of every destination written (created or changed), after the commit (the worker warms its connection). */
    onWritten (listener: (id: string) => void): void { writtenListeners.push(listener) },

    /** `GET sys/sync/destinations/:type/:name`. @throws VaultError 404 (unknown type: `unsupported path`). */
    async read (type: string, name: string): Promise<DestinationView> {
      const driver = driverOf(type)
      const row = await store.repos.destinations.live(type, name)
      if (row === undefined) throw notFound()
      return view(row, driver)
    },

    /** `LIST sys/sync/destinations`: names grouped by type (keys `<type>/`). */
    async listAll (): Promise<{ keys: string[], key_info: Record<string, string[]>, total_destinations: number }> {
      const keyInfo: Record<string, string[]> = {}
      const rows = await store.repos.destinations.allLive()
      for (const r of rows) (keyInfo[`${r.type}/`] ??= []).push(r.name)
      return { keys: Object.keys(keyInfo).sort(), key_info: keyInfo, total_destinations: rows.length }
    },

    /** `LIST sys/sync/destinations/:type`: names of one type (none for an unknown type). */
    async listType (type: string): Promise<{ keys: string[], total_destinations: number }> {
      const names = registry.get(type) === undefined ? [] : (await store.repos.destinations.allLive()).filter((r) => r.type === type).map((r) => r.name)
      return { keys: names, total_destinations: names.length }
    },

    /**
     * `DELETE sys/sync/destinations/:type/:name[?purge=true][&force_delete=true]` (D-2, D-15.3-5).
     * Missing destinations are not an error.
     * @throws VaultError 400 `destination has N associations; set purge=true to unsync and delete them`.
     */
    async delete (type: string, name: string, flags: { purge: boolean, force: boolean }): Promise<void> {
      driverOf(type)
      await store.transaction(async ({ destinations, associations, outbox: queue }) => {
        const row = await destinations.liveForUpdate(type, name)
        if (row === undefined) return
        // force_delete: no unsync at all; external secrets stay in place (D-15.5).
        if (flags.force) { await destinations.delete(row.id); return }
        const live = (await associations.ofDestination(row.id)).filter((a) => a.removed === 0)
        if (live.length > 0) {
          if (!flags.purge) throw badRequest(`destination has ${live.length} associations; set purge=true to unsync and delete them`)
          if (row.purge_state === 'purging') return
          const at = now()
          // A full queue refuses the purge (503); nothing changes.
          await outbox.enqueueMany(live.map((a) => a.id), at, { status: 'UNSYNCING', whenFull: 'refuse' })
          // Removed associations already unsynced go now, as without purge: the worker deletes the
          // destination once it has no association left, and nothing would ever settle these.
          await queue.deleteSettledRemoved(row.id)
          await destinations.setPurge(row.id, 'purging', at, null)
          return
        }
        // Only removed associations are left: drop the settled ones; keep the row hidden
        // while unsyncs are still queued (the worker drops it once they settle).
        await queue.deleteSettledRemoved(row.id)
        if (await queue.countForDestination(row.id) > 0) await destinations.hide(row.id, now())
        else await destinations.delete(row.id)
      })
    },

    /** Refuses association changes while a purge runs (D-15.4). @throws VaultError 400. */
    refusePurging,

    /**
     * The live destination `type`/`name` and its type.
     * @throws VaultError 404 `unsupported path` for an unknown type.
     */
    async find (type: string, name: string): Promise<{ row: DestinationRow | undefined, driver: SyncDriver }> {
      const driver = driverOf(type)
      return { row: await store.repos.destinations.live(type, name), driver }
    },

    /** The type `type` (its driver). @throws VaultError 404 `unsupported path` for an unknown type. */
    driverOf,

    /**
     * Drops destinations hidden by a DELETE (D-2) once none of their unsyncs is queued; the
     * worker calls this after settling outbox rows. Resolves how many were dropped.
     */
    dropSettledHidden: async (): Promise<number> => await store.repos.outbox.deleteSettledHidden(),

    /** The destination row with `id` (hidden ones included), or `undefined`. */
    byId: async (id: string): Promise<DestinationRow | undefined> => await store.repos.destinations.byId(id),

    /** The decrypted configuration of a destination row (for the worker). */
    configOf
  }
}

export type DestinationService = ReturnType<typeof createDestinationService>
