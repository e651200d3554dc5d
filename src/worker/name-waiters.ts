/**
 * Associations waiting for a name (decisions D-20): one refused because another association of
 * the same destination records the name (`CLIENT_SIDE_ERROR` `name … is owned by <mount><path>`)
 * is a local client error, retried only after a change. When the holder lets the name go (its
 * remove, its key or secret gone, its rename), nothing changed for the waiter, which stayed in
 * error naming a holder that no longer held anything, and its secret never reached Azure
 * (session 21). Now the settle that frees a name queues the destination's waiters on the holder.
 *
 * Queued in a unit of their own after the holder's settle committed: a crash between the two
 * leaves a waiter as it was before (in error until a change, or `associations/set`). A waiter
 * refused at its load whose holder let the name go before the waiter's settle stored the
 * refusal was found by neither: the waiter looks again once it settled (`requeueIfNameFreed`);
 * each side looks after its own commit, so one of them sees the other (fuzz explorer).
 */
import type { AssociationRow } from '../../db/associations-repo.js'
import type { WorkContext } from './work-load.js'
import type { WorkerServices } from './worker-deps.js'

/**
 * The refusal a target's message states (`name "<N>" is owned by <mount><path>`, work-load.ts,
 * rule-names.ts): the refused name and the holder's label, or undefined for another message.
 */
function parseRefusal (message: string | null): { name: string, holder: string } | undefined {
  const m = /^name (".*") is owned by (.+)$/.exec(message ?? '')
  if (m === null) return undefined
  try {
    const name: unknown = JSON.parse(m[1])
    return typeof name === 'string' ? { name, holder: m[2] } : undefined
  } catch {
    return undefined
  }
}

/**
 * Queues (at `at`, epoch ms) the live associations of `destinationId` with a target refused for
 * a name `holder` no longer records (compared case-insensitively, as Azure does), in one unit,
 * in id order; resolves how many were queued. Called after a settle that let a recorded name go,
 * or by an association leaving (removed; also one that only claimed a name, its first write in
 * flight when a waiter was refused, and never recorded it). A full queue marks them as the
 * outbox does (`whenFull: 'error'`).
 */
export async function requeueNameWaiters (services: Pick<WorkerServices, 'store' | 'outbox'>, destinationId: string,
  holder: Pick<AssociationRow, 'id' | 'mount_path' | 'secret_path'>, at: number): Promise<number> {
  const { associations } = services.store.repos
  const label = `${holder.mount_path}${holder.secret_path}`
  const waiting: Array<{ id: string, name: string }> = [] // refused names lower-cased
  for (const t of await associations.clientErrorsOfDestination(destinationId)) {
    const r = t.association_id === holder.id ? undefined : parseRefusal(t.message)
    if (r?.holder === label) waiting.push({ id: t.association_id, name: r.name.toLowerCase() })
  }
  if (waiting.length === 0) return 0
  const kept = new Set<string>()
  for (const t of await associations.targets(holder.id)) if (t.external_name !== null) kept.add(t.external_name.toLowerCase())
  const free = [...new Set(waiting.filter((w) => !kept.has(w.name)).map((w) => w.id))].sort()
  if (free.length === 0) return 0
  let queued = 0
  await services.store.transaction(async () => {
    for (const id of free) if (await services.outbox.enqueue(id, at, { whenFull: 'error' })) queued++
  })
  return queued
}

/**
 * After `ctx`'s attempt settled (its claims released): when a target was refused for a name
 * (`name "<N>" is owned by <holder>`) that the named holder neither records live on the
 * destination now nor claims for a first write in flight (`claimedBy`, the loader's
 * `first-write-claims.ts`), queues the association again at once: it then writes the name, or
 * is refused naming its holder now (fuzz explorer: a refusal naming an association that had let
 * the name go while another took it). Resolves whether it did.
 */
export async function requeueIfNameFreed (services: Pick<WorkerServices, 'store' | 'outbox' | 'now'>, ctx: WorkContext,
  claimedBy: (destinationId: string, collisionKey: string, associationId: string) => string | undefined): Promise<boolean> {
  const a = ctx.association
  for (const p of ctx.planned) {
    if (p.kind !== 'error' || p.name === undefined) continue
    const holder = parseRefusal(p.error.message)?.holder
    if (holder === undefined) continue
    if (claimedBy(ctx.destination.id, ctx.driver.collisionKey(p.name), a.id) === holder) continue
    const owners = await services.store.repos.associations.ownersOfName(p.name, a.id)
    if (owners.some((o) => o.destination_id === ctx.destination.id && o.removed === 0 && `${o.mount_path}${o.secret_path}` === holder)) continue
    return await services.outbox.enqueue(a.id, services.now(), { whenFull: 'error' })
  }
  return false
}
