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
 *   found a tag not its own (`left in place: not owned by vault-sync`).
 */
import type { AssociationRow, NameOwnerRow } from '../../db/associations-repo.js'
import type { DestinationRow } from '../../db/destinations-repo.js'
import type { SyncDriver } from '../drivers/driver.js'
import { effectiveNameTemplate, parseNameTemplate, renderNameTemplate, templateFields } from '../sync/name-template.js'
import { builtinTagValue } from '../sync/tags.js'

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
