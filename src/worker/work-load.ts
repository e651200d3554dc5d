/**
 * Loads what one claimed outbox row needs (decisions D-1, D-2, D-15.4, D-20, D-21): the
 * association, its destination and decrypted connection, the KV state *now* (level-triggered),
 * the plan, and the cross-association name checks:
 * - a name another live association of the same destination already records is refused
 *   (`CLIENT_SIDE_ERROR`, `name … is owned by <mount>/<path>`);
 * - a name about to be deleted that another live association on the same vault records is left
 *   in place, and the first such association is queued as a refresh so it rewrites its value
 *   and tag (it did not rewrite before: an unchanged digest is a no-op, and the secret stayed
 *   tagged by the association that left, which no remaining holder could then delete);
 * - a write of a target drift flagged (a repair, or ownership lost) checks ownership first
 *   (`drift-guard.ts`);
 * - names earlier attempts left to remove go into the plan, and this attempt's purge intents
 *   join them (`leftover-names.ts`).
 * It also records the destination's vault key (`destinations.vault_key`, issue 18: the lease a
 * row's work is owned under). It runs between the claim and the driver call, reading through the
 * Store outside any unit (only the co-owners' enqueue is one unit), with no network I/O.
 */
import type { AssociationRow, NameOwnerRow } from '../../db/associations-repo.js'
import type { DestinationRow } from '../../db/destinations-repo.js'
import type { ClaimedRow } from '../../db/outbox-repo.js'
import type { SyncDriver } from '../drivers/driver.js'
import { localClientError } from '../drivers/sync-error.js'
import { networkRules, type DestinationConfig } from '../sync/destination-options.js'
import { planAssociation, type KvSnapshot, type LeftoverName, type PlannedTarget } from '../sync/plan.js'
import { builtinTagValue } from '../sync/tags.js'
import { guardDriftFlagged } from './drift-guard.js'
import { destinationLeaving, formerHolderCheck, leavingTagValues, rendersAnotherName, sourceGone } from './leaving-holders.js'
import { parseLeftovers, withPurgeIntents } from './leftover-names.js'
import { claimKey, createFirstWriteClaims } from './first-write-claims.js'
import { createNameLocks, type NameLocks } from './name-locks.js'
import type { WorkerServices } from './worker-deps.js'

/** Everything an attempt works from. */
export interface WorkContext {
  row: ClaimedRow
  association: AssociationRow
  destination: DestinationRow
  /** The association is being unsynced as a whole (removed, purge, hidden destination). */
  unsyncAll: boolean
  kv: KvSnapshot & { deletionAtMs: number | null } | undefined
  /** The destination's type. */
  driver: SyncDriver
  /** Its effective connection (`driver.connect`). */
  connection: unknown
  planned: PlannedTarget[]
  /** Deletes skipped because another association on the same vault owns the name: subKey -> note. */
  leftInPlace: Map<PlannedTarget, string>
  /** Why the synced version is not the newest (a soft-deleted or destroyed newest version), for the targets' message. */
  olderVersionNote: string | undefined
  /** The worker's per-name locks, shared by all its attempts (`name-locks.ts`). */
  locks: NameLocks
  /** Names left for the association to remove, this attempt's purge intents included (`leftover-names.ts`). */
  leftovers: LeftoverName[]
  /** Their JSON to store before the driver call (new purge intents: `markInFlight`), or undefined when none is new. */
  intentJson: string | null | undefined
  /** First-write claims this attempt holds (`first-write-claims.ts`), released by `WorkLoader.release` once it settled. */
  claimed: string[]
}

/**
 * The note shown when the newest KV version is deleted or destroyed and an older live one is
 * synced instead (Vault's behaviour): only a metadata delete removes the Azure secret.
 */
export function olderVersionNote (synced: number, current: number): string | undefined {
  if (synced >= current) return undefined
  return `version ${current} is deleted in KV, so version ${synced} (the newest live one) is synced; only deleting the secret's metadata (or every version) removes it from Azure`
}

/** True for a message made by {@link olderVersionNote}. */
export const isOlderVersionNote = (message: string): boolean => /^version \d+ is deleted in KV, so version \d+ /.test(message)

/** The connection `driver.apply` works with for a destination of `config` (its stored fields and network rules). */
export const destinationConnection = (driver: SyncDriver, config: DestinationConfig): unknown => driver.connect(config, networkRules(config.options))

export type LoadResult = { kind: 'work', ctx: WorkContext } | { kind: 'skip', reason: string }

type Deps = Pick<WorkerServices, 'store' | 'outbox' | 'kv' | 'mounts' | 'destinationService' | 'registry' | 'now' | 'targetDigestKey' | 'ownership' | 'driftKey'>

/** Creates the loader over the worker's services. */
export function createWorkLoader (services: Deps) {
  const { store } = services
  // Vault keys this process recorded (destination id -> key): one write per change, not per load.
  const recordedKeys = new Map<string, string | null>()
  // The decrypted configuration and connection per destination, kept while its stored fields are
  // the same (issue 17: no decryption and parsing per change; the SDK client holds them anyway).
  const connections = new Map<string, { row: Pick<DestinationRow, 'type' | 'connection' | 'options' | 'sealed_secrets'>, config: DestinationConfig, connection: unknown }>()
  const locks = createNameLocks()
  const claims = createFirstWriteClaims()

  /** Destination `d`'s configuration and its driver's connection (`driver` is `d`'s type). */
  async function connectionOf (d: DestinationRow, driver: SyncDriver): Promise<{ config: DestinationConfig, connection: unknown }> {
    const m = connections.get(d.id)
    if (m !== undefined && m.row.type === d.type && m.row.connection === d.connection && m.row.options === d.options &&
      (m.row.sealed_secrets === null ? d.sealed_secrets === null : d.sealed_secrets !== null && m.row.sealed_secrets.equals(d.sealed_secrets))) return m
    const config = await services.destinationService.configOf(d)
    const entry = { row: { type: d.type, connection: d.connection, options: d.options, sealed_secrets: d.sealed_secrets }, config, connection: destinationConnection(driver, config) }
    if (connections.size >= 10_000) connections.clear()
    connections.set(d.id, entry)
    return entry
  }

  /** The endpoint (store) a destination writes to, or undefined (gone, unknown type, unusable). */
  async function endpointOf (destinationId: string): Promise<string | undefined> {
    const d = await store.repos.destinations.byId(destinationId)
    const driver = d === undefined ? undefined : services.registry.get(d.type)
    if (d === undefined || driver === undefined) return undefined
    return driver.endpointKey((await connectionOf(d, driver)).connection)
  }

  /** Records `key` as destination `d`'s vault key when it is not already (issue 18). */
  async function recordVaultKey (d: Pick<DestinationRow, 'id' | 'vault_key'>, key: string | undefined): Promise<void> {
    const k = key ?? null
    if (recordedKeys.get(d.id) === k || d.vault_key === k) { recordedKeys.set(d.id, k); return }
    const changed = await store.repos.destinations.setVaultKey(d.id, k)
    recordedKeys.set(d.id, k)
    if (changed && k !== null) services.ownership.vaultRecorded?.(k)
  }

  /** The other live associations that record `name` on the store `endpoint` (a name shared across destinations). */
  async function liveHoldersOnEndpoint (name: string, associationId: string, endpoint: string): Promise<NameOwnerRow[]> {
    return (await recordersOnEndpoint(name, associationId, endpoint)).filter((o) => o.removed === 0)
  }

  /** Every other association, removed ones included, that records `name` on the store `endpoint`. */
  async function recordersOnEndpoint (name: string, associationId: string, endpoint: string): Promise<NameOwnerRow[]> {
    const out: NameOwnerRow[] = []
    for (const o of await store.repos.associations.ownersOfName(name, associationId)) if (await endpointOf(o.destination_id) === endpoint) out.push(o)
    return out
  }

  /** Built-in tag values of `liveHoldersOnEndpoint`. */
  async function siblingTagValues (name: string, associationId: string, endpoint: string | undefined): Promise<string[]> {
    if (endpoint === undefined) return []
    return (await liveHoldersOnEndpoint(name, associationId, endpoint)).map((o) => builtinTagValue(o.destination_id, o.association_id))
  }

  /**
   * Who holds `name` against `ctx`'s first write of it (D-20, FR-03): another live association
   * of the destination recording it, or one whose first write of it is in flight. Returns the
   * holder's `<mount><path>`, or undefined once `ctx` claimed the name.
   */
  async function firstWriteHolder (ctx: WorkContext, name: string): Promise<string | undefined> {
    const owner = (await store.repos.associations.ownersOfName(name, ctx.association.id))
      .find((o) => o.destination_id === ctx.destination.id && o.removed === 0)
    if (owner !== undefined) return `${owner.mount_path}${owner.secret_path}`
    const collision = ctx.driver.collisionKey(name)
    const holder = claims.claim(ctx.destination.id, collision, ctx.association.id, `${ctx.association.mount_path}${ctx.association.secret_path}`)
    if (holder === undefined) ctx.claimed.push(claimKey(ctx.destination.id, collision))
    return holder
  }

  /**
   * Who holds `name`, which `ctx`'s association records already, against its write (D-20). A
   * removed association no longer holds its names, so another association of the destination may
   * take one as a first write meanwhile; a `set` that revives the removed one then finds its
   * name recorded by both (seed 1101: both wrote it and showed SYNCED, each over the other's
   * value). The one live since earlier keeps it (`live_since`, set again on revive; ties by id);
   * a first write of it in flight elsewhere was loaded while this one was removed, so it holds
   * it too. Returns the holder's `<mount><path>`, or undefined when the name is this one's.
   */
  async function recordedNameHolder (ctx: WorkContext, name: string): Promise<string | undefined> {
    const a = ctx.association
    const inFlight = claims.heldBy(ctx.destination.id, ctx.driver.collisionKey(name), a.id)
    if (inFlight !== undefined) return inFlight
    const earlier = (await store.repos.associations.ownersOfName(name, a.id)).find((o) => o.destination_id === ctx.destination.id &&
      o.removed === 0 && (o.live_since < a.created_at || (o.live_since === a.created_at && o.association_id < a.id)))
    return earlier === undefined ? undefined : `${earlier.mount_path}${earlier.secret_path}`
  }

  async function checkNames (ctx: WorkContext): Promise<void> {
    const endpoint = ctx.driver.endpointKey(ctx.connection)
    const planned: PlannedTarget[] = []
    for (const p of ctx.planned) {
      if (p.kind !== 'write' || p.op.op !== 'write') { planned.push(p); continue }
      const holder = p.op.firstWrite ? await firstWriteHolder(ctx, p.name) : await recordedNameHolder(ctx, p.name)
      planned.push(holder === undefined
        ? p
        : { kind: 'error', subKey: p.subKey, name: p.name, error: localClientError(`name ${JSON.stringify(p.name)} is owned by ${holder}`) })
    }
    ctx.planned = planned
    // The KV secret has no version left to sync (deleted), or the synced version no longer has
    // this key (`secret-key`): every association of that secret (that key) unsyncs it too, so
    // none of them keeps the name for the others (each used to leave the secret in place for
    // the other, and a value KV no longer has stayed live in Azure). Nor does an association
    // whose destination is being purged or deleted: it unsyncs too, and leaving the secret to
    // it left it to an unsync that deletes only what it wrote last (FR-12).
    const { accessor, secret_path: secretPath } = ctx.association
    const kv = ctx.kv
    const goneFromSource = (p: PlannedTarget): boolean => !ctx.unsyncAll && (kv === undefined ||
      (p.kind === 'unsync' && p.replaced !== true && p.subKey !== '' && !Object.hasOwn(kv.data, p.subKey)))
    // A recorder moving to another name (its rename not settled) does not keep this one either,
    // nor one whose own KV secret no longer has the target (leaving-holders.ts).
    const keepsName = async (o: NameOwnerRow, p: PlannedTarget): Promise<boolean> => {
      if (goneFromSource(p) && o.accessor === accessor && o.secret_path === secretPath && (kv === undefined || o.sub_key === p.subKey)) return false
      const d = await store.repos.destinations.byId(o.destination_id)
      if (d === undefined || destinationLeaving(d)) return false
      const holder = await store.repos.associations.byId(o.association_id)
      const names = services.registry.get(d.type)
      if (holder === undefined || (names !== undefined && rendersAnotherName(holder, d, o, names))) return false
      return !await sourceGone(holder, o.sub_key, services)
    }
    let leaving: string[] | undefined
    const leavingTags = async (at: string): Promise<string[]> => {
      if (leaving !== undefined) return leaving
      const sameSecret: AssociationRow[] = []
      for (const o of await store.repos.associations.ofSecret(accessor, secretPath)) if (o.id !== ctx.association.id && await endpointOf(o.destination_id) === at) sameSecret.push(o)
      return (leaving = await leavingTagValues(sameSecret, async (id) => await store.repos.destinations.byId(id)))
    }
    for (const p of ctx.planned) {
      if ((p.kind !== 'unsync' && p.kind !== 'cleanup') || p.op.op !== 'delete' || endpoint === undefined) continue
      const others: NameOwnerRow[] = []
      const leavingRecorders: string[] = []
      for (const o of await recordersOnEndpoint(p.op.name, ctx.association.id, endpoint)) {
        if (o.removed === 0 && await keepsName(o, p)) others.push(o)
        else leavingRecorders.push(builtinTagValue(o.destination_id, o.association_id))
      }
      if (others.length === 0) {
        // Nobody keeps the name: the secret goes, also when another recorder of it that is leaving
        // it, or a leaving association of the same KV secret, wrote it last and left it in place
        // for this one (leaving-holders.ts).
        const tags = [...new Set([...leavingRecorders, ...await leavingTags(endpoint)])]
        if (tags.length > 0) p.op.formerHolderTagValues = tags
        p.op.formerHolder = formerHolderCheck({ store, endpointOf, claimedBy: claims.heldBy, collisionKey: (n) => ctx.driver.collisionKey(n) }, p.op.name, endpoint, ctx.association.id)
        continue
      }
      const dest = await store.repos.destinations.byId(others[0].destination_id)
      ctx.leftInPlace.set(p, `left in place: also synced by ${dest?.name ?? others[0].destination_id}`)
      const at = services.now()
      // The leaving association may have written the secret last (its tag, its custom tags):
      // the first remaining holder writes it again as its own (refresh, one new version), so
      // that its tags are back and its own remove later deletes it (no orphan left in Azure).
      await store.transaction(async () => {
        for (const [i, o] of others.entries()) await services.outbox.enqueue(o.association_id, at, { whenFull: 'error', refresh: i === 0 })
      })
    }
  }

  /** Loads the context of `row`, or says why there is nothing to do. Never rejects for missing rows. */
  async function load (row: ClaimedRow): Promise<LoadResult> {
    const { associations } = store.repos
    const association = await associations.byId(row.association_id)
    if (association === undefined) return { kind: 'skip', reason: 'association gone' }
    const destination = await store.repos.destinations.byId(association.destination_id)
    if (destination === undefined) return { kind: 'skip', reason: 'destination gone' }
    const unsyncAll = association.removed === 1 || destination.purge_state === 'purging' || destination.deleted_at !== null
    const mount = await services.mounts.byAccessor(association.accessor)
    // D-21: a disabled mount fires nothing; its associations keep their status until removed.
    if (mount === undefined && !unsyncAll) return { kind: 'skip', reason: 'mount disabled' }
    const current = unsyncAll || mount === undefined ? undefined : await services.kv.readCurrent(association.accessor, association.secret_path)
    const kv = current === undefined ? undefined : { version: current.version, data: current.data as Record<string, unknown>, deletionAtMs: current.deletionAtMs }
    const driver = services.registry.get(destination.type)
    if (driver === undefined) return { kind: 'skip', reason: `unknown destination type ${destination.type}` }
    const { config, connection } = await connectionOf(destination, driver)
    const endpoint = driver.endpointKey(connection)
    await recordVaultKey(destination, endpoint)
    const recorded = await associations.targets(association.id)
    const planned = planAssociation({
      association: {
        id: association.id, destinationId: destination.id, destinationType: destination.type, destinationName: destination.name,
        accessor: association.accessor, mountPath: mount?.path ?? association.mount_path, secretPath: association.secret_path,
        granularity: association.granularity, nameTemplate: association.name_template, removed: unsyncAll
      },
      destination: { customTags: config.options.custom_tags, purgeOnUnsync: config.options.purge_on_unsync },
      kv,
      recorded: recorded.map((t) => ({
        subKey: t.sub_key, externalName: t.external_name, digest: t.digest, externalVersion: t.external_version
      })),
      refresh: row.refresh === 1,
      names: driver,
      digestKey: services.targetDigestKey,
      leftovers: parseLeftovers(association.leftover_names)
    })
    // Issue 21: targets drift flagged (a repair, ownership lost) are written only while still ours.
    await guardDriftFlagged(planned, recorded, {
      ownerTagValue: builtinTagValue(destination.id, association.id),
      refresh: row.refresh === 1,
      driftKey: services.driftKey,
      siblingTagValues: async (name) => await siblingTagValues(name, association.id, endpoint)
    })
    const note = current === undefined ? undefined : olderVersionNote(current.version, current.currentVersion)
    const ctx: WorkContext = { row, association, destination, unsyncAll, kv, driver, connection, planned, leftInPlace: new Map(), olderVersionNote: note, locks, leftovers: [], intentJson: undefined, claimed: [] }
    try {
      await checkNames(ctx)
      Object.assign(ctx, withPurgeIntents(ctx))
    } catch (err) {
      release(ctx)
      throw err
    }
    return { kind: 'work', ctx }
  }

  /** Releases what `ctx`'s load claimed; call once its attempt settled (or failed). */
  function release (ctx: WorkContext): void {
    claims.release(ctx.claimed, ctx.association.id)
  }

  return { load, recordVaultKey, release, claimedBy: claims.heldBy }
}

export type WorkLoader = ReturnType<typeof createWorkLoader>
