/**
 * One attempt's driver calls (docs/architecture.md "Flow 2: a sync"; decisions D-13): the planned
 * targets that call the driver, in two batches: the cleanups of renamed names first, then the
 * writes and deletes, a write skipped when the cleanup of its old name failed (so a rename never
 * leaves two Azure secrets). Targets left in place (another association owns the name) are not
 * called. Runs outside any unit of work; the caller settles the results.
 */
import type { OpResult } from '../drivers/target-ops.js'
import type { PlannedTarget } from '../sync/plan.js'
import type { WorkContext } from './work-load.js'

/** A planned target that calls the driver. */
type WithOp = Extract<PlannedTarget, { op: unknown }>

/**
 * Calls `ctx.driver.apply` for the attempt's targets; resolves with each called target's result
 * (targets not called have none). Rejects with what the driver throws (an abort through `signal`).
 */
export async function applyTargets (ctx: WorkContext, signal: AbortSignal): Promise<Map<PlannedTarget, OpResult>> {
  const results = new Map<PlannedTarget, OpResult>()
  const apply = async (targets: PlannedTarget[]): Promise<void> => {
    const withOps = targets.filter((p): p is WithOp => 'op' in p && !ctx.leftInPlace.has(p))
    if (withOps.length === 0) return
    const out = await ctx.driver.apply(ctx.connection, withOps.map((p) => p.op), signal)
    withOps.forEach((p, i) => results.set(p, out[i]))
  }
  // A renamed target's old name goes first; its new name is written only once that worked.
  const cleanups = ctx.planned.filter((p) => p.kind === 'cleanup')
  await apply(cleanups)
  const blocked = new Set(cleanups.filter((p) => results.get(p)?.ok === false).map((p) => p.subKey))
  await apply(ctx.planned.filter((p) => p.kind !== 'cleanup' && !(p.kind === 'write' && blocked.has(p.subKey))))
  return results
}
