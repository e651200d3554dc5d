/**
 * Associations waiting for a name (decisions D-20): one refused because another association of
 * the same destination records the name (`CLIENT_SIDE_ERROR` `name … is owned by <mount><path>`)
 * is a local client error, retried only after a change. When the holder lets the name go (its
 * remove, its key or secret gone, its rename), nothing changed for the waiter, which stayed in
 * error naming a holder that no longer held anything, and its secret never reached Azure
 * (session 21). Now the settle that frees a name queues the destination's waiters on the holder.
 *
 * Queued in a unit of their own after the holder's settle committed: a crash between the two
 * leaves a waiter as it was before (in error until a change, or `associations/set`).
 */
import type { AssociationRow } from '../../db/associations-repo.js'
import type { WorkerServices } from './worker-deps.js'

/** The message suffix of a target refused for a name `holder` records (work-load.ts, rule-names.ts). */
export const ownedBySuffix = (holder: Pick<AssociationRow, 'mount_path' | 'secret_path'>): string =>
  ` is owned by ${holder.mount_path}${holder.secret_path}`

/**
 * Queues (at `at`, epoch ms) the live associations of `destinationId` with a target refused for
 * a name `holder` records, in one unit, in id order; resolves how many were queued. A full queue
 * marks them as the outbox does (`whenFull: 'error'`).
 */
export async function requeueNameWaiters (services: Pick<WorkerServices, 'store' | 'outbox'>, destinationId: string,
  holder: Pick<AssociationRow, 'id' | 'mount_path' | 'secret_path'>, at: number): Promise<number> {
  const suffix = ownedBySuffix(holder)
  const waiting = new Set<string>()
  for (const t of await services.store.repos.associations.clientErrorsOfDestination(destinationId)) {
    if (t.association_id !== holder.id && t.message?.startsWith('name ') === true && t.message.endsWith(suffix)) waiting.add(t.association_id)
  }
  if (waiting.size === 0) return 0
  let queued = 0
  await services.store.transaction(async () => {
    for (const id of [...waiting].sort()) if (await services.outbox.enqueue(id, at, { whenFull: 'error' })) queued++
  })
  return queued
}
