/**
 * Who is leaving a shared Azure name (decisions D-20: a delete is left in place while another
 * live association on the same store records the name). Two ways a recorder is leaving while it
 * still records the name, each of which left a vault-sync secret live in Azure, recorded by
 * nobody (fuzz explorer, session 20):
 * - it renders another name now (its template changed; the rename is not settled): it deletes
 *   its old name once the rename is in, but left that delete in place for the association now
 *   unsyncing the name, which had left its own delete in place for it;
 * - it is removed, or its destination is being purged or deleted: the secret may carry its tag
 *   (it wrote last) after it left the name in place for another association, whose delete then
 *   found a tag not its own (`left in place: not owned by vault-sync`);
 * - its own KV secret no longer has the target (`sourceGone`): two secrets sharing a name (say
 *   `x/s1` and `y/s1` as `s1-k2`) lost the key at once, and each unsync left the name in place
 *   for the other, which still recorded it (session 21).
 * A holder found leaving here but written again before the delete (a set reviving it, its key
 * back in KV) loses that write to the delete; its next change or a drift sweep writes it again.
 */
import type { AssociationRow, NameOwnerRow } from '../../db/associations-repo.js'
import type { DestinationRow } from '../../db/destinations-repo.js'
import type { SyncDriver } from '../drivers/driver.js'
import type { WorkerServices } from './worker-deps.js'
import { effectiveNameTemplate, parseNameTemplate, renderNameTemplate, templateFields } from '../sync/name-template.js'
import { builtinTagValue, parseBuiltinTagValue } from '../sync/tags.js'

/** A destination that no longer keeps its names: being purged, or deleted (hidden). */
export const destinationLeaving = (d: Pick<DestinationRow, 'purge_state' | 'deleted_at'>): boolean =>
  d.purge_state === 'purging' || d.deleted_at !== null

/**
 * Whether `o`'s association, of destination `d`, now renders another Azure name for its target
 * `o.sub_key` than the one it records (`o.external_name`), compared by `names.collisionKey`. A
 * template that no longer parses or renders an invalid name counts as not moving (it keeps what
 * it records until it can write a new name).
 */
export function rendersAnotherName (a: Pick<AssociationRow, 'name_template' | 'granularity' | 'mount_path' | 'accessor' | 'secret_path'>,
  d: Pick<DestinationRow, 'type' | 'name'>, o: Pick<NameOwnerRow, 'sub_key' | 'external_name'>, names: Pick<SyncDriver, 'externalName' | 'collisionKey'>): boolean {
  let rendered: { name: string } | { error: string }
  try {
    const template = parseNameTemplate(effectiveNameTemplate(a.name_template, a.granularity))
    rendered = names.externalName(renderNameTemplate(template, templateFields({
      destinationType: d.type, destinationName: d.name, mountPath: a.mount_path, mountAccessor: a.accessor,
      secretPath: a.secret_path, secretKey: a.granularity === 'secret-key' ? o.sub_key : undefined
    })))
  } catch {
    return false
  }
  return 'name' in rendered && names.collisionKey(rendered.name) !== names.collisionKey(o.external_name)
}

/**
 * The built-in tag values (`DeleteOp.formerHolderTagValues`) of the associations among `others`
 * (the same KV secret's other associations) that are leaving: removed, or on a leaving
 * destination (`destinationOf` gives it, undefined when gone). Live ones are left out: one may
 * be writing the name as a first write right now, and its secret must not be deleted.
 */
export async function leavingTagValues (others: readonly AssociationRow[],
  destinationOf: (id: string) => Promise<DestinationRow | undefined>): Promise<string[]> {
  const out: string[] = []
  for (const o of others) {
    const d = await destinationOf(o.destination_id)
    if (o.removed === 1 || d === undefined || destinationLeaving(d)) out.push(builtinTagValue(o.destination_id, o.id))
  }
  return out
}

/**
 * Whether the KV secret `a` syncs no longer has the target `subKey` (`''`: the whole secret): no
 * active version is left (`readCurrent`, spec §6.2), or the current version has no key `subKey`.
 * A holder on a disabled mount is not gone (decisions D-21: it keeps its status until removed).
 */
export async function sourceGone (a: Pick<AssociationRow, 'accessor' | 'secret_path'>, subKey: string,
  services: Pick<WorkerServices, 'kv' | 'mounts'>): Promise<boolean> {
  if (await services.mounts.byAccessor(a.accessor) === undefined) return false
  const current = await services.kv.readCurrent(a.accessor, a.secret_path)
  return current === undefined || (subKey !== '' && !Object.hasOwn(current.data as Record<string, unknown>, subKey))
}

/** What {@link formerHolderCheck} reads. */
export interface FormerHolderDeps {
  store: Pick<WorkerServices, 'store'>['store']
  /** The store (vault) a destination writes to (the loader's `endpointOf`). */
  endpointOf: (destinationId: string) => Promise<string | undefined>
  /** The loader's first-write claims (`first-write-claims.ts` `heldBy`). */
  claimedBy: (destinationId: string, collisionKey: string, associationId: string) => string | undefined
  collisionKey: (name: string) => string
}

/**
 * `DeleteOp.formerHolder` for the delete of `name` on `endpoint` by association `self`: true
 * for the built-in tag of another association of this server's database, on a destination
 * writing to the same store, that neither records `name` live (removed, or its destination
 * leaving, counts as not) nor claims it for a first write in flight. Fuzz explorer (session 21):
 * such a tag made a delete leave a value no KV version has live in Azure, recorded by nobody:
 * the tag of an association of another secret that had left the name in place for `self` and
 * no longer recorded it, or of an association that recovered a soft-deleted name and failed to
 * write it. A tag of an association this database does not have (another server sharing the
 * vault, or one deleted since) is never accepted (FR-12).
 */
export function formerHolderCheck (deps: FormerHolderDeps, name: string, endpoint: string, self: string): (tagValue: string) => Promise<boolean> {
  const { associations, destinations } = deps.store.repos
  return async (tagValue) => {
    const ids = parseBuiltinTagValue(tagValue)
    if (ids === null || ids.associationId === self) return false
    const a = await associations.byId(ids.associationId)
    if (a === undefined || a.destination_id !== ids.destinationId || await deps.endpointOf(a.destination_id) !== endpoint) return false
    if (deps.claimedBy(a.destination_id, deps.collisionKey(name), self) !== undefined) return false
    if (a.removed === 1) return true
    const d = await destinations.byId(a.destination_id)
    if (d === undefined || destinationLeaving(d)) return true
    return !(await associations.ownersOfName(name, self)).some((o) => o.association_id === a.id)
  }
}
