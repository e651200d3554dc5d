/**
 * One vault's secrets: versions, soft delete, recover, purge, restore, with the service's timing
 * quirks (spec/azure-keyvault-api.md §1.6). Names are compared case-insensitively and keep the
 * casing of their creation (§3). Delete, purge, recover and restore may open a configurable
 * window during which the name answers 409 `ObjectIsBeingDeleted` / `ObjectIsBeingRecovered`
 * and is invisible to reads, so SDK pollers see their 404-then-200 path. Deleted secrets whose
 * `scheduledPurgeDate` has passed are purged lazily. Every method throws `EmulatorHttpError`s.
 */
import { randomUUID } from 'node:crypto'
import { toUnixSeconds, type Clock } from './clock.js'
import { AzureErrors } from './errors.js'
import { latestVersion, recoveryLevel, type DeletedSecret, type StoredSecret, type StoredVersion } from './secret-model.js'
import type { AttributesInput, SetInput, UpdateInput } from './validation.js'

/** Per-vault behaviour the store reads on every call (changeable at run time). */
export interface StoreSettings {
  /** 0 = `Purgeable` (DELETE is final), else 7..90 days of soft-delete retention. */
  recoverableDays: number
  /** Purge refused with 403 while on (recovery level without `+Purgeable`). */
  purgeProtection: boolean
  /** How long a delete or purge stays "in progress" (409 `ObjectIsBeingDeleted`), ms. */
  beingDeletedMs: number
  /** How long a recover or restore stays "in progress" (409 `ObjectIsBeingRecovered`), ms. */
  beingRecoveredMs: number
}

type TransitionKind = 'deleting' | 'purging' | 'recovering'

/** A page of a list: the entries and, when more follow, the cursor to resume after. */
export interface Page<T> {
  items: T[]
  next?: string | number
}

/** The most versions a backup may hold (service limit, §3). */
export const BACKUP_MAX_VERSIONS = 500

const newVersionId = (): string => randomUUID().replace(/-/g, '')

function applyAttributes (v: StoredVersion, a: AttributesInput): void {
  if (a.enabled !== undefined) v.enabled = a.enabled
  if (a.nbf !== undefined) { if (a.nbf === null) delete v.nbf; else v.nbf = a.nbf }
  if (a.exp !== undefined) { if (a.exp === null) delete v.exp; else v.exp = a.exp }
}

/** In-memory secrets of one vault. `onChange` is called after every mutation (persistence). */
export class SecretStore {
  private readonly active = new Map<string, StoredSecret>()
  private readonly deleted = new Map<string, DeletedSecret>()
  private readonly transitions = new Map<string, { kind: TransitionKind, untilMs: number }>()

  constructor (private readonly clock: Clock, private readonly settings: () => StoreSettings,
    private readonly onChange: () => void = () => {}) {}

  private sweep (): void {
    const now = this.clock.now()
    for (const [k, t] of this.transitions) if (t.untilMs <= now) this.transitions.delete(k)
    let purged = false
    for (const [k, d] of this.deleted) {
      if (d.scheduledPurgeDate * 1000 <= now) { this.deleted.delete(k); purged = true }
    }
    if (purged) this.onChange()
  }

  /** The transition in progress for `key` (callers have swept first). */
  private transition (key: string): TransitionKind | undefined {
    return this.transitions.get(key)?.kind
  }

  private startTransition (key: string, kind: TransitionKind, ms: number): void {
    if (ms > 0) this.transitions.set(key, { kind, untilMs: this.clock.now() + ms })
  }

  private refuseWhileBusy (key: string, name: string): void {
    const t = this.transition(key)
    if (t === 'deleting' || t === 'purging') throw AzureErrors.beingDeleted(name)
    if (t === 'recovering') throw AzureErrors.beingRecovered(name)
  }

  /** The visible (not recovering) active secret, or 404 `SecretNotFound`. */
  private visible (name: string, version?: string): StoredSecret {
    const key = name.toLowerCase()
    const s = this.active.get(key)
    if (s === undefined || this.transition(key) === 'recovering') throw AzureErrors.secretNotFound(name, version)
    return s
  }

  /** PUT: adds a version (creating the secret if needed) and returns it. */
  set (name: string, input: SetInput): { secret: StoredSecret, version: StoredVersion } {
    this.sweep()
    const key = name.toLowerCase()
    this.refuseWhileBusy(key, name)
    if (this.deleted.has(key)) throw AzureErrors.deletedButRecoverable(this.deleted.get(key)!.name)
    const existing = this.active.get(key)
    if (existing !== undefined && latestVersion(existing).managed === true) throw AzureErrors.managedSecret(existing.name, 'set')
    const now = toUnixSeconds(this.clock.now())
    const v: StoredVersion = { version: newVersionId(), value: input.value, enabled: true, created: now, updated: now }
    if (input.contentType !== undefined) v.contentType = input.contentType
    if (input.tags !== undefined) v.tags = input.tags
    applyAttributes(v, input.attributes)
    const secret = existing ?? { name, versions: [] }
    secret.versions.push(v)
    this.active.set(key, secret)
    this.onChange()
    return { secret, version: v }
  }

  /** Finds a version (latest when `version` is empty); 404 when absent. Disabled is the caller's check. */
  find (name: string, version?: string): { secret: StoredSecret, version: StoredVersion } {
    this.sweep()
    const s = this.visible(name, version === '' ? undefined : version)
    if (version === undefined || version === '') return { secret: s, version: latestVersion(s) }
    const v = s.versions.find((x) => x.version === version.toLowerCase())
    if (v === undefined) throw AzureErrors.secretNotFound(name, version)
    return { secret: s, version: v }
  }

  /** GET: like {@link find}, but a disabled version answers 403 `SecretDisabled`. */
  get (name: string, version?: string): { secret: StoredSecret, version: StoredVersion } {
    const found = this.find(name, version)
    if (!found.version.enabled) throw AzureErrors.secretDisabled('get')
    return found
  }

  /** PATCH: updates contentType, tags (replaced wholesale when given) and attributes of one version. */
  update (name: string, version: string | undefined, input: UpdateInput): { secret: StoredSecret, version: StoredVersion } {
    const found = this.find(name, version)
    if (found.version.managed === true) throw AzureErrors.managedSecret(found.secret.name, 'update')
    const v = found.version
    if (input.contentType !== undefined) v.contentType = input.contentType
    if (input.tags !== undefined) v.tags = input.tags
    applyAttributes(v, input.attributes)
    v.updated = toUnixSeconds(this.clock.now())
    this.onChange()
    return found
  }

  /** Active, visible secrets ordered by lower-cased name, resuming after the key `after`. */
  listSecrets (after: string | undefined, limit: number): Page<StoredSecret> {
    this.sweep()
    const keys = [...this.active.keys()].filter((k) => this.transitions.get(k)?.kind !== 'recovering').sort()
    const rest = after === undefined ? keys : keys.filter((k) => k > after)
    const page = rest.slice(0, limit)
    const more = rest.length > page.length
    return { items: page.map((k) => this.active.get(k)!), ...(more ? { next: page[page.length - 1] } : {}) }
  }

  /** Versions of one secret in creation order, from index `offset`. */
  listVersions (name: string, offset: number, limit: number): Page<StoredVersion> & { secret: StoredSecret } {
    this.sweep()
    const s = this.visible(name)
    const items = s.versions.slice(offset, offset + limit)
    const more = offset + items.length < s.versions.length
    return { secret: s, items, ...(more ? { next: offset + items.length } : {}) }
  }

  /** DELETE: moves every version to the deleted store (or removes them when `Purgeable`). */
  delete (name: string): { deleted: DeletedSecret, soft: boolean } {
    this.sweep()
    const key = name.toLowerCase()
    this.refuseWhileBusy(key, name)
    const s = this.active.get(key)
    if (s === undefined) throw AzureErrors.secretNotFound(name)
    if (latestVersion(s).managed === true) throw AzureErrors.managedSecret(s.name, 'delete')
    const st = this.settings()
    const now = toUnixSeconds(this.clock.now())
    const d: DeletedSecret = {
      ...s,
      deletedDate: now,
      scheduledPurgeDate: now + st.recoverableDays * 86400,
      recoveryLevel: recoveryLevel(st),
      recoverableDays: st.recoverableDays
    }
    this.active.delete(key)
    if (st.recoverableDays > 0) {
      this.deleted.set(key, d)
      this.startTransition(key, 'deleting', st.beingDeletedMs)
    }
    this.onChange()
    return { deleted: d, soft: st.recoverableDays > 0 }
  }

  /** GET `/deletedsecrets/{name}`; 404 while the delete is still in progress. */
  getDeleted (name: string): DeletedSecret {
    this.sweep()
    const key = name.toLowerCase()
    const d = this.deleted.get(key)
    if (d === undefined || this.transition(key) === 'deleting') throw AzureErrors.deletedSecretNotFound(name)
    return d
  }

  /** Deleted secrets ordered by lower-cased name, resuming after the key `after`. */
  listDeleted (after: string | undefined, limit: number): Page<DeletedSecret> {
    this.sweep()
    const keys = [...this.deleted.keys()].filter((k) => this.transitions.get(k)?.kind !== 'deleting').sort()
    const rest = after === undefined ? keys : keys.filter((k) => k > after)
    const page = rest.slice(0, limit)
    const more = rest.length > page.length
    return { items: page.map((k) => this.deleted.get(k)!), ...(more ? { next: page[page.length - 1] } : {}) }
  }

  /** DELETE `/deletedsecrets/{name}`: permanent removal (403 under purge protection). */
  purge (name: string): void {
    this.sweep()
    const key = name.toLowerCase()
    if (this.transition(key) === 'deleting') throw AzureErrors.beingDeleted(name)
    const d = this.deleted.get(key)
    if (d === undefined) throw AzureErrors.deletedSecretNotFound(name)
    if (!d.recoveryLevel.includes('Purgeable')) throw AzureErrors.purgeProtected()
    this.deleted.delete(key)
    this.startTransition(key, 'purging', this.settings().beingDeletedMs)
    this.onChange()
  }

  /** POST `/deletedsecrets/{name}/recover`: brings back every version with its attributes. */
  recover (name: string): StoredSecret {
    this.sweep()
    const key = name.toLowerCase()
    if (this.transition(key) === 'deleting') throw AzureErrors.beingDeleted(name)
    const d = this.deleted.get(key)
    if (d === undefined) throw AzureErrors.deletedSecretNotFound(name)
    const s: StoredSecret = { name: d.name, versions: d.versions }
    this.deleted.delete(key)
    this.active.set(key, s)
    this.startTransition(key, 'recovering', this.settings().beingRecoveredMs)
    this.onChange()
    return s
  }

  /** The whole visible secret, for a backup (400 above {@link BACKUP_MAX_VERSIONS} versions). */
  exportSecret (name: string): StoredSecret {
    this.sweep()
    const s = this.visible(name)
    if (s.versions.length > BACKUP_MAX_VERSIONS) {
      throw AzureErrors.badParameter(`Backup is not allowed for a secret with more than ${BACKUP_MAX_VERSIONS} versions.`)
    }
    return structuredClone(s)
  }

  /** Restores a backed-up secret under its original name and versions. */
  importSecret (s: StoredSecret): StoredSecret {
    this.sweep()
    const key = s.name.toLowerCase()
    this.refuseWhileBusy(key, s.name)
    if (this.deleted.has(key)) throw AzureErrors.deletedButRecoverable(this.deleted.get(key)!.name)
    if (this.active.has(key)) throw AzureErrors.restoreConflict(this.active.get(key)!.name)
    const copy = structuredClone(s)
    this.active.set(key, copy)
    this.startTransition(key, 'recovering', this.settings().beingRecoveredMs)
    this.onChange()
    return copy
  }

  /** Adds a version to a certificate-backed (managed) secret (decisions D-31.2); false if the name is taken otherwise. */
  putManaged (name: string, v: { value: string, contentType: string, kid?: string, tags?: Record<string, string> }): StoredVersion | undefined {
    this.sweep()
    const key = name.toLowerCase()
    const existing = this.active.get(key)
    if (this.deleted.has(key) || (existing !== undefined && latestVersion(existing).managed !== true)) return undefined
    const now = toUnixSeconds(this.clock.now())
    const version = newVersionId()
    const sv: StoredVersion = { version, value: v.value, contentType: v.contentType, enabled: true, created: now, updated: now, managed: true }
    sv.kid = v.kid ?? `keys/${existing?.name ?? name}/${version}`
    if (v.tags !== undefined) sv.tags = v.tags
    const secret = existing ?? { name, versions: [] }
    secret.versions.push(sv)
    this.active.set(key, secret)
    this.onChange()
    return sv
  }

  /** Removes a name from the active and deleted stores at once (admin); false if unknown. */
  remove (name: string): boolean {
    const key = name.toLowerCase()
    const hit = this.active.delete(key) || this.deleted.delete(key)
    this.transitions.delete(key)
    if (hit) this.onChange()
    return hit
  }

  /** Serialisable state (no transitions: they are short-lived by nature). */
  toJSON (): { secrets: StoredSecret[], deleted: DeletedSecret[] } {
    return { secrets: [...this.active.values()], deleted: [...this.deleted.values()] }
  }

  /** Replaces the contents with a previously saved {@link toJSON} result. */
  load (state: { secrets?: StoredSecret[], deleted?: DeletedSecret[] }): void {
    this.active.clear(); this.deleted.clear(); this.transitions.clear()
    for (const s of state.secrets ?? []) this.active.set(s.name.toLowerCase(), s)
    for (const d of state.deleted ?? []) this.deleted.set(d.name.toLowerCase(), d)
  }

  /** Counts for summaries: active and deleted secrets. */
  counts (): { active: number, deleted: number } {
    this.sweep()
    return { active: this.active.size, deleted: this.deleted.size }
  }
}
