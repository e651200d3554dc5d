/**
 * Association rules (issue 22; round2.md R2-2, path `sys/sync-ext/destinations/:type/:name/
 * rules/:rule`): a rule covers the KV v2 secrets of one mount under `path_prefix` (optionally
 * recursive), filtered by include/exclude globs and `custom_metadata`, and materialises one
 * ORDINARY association per covered secret through the association service (the same rows,
 * statuses and outbox as `associations/set`, so every Vault client sees them as usual). What a
 * rule made is recorded in `association_origins`; nothing is added to Vault's own answers.
 *
 * - create: the caller must be able to list what the rule walks and read what it covers now
 *   (`visibleCovered`, against the caller's ACL, before the custom_metadata filter); the
 *   caller's policies are stored, and a secret added later is covered only if those policies
 *   (as they are then) allow listing its folder and reading it. Name collisions are reported per
 *   secret (`rule-names.ts`): that secret's association shows `CLIENT_SIDE_ERROR`, the rest
 *   sync. `dry_run` answers the same plan without storing anything.
 * Storage goes through the async `Store` (either engine); a create or delete is one unit of work.
 *
 * - KV hook (`onKvChange`, in the KV unit of work): a new or changed secret that matches is
 *   associated; one that no longer matches a metadata filter is unsynced if only that rule made
 *   it; deleting a secret's metadata is left to the ordinary associations (Vault's behaviour).
 * - explicit `associations/remove` of a rule-made association records an exclusion; explicit
 *   `associations/set` makes it the user's own (no origin, exclusions lifted): `trackExplicit`.
 * - delete: unsyncs exactly the associations the rule made and no other rule also made.
 */
import { randomUUID } from 'node:crypto'
import type { AssociationRow } from '../../db/associations-repo.js'
import type { RuleRow } from '../../db/rules-repo.js'
import type { Acl } from '../acl/acl.js'
import { normalizeMount } from '../sync/association-target.js'
import { badRequest, notFound, VaultError } from '../vault/errors.js'
import type { RuleServiceDeps } from './rule-deps.js'

export type { RuleServiceDeps } from './rule-deps.js'
import { createRuleHooks } from './rule-hooks.js'
import { nameRenderer, planNames, type NameHolder, type PlannedName } from './rule-names.js'
import { createRuleOrigins } from './rule-origins.js'
import { folderOf, mayKnow, mayList, mayRead } from './rule-visibility.js'
import { checkRuleName, compileRule, decodeRuleBody, specOf, type RuleMatcher, type RuleSpec } from './rule-spec.js'

/** Who creates a rule: their ACL (checked now) and their policies (stored for later secrets). */
export interface RuleCaller { acl: Acl, policies: string[] }

/** A rule as read back. */
export interface RuleView {
  name: string
  mount: string
  path_prefix: string
  recursive: boolean
  include: string[]
  exclude: string[]
  custom_metadata: Record<string, string>
  created_time: string
  /** Live associations this rule made. */
  associations: number
  /** Secrets whose rule-made association was removed explicitly; the rule leaves them alone. */
  exclusions: string[]
}

/** What a create (or its dry run) covers: each secret with its planned name or error. */
export interface RulePlan {
  dry_run: boolean
  total: number
  errors: number
  secrets: PlannedName[]
}

/** Creates the rule service. */
export function createRuleService (deps: RuleServiceDeps) {
  const { store, rulesChanged, destinations, mounts, kv, now } = deps
  // Inside a unit of work these run on it (ambient units).
  const { rules, associations } = store.repos
  const origins = createRuleOrigins(deps)
  const { materialise, release } = origins

  async function liveDestination (type: string, name: string) {
    const found = await destinations.find(type, name)
    if (found.row === undefined) throw notFound()
    return { row: found.row, driver: found.driver }
  }

  async function kvMount (input: string) {
    const mount = normalizeMount(input)
    const row = await mounts.byPath(mount)
    if (row === undefined || mount === '') throw badRequest(`mount: no mount found at ${mount}/`)
    if (!mounts.isKvV2(row)) throw badRequest(`mount: only KV version 2 mounts can be synced; ${row.path} is ${row.type}`)
    return row
  }

  /** Those of `paths` whose custom_metadata `matcher` takes. */
  async function metadataCovered (accessor: string, matcher: RuleMatcher, paths: string[]): Promise<string[]> {
    if (matcher.ignoresMetadata) return paths
    const out: string[] = []
    for (const p of paths) if (matcher.metadataMatches(await kv.customMetadataOf(accessor, p))) out.push(p)
    return out
  }

  /** The 403 of a caller who may not list the prefix folder: it names only what the caller sent. */
  const listRefused = (mountName: string, spec: RuleSpec): VaultError =>
    new VaultError(403, [`permission denied to list the secrets this rule covers under ${mountName}/${spec.pathPrefix}`])

  /**
   * The secrets `spec`'s path filters cover now (byte-sorted), read only for a caller who could
   * learn their names by listing: a rule (or its dry run) tells its caller the names it covers,
   * and whether it is refused must depend on nothing the caller could not see. So, in this order:
   * `list` on the prefix folder (before any key is read: not even whether it exists shows);
   * for a recursive rule, `list` on the folder of every key under the prefix (before the globs,
   * each visible from its parent's listing); then `read` on every secret the globs cover (the
   * 403 names it: the caller may list it), all before the custom_metadata filter, so the answer
   * says nothing of metadata. Otherwise a 403 naming only what the caller sent.
   * @throws VaultError 403
   */
  async function visibleCovered (acl: Acl, accessor: string, mountName: string, spec: RuleSpec, matcher: RuleMatcher): Promise<string[]> {
    const listable = (folder: string): boolean => mayList(acl, mountName, folder)
    const refused = (): VaultError => listRefused(mountName, spec)
    if (!listable(spec.pathPrefix)) throw refused()
    const keys = await kv.keysUnder(accessor, spec.pathPrefix)
    if (spec.recursive && keys.some((p) => !listable(folderOf(p)))) throw refused()
    const covered = keys.filter((p) => matcher.pathMatches(p))
    for (const p of covered) {
      if (!mayRead(acl, mountName, p)) {
        throw new VaultError(403, [`permission denied to read the content of the secret ${p} in mount ${mountName}`])
      }
    }
    return covered
  }

  /** Names held by live associations of the destination other than `coveredSet`'s. */
  async function holders (destinationId: string, accessor: string, coveredSet: ReadonlySet<string>, render: (a: AssociationRow) => string | undefined): Promise<NameHolder[]> {
    const recorded = new Map<string, string>()
    for (const t of await associations.targetsOfDestination(destinationId)) if (t.external_name !== null) recorded.set(t.association_id, t.external_name)
    const out: NameHolder[] = []
    for (const a of await associations.ofDestination(destinationId)) {
      if (a.removed !== 0 || (a.accessor === accessor && coveredSet.has(a.secret_path))) continue
      const name = recorded.get(a.id) ?? (a.granularity === 'secret-path' ? render(a) : undefined)
      if (name !== undefined) out.push({ name, mountPath: (await mounts.byAccessor(a.accessor))?.path ?? a.mount_path, secretPath: a.secret_path })
    }
    return out
  }

  async function view (row: RuleRow): Promise<RuleView> {
    const spec = specOf(row)
    return {
      name: row.name,
      mount: (await mounts.byAccessor(row.accessor))?.path ?? '',
      path_prefix: spec.pathPrefix,
      recursive: spec.recursive,
      include: spec.include,
      exclude: spec.exclude,
      custom_metadata: spec.customMetadata,
      created_time: new Date(row.created_at).toISOString(),
      associations: await rules.countMadeBy(row.id),
      exclusions: await rules.exclusions(row.id)
    }
  }

  return {
    ...createRuleHooks(deps, origins),

    /**
     * Creates rule `ruleName` on `type`/`name` from `body` (or, with `dryRun`, only plans it) and
     * materialises its associations in one unit of work.
     * @throws VaultError 400 naming the field, or for an existing rule; 403 when the caller
     *   cannot list and read every secret the path filters cover (`visibleCovered`; `list` on
     *   the prefix as sent is checked before the mount is looked up, so a missing mount is a
     *   400 only to a caller who may list there); 404 for a missing destination; 503 when the
     *   sync queue cannot take every association (nothing is stored).
     */
    async create (type: string, name: string, ruleName: string, body: Record<string, unknown>, caller: RuleCaller, dryRun: boolean): Promise<RulePlan> {
      checkRuleName(ruleName)
      const { mount: mountInput, spec } = decodeRuleBody(body)
      const plan = await store.transaction(async () => {
        const { row: dest, driver } = await liveDestination(type, name)
        destinations.refusePurging(dest)
        // The prefix as sent, before the mount is looked up: whether a mount exists (or is KV v2)
        // shows only to a caller who may list there (`visibleCovered` checks the rest).
        const mountName = normalizeMount(mountInput)
        if (!mayList(caller.acl, mountName, spec.pathPrefix)) throw listRefused(mountName, spec)
        const mount = await kvMount(mountInput)
        if (await rules.find(dest.id, ruleName) !== undefined) throw badRequest(`rule: ${JSON.stringify(ruleName)} already exists on this destination; delete it first`)
        const matcher = compileRule(spec)
        const candidates = await visibleCovered(caller.acl, mount.accessor, mountName, spec, matcher)
        const paths = await metadataCovered(mount.accessor, matcher, candidates)
        const coveredSet = new Set(paths)
        const { render } = nameRenderer(driver, dest, mount)
        const renderName = (a: AssociationRow): string | undefined => {
          const r = a.accessor === mount.accessor ? render(a.secret_path) : undefined
          return r !== undefined && 'name' in r ? r.name : undefined
        }
        // The caller learns which secret holds a name only if it could list or read that secret.
        const mayName = (h: NameHolder): boolean => mayKnow(caller.acl, h.mountPath.replace(/\/$/, ''), h.secretPath)
        const plans = planNames({ driver, destination: dest, mount, secretPaths: paths, holders: await holders(dest.id, mount.accessor, coveredSet, renderName), mayName })
        const planned = plans.map((p) => p.answer)
        const plan: RulePlan = { dry_run: dryRun, total: planned.length, errors: planned.filter((p) => p.error !== undefined).length, secrets: planned }
        if (dryRun) return plan
        const at = now()
        const row: RuleRow = {
          id: randomUUID(), destination_id: dest.id, name: ruleName, accessor: mount.accessor, path_prefix: spec.pathPrefix,
          recursive: spec.recursive ? 1 : 0, include_globs: JSON.stringify(spec.include), exclude_globs: JSON.stringify(spec.exclude),
          custom_metadata: JSON.stringify(spec.customMetadata), owner_policies: JSON.stringify(caller.policies), created_at: at
        }
        await rules.insert(row)
        rulesChanged()
        // Under secret-path the names are checked here (invalid or colliding: an error, not queued).
        const checked = planned.length > 0 && (planned[0].external_name !== null || planned[0].error !== undefined)
        // The association records the worker's wording (its readers see the destination's associations).
        for (const p of plans) await materialise(row, dest, mount, p.answer.secret_name, at, 'refuse', checked ? { problem: p.problem } : undefined)
        // The answer of a create lists only the secrets that will not sync (a dry run lists all).
        return { ...plan, secrets: planned.filter((p) => p.error !== undefined) }
      })
      if (!dryRun) rulesChanged()
      return plan
    },

    /** The rule `ruleName` of `type`/`name`. @throws VaultError 404 when it or the destination is missing. */
    async read (type: string, name: string, ruleName: string): Promise<RuleView> {
      const { row: dest } = await liveDestination(type, name)
      const row = await rules.find(dest.id, ruleName)
      if (row === undefined) throw notFound()
      return await view(row)
    },

    /** Whether the rule exists (for the ACL's create/update decision); undefined for an unknown type. */
    async exists (type: string, name: string, ruleName: string): Promise<boolean | undefined> {
      try {
        const dest = (await destinations.find(type, name)).row
        return dest !== undefined && await rules.find(dest.id, ruleName) !== undefined
      } catch { return undefined }
    },

    /** Rule names of `type`/`name`, sorted. @throws VaultError 404 for a missing destination. */
    async list (type: string, name: string): Promise<string[]> {
      return await rules.names((await liveDestination(type, name)).row.id)
    },

    /**
     * Deletes the rule and unsyncs the associations it made (those another rule also made stay).
     * A missing rule is not an error (Vault's deletes are idempotent).
     * @throws VaultError 404 for a missing destination, 400 while it is purged, 503 queue full.
     */
    async delete (type: string, name: string, ruleName: string): Promise<void> {
      await store.transaction(async () => {
        const { row: dest } = await liveDestination(type, name)
        destinations.refusePurging(dest)
        const row = await rules.find(dest.id, ruleName)
        if (row === undefined) return
        const at = now()
        for (const id of await rules.madeBy(row.id)) await release(row.id, id, at, 'refuse')
        await rules.delete(row.id)
        rulesChanged()
        origins.forget(row.id)
      })
      rulesChanged()
    }
  }
}

export type RuleService = ReturnType<typeof createRuleService>

const RULE_PATH = /^sys\/sync-ext\/destinations\/([^/]+)\/([^/]+)\/rules\/([^/]+)$/

/**
 * The ACL existence check of rule paths: a write is `update` when the rule exists, else `create`
 * (D-7). `exists` may answer a promise when the pipeline awaits existence checks.
 */
export function ruleExistenceCheck<R extends boolean | undefined | Promise<boolean | undefined>> (exists: (type: string, name: string, ruleName: string) => R): (path: string) => R | undefined {
  return (path) => {
    const m = RULE_PATH.exec(path)
    return m === null ? undefined : exists(m[1], m[2], m[3])
  }
}
