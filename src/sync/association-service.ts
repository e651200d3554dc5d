/**
 * Associations (spec/vault-sync-api.md §3.9-3.13, §6; decisions D-1, D-2, D-15.12-15, D-20,
 * D-21): set (new or refresh), remove, the per-destination list, the global list, the
 * destinations of one secret, and the KV change hook that queues affected associations.
 *
 * Every change runs in one unit of work of the async `Store` (either engine) together with its
 * outbox record (`outbox.enqueue`), so Terraform's immediate read-back sees it and the worker
 * never misses it. Statuses stay `PENDING`/`UNSYNCING` until the worker settles them. Set and
 * remove are one statement each (`associations.set`: insert or refresh-and-revive;
 * `associations.remove`: only the remover that changed the row queues the unsync), so replicas
 * doing the same at once neither duplicate an association nor unsync it twice.
 */
import { randomUUID } from 'node:crypto'
import type { AssociationRow } from '../../db/associations-repo.js'
import type { DestinationRow } from '../../db/destinations-repo.js'
import type { Repositories, Store, SyncRepositories } from '../../db/store/repositories.js'
import type { KvChange } from '../kv/kv-events.js'
import { badRequest, notFound } from '../vault/errors.js'
import { createGlobalAssociationList, type GlobalAssociationList } from './association-global-list.js'
import { createAssociationListView } from './association-list-view.js'
import { associationSetTarget } from './association-target.js'
import { parseStoredOptions } from './destination-options.js'
import type { DestinationService } from './destination-service.js'
import { effectiveNameTemplate, parseNameTemplate, renderNameTemplate, templateFields } from './name-template.js'
import type { EnqueueOptions, SyncOutbox } from './outbox.js'
import { createSecretDestinations } from './secret-destinations.js'
import type { SecretSource, SyncMounts } from './sync-sources.js'
import type { DestinationAssociations } from './sync-types.js'

/** Called inside the unit of work of an explicit (Vault API) `set` or `remove` (association rules track these). */
export interface ExplicitChangeHook {
  set: (a: AssociationRow) => void | Promise<void>
  remove: (a: AssociationRow) => void | Promise<void>
}

export interface AssociationServiceDeps {
  store: Store
  outbox: Pick<SyncOutbox, 'enqueue' | 'enqueueMany'>
  destinations: Pick<DestinationService, 'find' | 'refusePurging'>
  mounts: SyncMounts
  secrets: SecretSource
  now: () => number
}

/** D-15.15 / FR-10: Vault UI's text for a folder or a missing secret. */
export const SECRET_NOT_FOUND = 'Secret not found. Please provide full path to existing secret'

const ASSOCIATED_SECRETS = Buffer.from('{"associated_secrets":')

/** Creates the association service. */
export function createAssociationService (deps: AssociationServiceDeps) {
  const { store, outbox, destinations, mounts, secrets, now } = deps
  // Inside a unit of work these run on it (ambient units, db/store/unit-scope.ts).
  const associations = store.repos.associations
  // Association changes lock their destination first (PostgreSQL; `lockForViewChange`).
  const lockDestination = async (id: string): Promise<void> => { await store.repos.destinations.lockForViewChange([id]) }

  async function liveDestination (type: string, name: string): Promise<DestinationRow> {
    const { row } = await destinations.find(type, name)
    if (row === undefined) throw badRequest(`destination ${JSON.stringify(name)} of type ${JSON.stringify(type)} does not exist`)
    return row
  }

  // The maintained per-destination view (issue 16): set/remove/list join pre-serialised fragments.
  const mountPath = async (accessor: string): Promise<string | undefined> => (await mounts.byAccessor(accessor))?.path
  const view = createAssociationListView({ store, mountPath })
  const globalList = createGlobalAssociationList({ store, mountPath })

  /** `data` of the destination's association map as UTF-8 JSON pieces (DestinationAssociationsSchema bytes). */
  async function listJsonOf (dest: DestinationRow): Promise<Buffer[]> {
    const tail = Buffer.from(`,"store_name":${JSON.stringify(dest.name)},"store_type":${JSON.stringify(dest.type)}}`, 'utf8')
    return [ASSOCIATED_SECRETS, ...await view.associatedSecretsJson(dest.id), tail]
  }
  const parsed = (pieces: readonly Buffer[]): DestinationAssociations => JSON.parse(Buffer.concat(pieces).toString('utf8'))

  /** D-20: under `secret-path` an unusable external name is reported at set time. */
  async function nameProblem (dest: DestinationRow, a: AssociationRow, mountPath: string): Promise<string | undefined> {
    const { driver } = await destinations.find(dest.type, dest.name)
    const rendered = renderNameTemplate(parseNameTemplate(a.name_template), templateFields({
      destinationType: dest.type, destinationName: dest.name, mountPath, mountAccessor: a.accessor, secretPath: a.secret_path
    }))
    const result = driver.externalName(rendered)
    return 'error' in result ? result.error : undefined
  }

  /**
   * Creates (or refreshes and revives) the association of `secretPath` on `dest` inside the
   * caller's unit of work (`dest` locked first, then `associations.set`, one statement):
   * snapshots template and granularity (D-1), marks targets `PENDING` and queues it with `enqueue`. A caller that checked the external name already passes `named`:
   * then the name is not checked again, and with `named.problem` the targets show
   * `CLIENT_SIDE_ERROR` `problem` and nothing is queued. The secret must exist (callers check).
   */
  async function attach (dest: DestinationRow, mountRow: { accessor: string, path: string }, secretPath: string, at: number,
    enqueue: EnqueueOptions, named?: { problem?: string }): Promise<AssociationRow> {
    const options = parseStoredOptions(dest.options)
    const template = effectiveNameTemplate(options.secret_name_template, options.granularity)
    await lockDestination(dest.id)
    const { row: a, inserted } = await associations.set({
      id: randomUUID(), destination_id: dest.id, accessor: mountRow.accessor, mount_path: mountRow.path,
      secret_path: secretPath, granularity: options.granularity, name_template: template, removed: 0,
      status: 'PENDING', message: null, created_at: at, updated_at: at
    })
    if (!inserted) await associations.setTargetsStatus(a.id, 'PENDING', null, at)
    if (a.granularity === 'secret-path') {
      const invalid = named === undefined ? await nameProblem(dest, a, mountRow.path) : named.problem
      await associations.upsertTarget({
        association_id: a.id, sub_key: '', status: invalid === undefined ? 'PENDING' : 'CLIENT_SIDE_ERROR', message: invalid ?? null, updated_at: at
      })
    } else {
      for (const key of await secrets.currentKeys(mountRow.accessor, secretPath)) {
        await associations.upsertTarget({ association_id: a.id, sub_key: key, status: 'PENDING', message: null, updated_at: at })
      }
    }
    if (named?.problem !== undefined) {
      // Refused before any write (an invalid or colliding name): shown at once, never queued.
      await associations.setStatus(a.id, 'CLIENT_SIDE_ERROR', named.problem, at)
      await associations.setTargetsStatus(a.id, 'CLIENT_SIDE_ERROR', named.problem, at)
      return a
    }
    await outbox.enqueue(a.id, at, enqueue)
    return a
  }

  /**
   * Marks a live association `UNSYNCING` and queues the unsync (D-2), inside the caller's unit
   * of work, its destination locked first; a removed one is left alone (`associations.remove`
   * changes it at most once, so of concurrent removers exactly one queues the unsync).
   */
  async function detach (a: AssociationRow, at: number, whenFull: EnqueueOptions['whenFull']): Promise<void> {
    if (a.removed !== 0) return
    await lockDestination(a.destination_id)
    if (await associations.remove(a.id, 'UNSYNCING', at) === undefined) return
    await outbox.enqueue(a.id, at, { status: 'UNSYNCING', whenFull })
  }

  /** Listeners of the explicit (Vault API) set and remove, called inside their transaction. */
  const explicitHooks: ExplicitChangeHook[] = []

  /** Stores one `set` (caller's unit of work): checks mount and secret, then `attach`. Returns the destination. */
  async function applySet (type: string, name: string, { mount, secretPath }: { mount: string, secretPath: string }): Promise<DestinationRow> {
    const dest = await liveDestination(type, name)
    destinations.refusePurging(dest)
    const mountRow = await mounts.byPath(mount)
    if (mountRow === undefined || mount === '') throw badRequest(`no mount found at ${mount}/`)
    if (!mounts.isKvV2(mountRow)) throw badRequest(`only KV version 2 mounts can be synced; ${mountRow.path} is ${mountRow.type}`)
    if (secretPath === '' || secretPath.endsWith('/') || !await secrets.secretExists(mountRow.accessor, secretPath)) {
      throw badRequest(SECRET_NOT_FOUND)
    }
    // An explicit set always writes (a refresh, D-8), even when nothing changed. A full
    // queue refuses the request (D-15.14): the unit of work stores nothing.
    const a = await attach(dest, mountRow, secretPath, now(), { refresh: true, whenFull: 'refuse' })
    for (const h of explicitHooks) await h.set(a)
    return dest
  }

  /**
   * The associations a `remove` of `mount`/`secretPath` reaches: the live mount's, and those
   * recorded under that mount path for a mount since disabled (decisions D-21: they keep their
   * status and are removed by the old path), also once a new mount took the path. With no live
   * mount's association and none of a disabled mount, the newest recorded under the path.
   */
  async function removeTargets (destId: string, mount: string, secretPath: string): Promise<AssociationRow[]> {
    const mountRow = await mounts.byPath(mount)
    const live = mountRow === undefined ? undefined : await associations.find(destId, mountRow.accessor, secretPath)
    const recorded = (await associations.ofRecordedPath(destId, `${mount}/`, secretPath)).filter((a) => a.accessor !== mountRow?.accessor)
    const orphaned: AssociationRow[] = []
    for (const a of recorded) if (await mounts.byAccessor(a.accessor) === undefined) orphaned.push(a)
    if (live !== undefined || orphaned.length > 0) return live === undefined ? orphaned : [live, ...orphaned]
    return recorded.slice(0, 1)
  }

  /** Stores one `remove` (caller's unit of work); returns the destination. */
  async function applyRemove (type: string, name: string, { mount, secretPath }: { mount: string, secretPath: string }): Promise<DestinationRow> {
    const dest = await liveDestination(type, name)
    destinations.refusePurging(dest)
    for (const a of await removeTargets(dest.id, mount, secretPath)) {
      await detach(a, now(), 'refuse')
      for (const h of explicitHooks) await h.remove(a)
    }
    return dest
  }

  /** `GET sys/sync/destinations/:type/:name/associations` as UTF-8 JSON pieces (to send in order). @throws VaultError 404 for a missing destination. */
  async function listForDestinationJson (type: string, name: string): Promise<Buffer[]> {
    const { row } = await destinations.find(type, name)
    if (row === undefined) throw notFound()
    return await listJsonOf(row)
  }

  /** `associations/set` answered as UTF-8 JSON pieces (see `set`). */
  async function setJson (type: string, name: string, body: Record<string, unknown>): Promise<Buffer[]> {
    const target = associationSetTarget(body)
    // The answer is read after the commit: the view never holds what a rollback undid.
    return await listJsonOf(await store.transaction(async () => await applySet(type, name, target)))
  }

  /** `associations/remove` answered as UTF-8 JSON pieces (see `remove`). */
  async function removeJson (type: string, name: string, body: Record<string, unknown>): Promise<Buffer[]> {
    const target = associationSetTarget(body)
    return await listJsonOf(await store.transaction(async () => await applyRemove(type, name, target)))
  }

  const parsedOf = async (pieces: Promise<readonly Buffer[]>): Promise<DestinationAssociations> => parsed(await pieces)

  return {
    /**
     * Registers `hook`, called (and awaited) inside the unit of work of every explicit `set` (with the
     * association) and `remove` (with the association found, removed or not), whichever of the
     * object or JSON variants answers. A hook that throws rolls the request back.
     */
    onExplicitChange (hook: ExplicitChangeHook): void { explicitHooks.push(hook) },

    /**
     * For callers inside a unit of work (association rules, `src/rules/`): `attach` above, for a
     * destination row and mount they have checked.
     */
    attachInTransaction: attach,
    /** For callers inside a unit of work: `associations/remove` of one association row. */
    detachInTransaction: detach,

    /** `GET sys/sync/destinations/:type/:name/associations`. @throws VaultError 404 for a missing destination. */
    listForDestination: async (type: string, name: string): Promise<DestinationAssociations> => await parsedOf(listForDestinationJson(type, name)),
    listForDestinationJson,

    /**
     * `associations/set` (new or refresh): checks the mount and secret, snapshots the template
     * and granularity (D-1), marks targets `PENDING` and queues the association; answers the
     * destination's whole map.
     * @throws VaultError 400 (missing field, unknown/non-KV-v2 mount, folder or missing secret,
     *   missing destination, purge running), 503 when the queue is full.
     */
    set: async (type: string, name: string, body: Record<string, unknown>): Promise<DestinationAssociations> => await parsedOf(setJson(type, name, body)),
    setJson,

    /**
     * Several `set`s on one destination in one unit of work (all or none), answering nothing: for
     * callers that do not need the map (association rules, seeding). Same checks and errors as `set`.
     */
    async setMany (type: string, name: string, bodies: ReadonlyArray<Record<string, unknown>>): Promise<void> {
      const targets = bodies.map(associationSetTarget)
      await store.transaction(async () => { for (const t of targets) await applySet(type, name, t) })
    },

    /**
     * `associations/remove` (D-2, D-21): marks the association `UNSYNCING` and queues the unsync;
     * it stays listed. Removing what is not associated changes nothing. Answers the whole map.
     * @throws VaultError 400 (missing field or destination, purge running), 503 queue full.
     */
    remove: async (type: string, name: string, body: Record<string, unknown>): Promise<DestinationAssociations> => await parsedOf(removeJson(type, name, body)),
    removeJson,

    /** `LIST sys/sync/associations` data (D-32.1); removed associations are left out. A fresh copy. */
    listAll: async (): Promise<GlobalAssociationList> => structuredClone(await globalList.list()),

    /** The same as UTF-8 JSON (kept until the associations change); undefined when there is none. */
    listAllJson: async (): Promise<Buffer | undefined> => await globalList.json(),

    /** `GET sys/sync/associations/destinations` and its path form (`secret-destinations.ts`). */
    ...createSecretDestinations({ store, mounts }),

    /**
     * The KV change hook (registered in `services.kvChangeHooks`, `KvChangeHook`): awaited by KV
     * inside its unit of work, `repos` being the unit's repositories (the store's when absent:
     * inside a unit they run on it anyway); queues every live association of the changed secret.
     * When the queue is full the association shows `INTERNAL_VAULT_ERROR` `sync queue is full`
     * instead (D-15.14), and a KV write never fails because of sync.
     */
    async recordKvChange (change: KvChange, repos: Pick<Repositories, 'associations'> = store.repos): Promise<void> {
      const at = now()
      // Queued work shows PENDING until the worker takes it (also while sync is disabled).
      const live = (await repos.associations.ofSecret(change.accessor, change.path)).filter((a) => a.removed === 0)
      await outbox.enqueueMany(live.map((a) => a.id), at, { status: 'PENDING', whenFull: 'error' })
    },

    /**
     * `KvChangeHook.idle` of `recordKvChange`: true when the secret has no live association, so
     * it would queue nothing (read on SQLite's synchronous `repos` inside the change's transaction).
     */
    recordsNothingFor: (change: KvChange, repos: Pick<SyncRepositories, 'associations'>): boolean =>
      repos.associations.ofSecret(change.accessor, change.path).every((a) => a.removed !== 0)
  }
}

export type AssociationService = ReturnType<typeof createAssociationService>
