/**
 * What a rule made (issue 22): the compiled matcher of each rule (cached by id), and the two
 * moves every rule path shares, inside the caller's unit of work: `materialise` associates a
 * secret for a rule through the association service and records the rule as its origin (a
 * live association the user set stays the user's; one another rule made gains this origin too),
 * `release` drops an origin and unsyncs the association once no rule holds it.
 */
import type { DestinationRow } from '../../db/destinations-repo.js'
import type { RuleRow } from '../../db/rules-repo.js'
import type { RuleServiceDeps } from './rule-deps.js'
import { compileRule, specOf, type RuleMatcher } from './rule-spec.js'

/** Creates the origin bookkeeping over `deps`. */
export function createRuleOrigins ({ store, associationService }: Pick<RuleServiceDeps, 'store' | 'associationService'>) {
  const { rules, associations } = store.repos
  const compiled = new Map<string, RuleMatcher>()
  return {
    /** The rule's compiled matcher. */
    matcherOf (row: RuleRow): RuleMatcher {
      let m = compiled.get(row.id)
      if (m === undefined) { m = compileRule(specOf(row)); compiled.set(row.id, m) }
      return m
    },

    /** Drops the cached matcher of a deleted rule. */
    forget: (ruleId: string): void => { compiled.delete(ruleId) },

    /** Associates `secretPath` for `rule` (or adds the rule as an origin of a rule-made one); inside a unit of work. */
    async materialise (rule: RuleRow, dest: DestinationRow, mount: { accessor: string, path: string },
      secretPath: string, at: number, whenFull: 'refuse' | 'error', named?: { problem?: string }): Promise<void> {
      const existing = await associations.find(dest.id, mount.accessor, secretPath)
      if (existing !== undefined && existing.removed === 0) {
        // A live association: the user's own stays theirs; another rule's gains this origin too.
        if ((await rules.originsOf(existing.id)).length > 0) await rules.addOrigin(existing.id, rule.id)
        return
      }
      // A new or revived association is PENDING already: no status to set on enqueue.
      const a = await associationService.attachInTransaction(dest, mount, secretPath, at, { whenFull }, named)
      await rules.addOrigin(a.id, rule.id)
    },

    /** Drops `rule` as an origin of `associationId`; unsyncs it when no rule made it any more (inside a unit of work). */
    async release (ruleId: string, associationId: string, at: number, whenFull: 'refuse' | 'error'): Promise<void> {
      await rules.removeOrigin(associationId, ruleId)
      if ((await rules.originsOf(associationId)).length > 0) return
      const a = await associations.byId(associationId)
      if (a !== undefined) await associationService.detachInTransaction(a, at, whenFull)
    }
  }
}

export type RuleOrigins = ReturnType<typeof createRuleOrigins>
