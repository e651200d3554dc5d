/**
 * How association rules follow changes made elsewhere (issue 22), inside the transaction that
 * makes them:
 * - `onKvChange`, registered after sync's KV hook (`services.ts`): a written, patched, undeleted
 *   or re-tagged secret that a rule covers is associated (if the rule's owner policies allow
 *   reading it and it is not excluded); one that no longer matches a metadata filter is
 *   unsynced when no other rule holds it. Deleting a secret's metadata is left to the ordinary
 *   associations (Vault's behaviour). Never throws for sync reasons: a full queue shows on the
 *   association.
 * - `trackExplicit`, on the association service's explicit `set` / `remove` (Vault's API): removing
 *   a rule-made association excludes it from the rules that made it; an explicit set makes it
 *   the user's own (no origin) and lifts those exclusions.
 */
import type { KvChange } from '../kv/kv-events.js'
import type { AssociationService } from '../sync/association-service.js'
import type { RuleOrigins } from './rule-origins.js'
import { nameRenderer } from './rule-names.js'
import type { RuleServiceDeps } from './rule-deps.js'

/** Creates the hooks over `deps` and the shared origin bookkeeping. */
export function createRuleHooks (deps: RuleServiceDeps, { matcherOf, materialise, release }: RuleOrigins) {
  const { rules, associations, destinations, mounts, kv, policies, now } = deps
  return {
    /**
     * The KV change hook (registered after sync's in `services.ts`): runs inside the KV
     * transaction. Never throws for sync reasons: a full queue shows on the association.
     */
    onKvChange (change: KvChange): void {
      if (change.kind !== 'write' && change.kind !== 'patch' && change.kind !== 'metadata-write' && change.kind !== 'undelete') return
      const candidates = rules.ofMount(change.accessor)
      if (candidates.length === 0) return
      const mount = mounts.byAccessor(change.accessor)
      if (mount === undefined || !kv.secretExists(change.accessor, change.path)) return
      let custom: Record<string, string> | undefined
      const at = now()
      for (const rule of candidates) {
        const matcher = matcherOf(rule)
        if (!matcher.pathMatches(change.path) || rules.isExcluded(rule.id, change.path)) continue
        const dest = destinations.byId(rule.destination_id)
        if (dest === undefined || dest.deleted_at !== null || dest.purge_state !== null) continue
        const matches = matcher.ignoresMetadata || matcher.metadataMatches(custom ??= kv.customMetadataOf(change.accessor, change.path))
        const existing = associations.find(dest.id, change.accessor, change.path)
        if (!matches) {
          if (existing !== undefined && rules.originsOf(existing.id).includes(rule.id)) release(rule.id, existing.id, at, 'error')
          continue
        }
        if (existing !== undefined && existing.removed === 0) {
          const origins = rules.originsOf(existing.id)
          if (origins.length > 0 && !origins.includes(rule.id)) rules.addOrigin(existing.id, rule.id)
          continue
        }
        const mountName = mount.path.replace(/\/$/, '')
        if (!policies.aclFor(JSON.parse(rule.owner_policies) as string[]).allows('read', `${mountName}/data/${change.path}`)) continue
        const found = destinations.find(dest.type, dest.name)
        const { granularity, render } = nameRenderer(found.driver, dest, mount)
        const rendered = render(change.path)
        const owner = 'name' in rendered
          ? associations.ownersOfName(rendered.name, existing?.id ?? '').find((o) => o.destination_id === dest.id && o.removed === 0)
          : undefined
        const named = 'error' in rendered
          ? { problem: rendered.error }
          : { problem: owner === undefined ? undefined : `name ${JSON.stringify(rendered.name)} is owned by ${owner.mount_path}${owner.secret_path}` }
        materialise(rule, dest, mount, change.path, at, 'error', granularity === 'secret-path' ? named : undefined)
      }
    },

    /**
     * Tracks the association service's explicit `set` / `remove` (the Vault API, whichever
     * variant answers): a removed rule-made association is excluded from the rules that made it;
     * an explicit set makes the association the user's own and lifts those exclusions. Both in
     * the call's transaction (`onExplicitChange`). Returns the service.
     */
    trackExplicit<S extends Pick<AssociationService, 'onExplicitChange'>> (service: S): S {
      service.onExplicitChange({
        set: (a) => {
          rules.clearOrigins(a.id)
          rules.clearExclusions(a.destination_id, a.accessor, a.secret_path)
        },
        remove: (a) => {
          const at = now()
          for (const ruleId of rules.originsOf(a.id)) rules.addExclusion(ruleId, a.secret_path, at)
          rules.clearOrigins(a.id)
        }
      })
      return service
    }
  }
}
