/**
 * How association rules follow changes made elsewhere (issue 22), inside the unit of work that
 * makes them (storage through the async `Store`):
 * - `onKvChange`, registered after sync's KV hook (`services.ts`): a written, patched, undeleted
 *   or re-tagged secret that a rule covers is associated (if the rule's owner policies allow
 *   listing its folder and reading it, and it is not excluded); one that no longer matches a metadata filter is
 *   unsynced when no other rule holds it. Deleting a secret's metadata is left to the ordinary
 *   associations (Vault's behaviour). Never throws for sync reasons: a full queue shows on the
 *   association.
 * - `trackExplicit`, on the association service's explicit `set` / `remove` (Vault's API): removing
 *   a rule-made association excludes it from the rules that made it; an explicit set makes it
 *   the user's own (no origin) and lifts those exclusions.
 */
import type { SyncRepositories } from '../../db/store/repositories.js'
import type { KvChange } from '../kv/kv-events.js'
import type { AssociationService } from '../sync/association-service.js'
import type { RuleOrigins } from './rule-origins.js'
import { nameRenderer } from './rule-names.js'
import type { RuleServiceDeps } from './rule-deps.js'
import { folderOf, mayList, mayRead } from './rule-visibility.js'

/** The KV changes a rule may react to. */
const RULED_KINDS: ReadonlySet<KvChange['kind']> = new Set(['write', 'patch', 'metadata-write', 'undelete'])

/** Creates the hooks over `deps` and the shared origin bookkeeping. */
export function createRuleHooks (deps: RuleServiceDeps, { matcherOf, materialise, release }: RuleOrigins) {
  const { store, rulesOfMount, rulesOfMountSync, destinations, mounts, kv, policies, now } = deps
  // Inside a unit of work these run on it (ambient units).
  const { rules, associations } = store.repos
  return {
    /**
     * The KV change hook (`KvChangeHook`, registered after sync's in `services.ts`): awaited by
     * KV inside its unit of work (the repositories it passes are the unit's; the store's run on
     * the unit anyway). Never throws for sync reasons: a full queue shows on the association.
     */
    async onKvChange (change: KvChange): Promise<void> {
      if (!RULED_KINDS.has(change.kind)) return
      const candidates = await rulesOfMount(change.accessor)
      if (candidates.length === 0) return
      const mount = await mounts.byAccessor(change.accessor)
      if (mount === undefined || !await kv.secretExists(change.accessor, change.path)) return
      let custom: Record<string, string> | undefined
      const at = now()
      for (const rule of candidates) {
        const matcher = matcherOf(rule)
        if (!matcher.pathMatches(change.path) || await rules.isExcluded(rule.id, change.path)) continue
        const dest = await store.repos.destinations.byId(rule.destination_id)
        if (dest === undefined || dest.deleted_at !== null || dest.purge_state !== null) continue
        const matches = matcher.ignoresMetadata || matcher.metadataMatches(custom ??= await kv.customMetadataOf(change.accessor, change.path))
        const existing = await associations.find(dest.id, change.accessor, change.path)
        if (!matches) {
          if (existing !== undefined && (await rules.originsOf(existing.id)).includes(rule.id)) await release(rule.id, existing.id, at, 'error')
          continue
        }
        if (existing !== undefined && existing.removed === 0) {
          const origins = await rules.originsOf(existing.id)
          if (origins.length > 0 && !origins.includes(rule.id)) await rules.addOrigin(existing.id, rule.id)
          continue
        }
        const mountName = mount.path.replace(/\/$/, '')
        // As at create (`visibleCovered`): the owner must be able to list the secret's folder and read it.
        const ownerAcl = await policies.aclFor(JSON.parse(rule.owner_policies) as string[])
        if (!mayList(ownerAcl, mountName, folderOf(change.path)) || !mayRead(ownerAcl, mountName, change.path)) continue
        const found = await destinations.find(dest.type, dest.name)
        const { granularity, render } = nameRenderer(found.driver, dest, mount)
        const rendered = render(change.path)
        const owner = 'name' in rendered
          ? (await associations.ownersOfName(rendered.name, existing?.id ?? '')).find((o) => o.destination_id === dest.id && o.removed === 0)
          : undefined
        const named = 'error' in rendered
          ? { problem: rendered.error }
          : { problem: owner === undefined ? undefined : `name ${JSON.stringify(rendered.name)} is owned by ${owner.mount_path}${owner.secret_path}` }
        await materialise(rule, dest, mount, change.path, at, 'error', granularity === 'secret-path' ? named : undefined)
      }
    },

    /**
     * `KvChangeHook.idle` of `onKvChange`: true when it has nothing to do for `change` (a kind
     * it ignores, or no rule covers the mount: the cached list, else read (and cached) on
     * SQLite's synchronous `repos` inside the change's transaction).
     */
    ignoresKvChange (change: KvChange, repos: Pick<SyncRepositories, 'rules'>): boolean {
      if (!RULED_KINDS.has(change.kind)) return true
      return rulesOfMountSync(change.accessor, () => repos.rules.ofMount(change.accessor)).length === 0
    },

    /**
     * Tracks the association service's explicit `set` / `remove` (the Vault API, whichever
     * variant answers): a removed rule-made association is excluded from the rules that made it;
     * an explicit set makes the association the user's own and lifts those exclusions. Both in
     * the call's unit of work (`onExplicitChange`). Returns the service.
     */
    trackExplicit<S extends Pick<AssociationService, 'onExplicitChange'>> (service: S): S {
      service.onExplicitChange({
        set: async (a) => {
          await rules.clearOrigins(a.id)
          await rules.clearExclusions(a.destination_id, a.accessor, a.secret_path)
        },
        remove: async (a) => {
          const at = now()
          for (const ruleId of await rules.originsOf(a.id)) await rules.addExclusion(ruleId, a.secret_path, at)
          await rules.clearOrigins(a.id)
        }
      })
      return service
    }
  }
}
