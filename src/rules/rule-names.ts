/**
 * The external names a rule's secrets would get, and their collisions (issue 22), computed
 * with the worker's own code: the destination's effective template (`name-template.ts`, as
 * `sync/plan.ts` renders it) and the destination type's `externalName` / `collisionKey` (Azure's
 * normalisation and case folding, decisions D-20).
 *
 * Under `secret-path` every covered secret gets one name; two covered secrets whose names
 * collide each get an error naming both, and a secret whose name another live association of
 * the destination already holds gets the worker's own message (`name "x" is owned by m/p`,
 * `worker/work-load.ts`), which its association records. The rule's caller is told that holder
 * only when it could see it (`mayName`: list its folder or read it, README "Association
 * rules"); otherwise the answer says the name is taken without saying by what.
 * Under `secret-key` names depend on each version's keys: `external_name` is `null` and the
 * worker reports collisions per key as it does for `associations/set`.
 */
import type { SyncDriver } from '../drivers/driver.js'
import { parseStoredOptions } from '../sync/destination-options.js'
import { effectiveNameTemplate, parseNameTemplate, renderNameTemplate, templateFields, type Granularity } from '../sync/name-template.js'

/** The planned name of one covered secret. */
export interface PlannedName {
  secret_name: string
  /** The Azure name, or null (invalid name, or `secret-key` granularity). */
  external_name: string | null
  /** Why this secret will not sync (invalid name or collision); absent when it will. */
  error?: string
}

/** Another live association of the destination that holds a name (its recorded or planned one). */
export interface NameHolder { name: string, mountPath: string, secretPath: string }

/** One covered secret's plan: what the rule's caller is told, and what its association records. */
export interface NamePlan {
  answer: PlannedName
  /** The worker's wording of `answer.error` (it names the holder even when `answer` may not). */
  problem?: string
}

export interface NamePlanInput {
  driver: SyncDriver
  destination: { type: string, name: string, options: string }
  mount: { accessor: string, path: string }
  secretPaths: readonly string[]
  /** Names already held in the destination by secrets other than the covered ones. */
  holders: Iterable<NameHolder>
  /** Whether the caller may be told which secret holds a name (it could list or read it). */
  mayName: (holder: NameHolder) => boolean
}

/** The destination's granularity and the renderer of its effective template for one secret. */
export function nameRenderer (driver: SyncDriver, destination: NamePlanInput['destination'], mount: NamePlanInput['mount']): { granularity: Granularity, render: (secretPath: string) => { name: string } | { error: string } } {
  const options = parseStoredOptions(destination.options)
  const ast = parseNameTemplate(effectiveNameTemplate(options.secret_name_template, options.granularity))
  return {
    granularity: options.granularity,
    render: (secretPath) => driver.externalName(renderNameTemplate(ast, templateFields({
      destinationType: destination.type, destinationName: destination.name, mountPath: mount.path, mountAccessor: mount.accessor, secretPath
    })))
  }
}

/**
 * Plans the names of `secretPaths` (in their order): each secret's answer and, when it will not
 * sync, the problem its association records. A name held by a holder the caller may not see
 * (`mayName`) is answered `name "x" is already used by another association of this destination`.
 */
export function planNames ({ driver, destination, mount, secretPaths, holders, mayName }: NamePlanInput): NamePlan[] {
  const { granularity, render } = nameRenderer(driver, destination, mount)
  if (granularity === 'secret-key') return secretPaths.map((s) => ({ answer: { secret_name: s, external_name: null } }))
  const held = new Map<string, NameHolder>()
  for (const h of holders) held.set(driver.collisionKey(h.name), h)
  const planned = secretPaths.map((s): PlannedName => {
    const r = render(s)
    return 'name' in r ? { secret_name: s, external_name: r.name } : { secret_name: s, external_name: null, error: r.error }
  })
  const byKey = new Map<string, PlannedName[]>()
  for (const p of planned) {
    if (p.external_name === null) continue
    const key = driver.collisionKey(p.external_name)
    const group = byKey.get(key)
    if (group === undefined) byKey.set(key, [p])
    else group.push(p)
  }
  const hidden = new Map<PlannedName, string>()
  for (const [key, group] of byKey) {
    const holder = held.get(key)
    if (holder !== undefined) {
      const shown = mayName(holder)
      for (const p of group) {
        p.error = `name ${JSON.stringify(p.external_name)} is owned by ${holder.mountPath}${holder.secretPath}`
        if (!shown) hidden.set(p, `name ${JSON.stringify(p.external_name)} is already used by another association of this destination`)
      }
    } else if (group.length > 1) {
      const all = group.map((p) => `${mount.path}${p.secret_name}`).join(', ')
      for (const p of group) p.error = `name collision: ${all} map to the same Azure Key Vault name ${JSON.stringify(p.external_name)}; none of them is synced`
    }
  }
  return planned.map((p) => {
    const shown = hidden.get(p)
    return { answer: shown === undefined ? p : { ...p, error: shown }, problem: p.error }
  })
}
