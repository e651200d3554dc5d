/**
 * One attempt's driver calls (docs/architecture.md "Flow 2: a sync"; decisions D-1, D-13, D-20;
 * FR-19). Runs outside any unit of work; the caller settles the results.
 * - A rename is Vault's "recreate": set again, an association's secret is synced under the new
 *   template and the one synced under the old is deleted (Vault's secrets-sync docs; D-1: write
 *   the new names, then delete the old ones). So: first the writes and the unsyncs of gone
 *   keys; then the deletes of names a rename left behind, each only once what replaces it is in
 *   Azure: a `cleanup` once its target's new name was written (or, for a name an earlier attempt
 *   left over, is in sync: `leftover-names.ts`), a `replaced` unsync (granularity
 *   switch) once every current target was written or already in sync. A failed write (a
 *   certificate holds the new name, a 403, a 429) thus
 *   leaves the old copy in Azure until a later attempt succeeds; a rename never leaves the
 *   secret under neither name. Two names stay alive only while the old one's delete fails, and
 *   that delete is retried until it worked (`work-settle.ts` keeps the old name as a leftover;
 *   the new name, already written, is not written again).
 *   (A case-only rename is one Azure name and plans no delete at all: `plan.ts`.)
 * - Operations on the same Azure name (equal under the driver's `collisionKey`: Azure compares
 *   names case-insensitively) never run at once: within an attempt they run one after another,
 *   in plan order, and every driver call holds the worker's lock of its names (`name-locks.ts`),
 *   so another association's attempt on the same vault cannot interleave its write with a delete.
 * - Targets left in place (another association on the vault owns the name) are not called.
 */
import type { OpResult } from '../drivers/target-ops.js'
import type { PlannedTarget } from '../sync/plan.js'
import type { WorkContext } from './work-load.js'

/** A planned target that calls the driver. */
type WithOp = Extract<PlannedTarget, { op: unknown }>

/** Splits `targets` into rounds where no two share a key (the n-th of each key in round n, order kept). */
function roundsByName<T> (targets: readonly T[], keyOf: (target: T) => string): T[][] {
  const rounds: T[][] = []
  const seen = new Map<string, number>()
  for (const target of targets) {
    const key = keyOf(target)
    const n = seen.get(key) ?? 0
    seen.set(key, n + 1)
    ;(rounds[n] ??= []).push(target)
  }
  return rounds
}

/** True when the deferred delete `p` may run, given the results of the first phase. */
function replacementInPlace (ctx: WorkContext, p: WithOp, results: Map<PlannedTarget, OpResult>): boolean {
  const inPlace = (q: PlannedTarget): boolean => q.kind === 'noop' || (q.kind === 'write' && results.get(q)?.ok === true)
  if (p.kind === 'cleanup') return ctx.planned.some((q) => (q.kind === 'write' || q.kind === 'noop') && q.subKey === p.subKey && inPlace(q))
  const current = ctx.planned.filter((q) => q.kind === 'noop' || q.kind === 'write' || q.kind === 'error')
  return current.length > 0 && current.every(inPlace)
}

/**
 * Calls `ctx.driver.apply` for the attempt's targets; resolves with each called target's result
 * (targets not called have none). Rejects with what the driver throws (an abort through `signal`).
 */
export async function applyTargets (ctx: WorkContext, signal: AbortSignal): Promise<Map<PlannedTarget, OpResult>> {
  const results = new Map<PlannedTarget, OpResult>()
  const endpoint = ctx.driver.endpointKey(ctx.connection) ?? ''
  const lockKey = (p: WithOp): string => `${endpoint}\u0000${ctx.driver.collisionKey(p.op.name)}`
  const apply = async (targets: PlannedTarget[]): Promise<void> => {
    const withOps = targets.filter((p): p is WithOp => 'op' in p && !ctx.leftInPlace.has(p))
    for (const round of roundsByName(withOps, lockKey)) {
      const out = await ctx.locks.hold(round.map(lockKey), async () => await ctx.driver.apply(ctx.connection, round.map((p) => p.op), signal), signal)
      round.forEach((p, i) => results.set(p, out[i]))
    }
  }
  const deferred = (p: PlannedTarget): boolean => (p.kind === 'cleanup' && p.stray !== true) || (p.kind === 'unsync' && p.replaced === true)
  await apply(ctx.planned.filter((p) => !deferred(p)))
  await apply(ctx.planned.filter((p): p is WithOp => deferred(p) && 'op' in p && replacementInPlace(ctx, p, results)))
  return results
}
