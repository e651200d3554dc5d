/**
 * Names an association still has to remove from its destination, kept in storage
 * (`associations.leftover_names`: JSON, SQLite migration 12 and its PostgreSQL twin) so that no
 * restart loses them (decisions D-1, D-18 `purge_on_unsync`; FR-19):
 * - the old name of a rename whose delete failed (a 403, a 5xx): the target records the new
 *   name, which already holds the value, and each retry deletes the old name again (a `cleanup`
 *   once the new name is in Azure: `plan.ts`) instead of writing the new name again, which added
 *   one Azure version per retry;
 * - a name deleted, or about to be, for `purge_on_unsync`: recorded before the driver call (the
 *   purge intent, written by `markInFlight`, which then goes first) until the purge is confirmed,
 *   so a retry purges the soft-deleted secret even while Azure is still deleting it
 *   (`DeleteOp.purgePending`), after a restart too: Get Deleted Secret answers 404 then, and
 *   before, only the driver's memory said that the delete was ours.
 * - a name about to be written for the first time (a new key, a rename): recorded before the
 *   driver call (the write intent, stored like a purge intent), so a crash between the write, or
 *   the recovery of a soft-deleted name before it, and the settle does not leave a name in Azure
 *   that nothing records: the next attempt writes it again when it is still wanted, and deletes
 *   it (with the ownership check, FR-12) when it is not (a rename back, a remove).
 * A leftover is forgotten once its delete (and purge) settled, once another live association on
 * the vault holds the name (left in place), or once the name is a current target in Azure again.
 * The old name of a target still wanted is deleted only once that target's current name is in
 * Azure: while the new name fails for a local reason retried only on a change (a collision, a
 * value over the size limit), the old copy stays, until the KV secret or the destination changes.
 * Names are matched by the driver's collision key (Azure: case-insensitively).
 */
import type { AssociationsRepository } from '../../db/store/repositories.js'
import type { OpResult } from '../drivers/target-ops.js'
import type { LeftoverName, PlannedTarget } from '../sync/plan.js'

/** What the functions here read of an attempt (`WorkContext`). */
interface AttemptView {
  association: { id: string, leftover_names?: string | null }
  driver: { collisionKey: (name: string) => string }
  planned: PlannedTarget[]
  leftInPlace: ReadonlyMap<PlannedTarget, string>
}

/** A planned delete (an unsync or a cleanup). */
type PlannedDelete = Extract<PlannedTarget, { kind: 'unsync' | 'cleanup' }> & { op: { op: 'delete', name: string, purge: boolean } }

const isDelete = (p: PlannedTarget): p is PlannedDelete => (p.kind === 'unsync' || p.kind === 'cleanup') && p.op.op === 'delete'

/**
 * The leftovers stored as `json` (the column; null or undefined: none). Entries that are not
 * `{sub_key: string, name: string, purge?: boolean}` are skipped; malformed JSON reads as none.
 */
export function parseLeftovers (json: string | null | undefined): LeftoverName[] {
  if (json === null || json === undefined || json === '') return []
  let raw: unknown
  try { raw = JSON.parse(json) } catch { return [] }
  if (!Array.isArray(raw)) return []
  const out: LeftoverName[] = []
  for (const e of raw as Array<Record<string, unknown> | null>) {
    if (typeof e?.sub_key === 'string' && typeof e.name === 'string' && e.name !== '') out.push({ subKey: e.sub_key, name: e.name, purge: e.purge === true })
  }
  return out
}

/** The column value of `leftovers`: a JSON array in their order, or null when there are none. */
export function serializeLeftovers (leftovers: readonly LeftoverName[]): string | null {
  return leftovers.length === 0 ? null : JSON.stringify(leftovers.map((l) => ({ sub_key: l.subKey, name: l.name, purge: l.purge })))
}

/**
 * The stored leftovers plus this attempt's intents: every delete it may send with `purge` (not
 * one left in place), and every first write of a name (`firstWrite`: a name its target does not
 * record yet). `intentJson` is the column value to store before the driver call, or undefined
 * when no intent is new (nothing to store first).
 */
export function withPurgeIntents (ctx: AttemptView): { leftovers: LeftoverName[], intentJson: string | null | undefined } {
  const keyOf = ctx.driver.collisionKey
  const byKey = new Map(parseLeftovers(ctx.association.leftover_names).map((l) => [keyOf(l.name), l]))
  let added = false
  for (const p of ctx.planned) {
    if (!isDelete(p) || !p.op.purge || ctx.leftInPlace.has(p)) continue
    const key = keyOf(p.op.name)
    if (byKey.get(key)?.purge === true) continue
    byKey.set(key, { subKey: p.subKey, name: p.op.name, purge: true })
    added = true
  }
  for (const p of ctx.planned) {
    if (p.kind !== 'write' || p.op.op !== 'write' || !p.op.firstWrite) continue
    const key = keyOf(p.name)
    if (byKey.has(key)) continue
    byKey.set(key, { subKey: p.subKey, name: p.name, purge: false })
    added = true
  }
  const leftovers = [...byKey.values()]
  return { leftovers, intentJson: added ? serializeLeftovers(leftovers) : undefined }
}

/**
 * The leftovers once the attempt settled, from `leftovers` (stored, intents included) and the
 * driver's `results`: a name now in Azure as a current target (in sync, or written), deleted
 * (an unsync or cleanup that succeeded: purged too when asked, or found not ours) or left in
 * place is forgotten; a cleanup that failed keeps (or becomes) a leftover. An unsync that failed
 * keeps its target's recorded name, which the next plan deletes again.
 */
export function settledLeftovers (ctx: AttemptView, leftovers: readonly LeftoverName[], results: ReadonlyMap<PlannedTarget, OpResult>): LeftoverName[] {
  const keyOf = ctx.driver.collisionKey
  const byKey = new Map(leftovers.map((l) => [keyOf(l.name), l]))
  for (const p of ctx.planned) {
    if (p.kind === 'noop' || (p.kind === 'write' && results.get(p)?.ok === true)) { byKey.delete(keyOf(p.name)); continue }
    if (!isDelete(p)) continue
    const key = keyOf(p.op.name)
    const r = results.get(p)
    if (ctx.leftInPlace.has(p) || r?.ok === true) byKey.delete(key)
    else if (r !== undefined && p.kind === 'cleanup') byKey.set(key, { subKey: p.subKey, name: p.op.name, purge: p.op.purge || byKey.get(key)?.purge === true })
  }
  return [...byKey.values()]
}

/**
 * Stores the settled leftovers (`settledLeftovers`) in `associations` (the settle's unit of
 * work) when they differ from what the column holds since the attempt began (`stored`).
 */
export async function storeSettledLeftovers (associations: Pick<AssociationsRepository, 'setLeftoverNames'>, ctx: AttemptView & { leftovers: LeftoverName[], intentJson: string | null | undefined },
  results: ReadonlyMap<PlannedTarget, OpResult>): Promise<void> {
  const stored = ctx.intentJson !== undefined ? ctx.intentJson : ctx.association.leftover_names ?? null
  const next = serializeLeftovers(settledLeftovers(ctx, ctx.leftovers, results))
  if (next !== stored) await associations.setLeftoverNames(ctx.association.id, next)
}
