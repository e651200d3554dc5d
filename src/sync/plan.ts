/**
 * The sync plan of one association (pure; architecture.md "level-triggered", decisions D-1,
 * D-8, D-19, D-20): from the association's snapshot (template, granularity), the destination's
 * tags, the current KV state and what was last written per target, compute what each target
 * needs now.
 * - No active KV version, a metadata delete or a removed association: every recorded target is
 *   unsynced (FR-20 (d), FR-12 via the owner tag).
 * - `secret-path`: one target (sub_key `""`), the JSON of the whole data map (FR-05, D-19).
 * - `secret-key`: one target per top-level key; keys that disappeared are unsynced (FR-07).
 * - Names render from the association's snapshot template, then the driver's naming rules;
 *   invalid names and collisions inside the association are CLIENT_SIDE_ERRORs with no write
 *   (FR-03, FR-24).
 * - Unchanged digest and no refresh: nothing to do (no version churn); only tags changed: a
 *   tags-only update of the recorded version (D-8, FR-15); a new name: write it (checking what
 *   is there first), then delete the old name (FR-19; `work-apply.ts` runs that delete only
 *   once the new write succeeded, so a failed write leaves the old copy in Azure).
 * - A recorded name is never deleted while a current key of the association renders the same
 *   Azure name: Azure compares names case-insensitively and keeps only `[0-9A-Za-z-]` (D-20,
 *   Azure's naming rules), so `db-pass`/`db_pass` or `Key`/`key` are one secret. A case-only
 *   rename just writes; a gone key whose name another key now renders is a `handover`.
 * - A granularity switch (D-1, FR-19) replaces every old target: their names are deleted only
 *   once every current target is in Azure (`replaced`).
 * - Names left over by earlier attempts (`leftovers`: a rename's old name whose delete failed, a
 *   name deleted for `purge_on_unsync` and not purged yet) are deleted again, after the target's
 *   current name is in Azure; a delete of a name whose purge is pending says so (`purgePending`).
 */
import { createHash } from 'node:crypto'
import { findCollisions, type SyncDriver } from '../drivers/driver.js'
import type { DeleteOp, TargetOp } from '../drivers/target-ops.js'
import { localClientError, type SyncError } from '../drivers/sync-error.js'
import { effectiveNameTemplate, parseNameTemplate, renderNameTemplate, templateFields, type Granularity } from './name-template.js'
import { builtinTagValue, buildSecretTags } from './tags.js'
import { encodeSecretKeyValue, encodeSecretPathValue, type EncodedValue } from './value-encoding.js'

export interface PlanAssociation {
  id: string
  destinationId: string
  destinationType: string
  destinationName: string
  accessor: string
  mountPath: string
  secretPath: string
  granularity: Granularity
  /** The template snapshot stored at `set` (`""` = the granularity's default). */
  nameTemplate: string
  removed: boolean
}

export interface PlanDestination {
  customTags: Record<string, string>
  purgeOnUnsync: boolean
}

/** The KV version the plan syncs (latest active), or `undefined` when none is active. */
export interface KvSnapshot {
  version: number
  data: Record<string, unknown>
}

/** What was last written for a target (association_targets). */
export interface RecordedTarget {
  subKey: string
  externalName: string | null
  digest: string | null
  externalVersion: string | null
}

/**
 * A name an earlier attempt of the association left in the destination for it to remove
 * (stored by the worker: src/worker/leftover-names.ts).
 */
export interface LeftoverName {
  /** The target it was written for. */
  subKey: string
  /** The external name, as written. */
  name: string
  /** A delete with purge was sent for it (or was about to be): the soft-deleted secret is still to be purged. */
  purge: boolean
}

/**
 * Per target, one of:
 * - `noop`: already in sync; `write`: write `op` (then record `name`, `digest`);
 * - `error`: a local CLIENT_SIDE_ERROR, nothing written;
 * - `unsync`: delete the recorded name, then drop the target row; `replaced` (a target of the
 *   association's former granularity): only once every current target is in Azure;
 * - `cleanup`: delete an old name of a target that was renamed (its row stays, with the new name),
 *   or a leftover name, only once the target's current name is in Azure (written, or in sync);
 *   `stray` ones run at once: on an unsync, the name the current template renders for the target
 *   when it differs from the recorded one (a rename whose write succeeded and whose old-name
 *   delete failed, recorded before leftovers were, left it untracked), deleted if present and
 *   owned, and leftovers of a target nothing is wanted for any more;
 * - `handover`: the recorded name of a gone key is the Azure name current key `to` renders: no
 *   delete; the row is dropped once `to` is in Azure (kept, and still deletable, until then).
 */
export type PlannedTarget =
  | { kind: 'noop', subKey: string, name: string, digest: string }
  | { kind: 'write', subKey: string, name: string, digest: string, op: TargetOp }
  | { kind: 'error', subKey: string, name?: string, error: SyncError }
  | { kind: 'unsync', subKey: string, op: TargetOp, replaced?: true }
  | { kind: 'cleanup', subKey: string, op: TargetOp, stray?: true }
  | { kind: 'handover', subKey: string, name: string, to: string }

export interface PlanInput {
  association: PlanAssociation
  destination: PlanDestination
  kv: KvSnapshot | undefined
  recorded: RecordedTarget[]
  /** An explicit `associations/set` refresh: always write (D-8). */
  refresh: boolean
  /** The destination type's naming rules: normalised `{ name }` or `{ error }` (a full message), collisions. */
  names: PlanNames
  /** The keyed hash applied to each digest half (`crypto/keyed-hash.ts`); identity when absent. */
  digestKey?: (digest: string) => string
  /** Names earlier attempts left for this association to remove (none when absent). */
  leftovers?: readonly LeftoverName[]
}

/** What the plan needs of the destination type. */
export type PlanNames = Pick<SyncDriver, 'externalName' | 'collisionKey' | 'collisionMessage'>

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex')

/**
 * `<value digest>.<tags digest>`: comparing halves tells a value change from a tags-only change.
 * Each half is `keyed(SHA-256)`; the worker passes the keyed hash of `crypto/keyed-hash.ts`, so
 * the stored digest cannot confirm a guessed value offline (issue 13 finding 7).
 */
export function targetDigest (name: string, value: EncodedValue, tags: Record<string, string>, keyed: (digest: string) => string = (d) => d): string {
  const canonicalTags = JSON.stringify(Object.keys(tags).sort().map((k) => [k, tags[k]]))
  return `${keyed(sha(`${name}\u0000${value.contentType}\u0000${value.value}`))}.${keyed(sha(canonicalTags))}`
}

function desiredValues (a: PlanAssociation, kv: KvSnapshot | undefined): Map<string, EncodedValue> {
  const out = new Map<string, EncodedValue>()
  if (a.removed || kv === undefined) return out
  if (a.granularity === 'secret-path') out.set('', encodeSecretPathValue(kv.data))
  else for (const [k, v] of Object.entries(kv.data)) out.set(k, encodeSecretKeyValue(v))
  return out
}

/** Computes the plan. Never throws: a bad stored template becomes a CLIENT_SIDE_ERROR per target. */
export function planAssociation (input: PlanInput): PlannedTarget[] {
  const { association: a, destination: d, recorded, refresh } = input
  const values = desiredValues(a, input.kv)
  const byKey = new Map(recorded.map((r) => [r.subKey, r]))
  const ownerTagValue = builtinTagValue(a.destinationId, a.id)
  const tags = buildSecretTags(d.customTags, a.destinationId, a.id)
  const out: PlannedTarget[] = []
  const named: Array<{ key: string, name: string }> = []

  let template: ReturnType<typeof parseNameTemplate> | undefined
  try {
    template = parseNameTemplate(effectiveNameTemplate(a.nameTemplate, a.granularity))
  } catch (err) {
    for (const key of values.keys()) out.push({ kind: 'error', subKey: key, error: localClientError((err as Error).message) })
  }
  /** Target `key`'s Azure name under the association's template: `{ name }` or `{ error }`. */
  const nameOf = (key: string): { name: string } | { error: string } | undefined => template === undefined
    ? undefined
    : input.names.externalName(renderNameTemplate(template, templateFields({
      destinationType: a.destinationType, destinationName: a.destinationName, mountPath: a.mountPath,
      mountAccessor: a.accessor, secretPath: a.secretPath, secretKey: a.granularity === 'secret-key' ? key : undefined
    })))
  for (const key of values.keys()) {
    const result = nameOf(key)
    if (result === undefined) continue
    if ('error' in result) out.push({ kind: 'error', subKey: key, error: localClientError(result.error) })
    else named.push({ key, name: result.name })
  }
  const collided = new Map<string, string>()
  for (const c of findCollisions(named, input.names.collisionKey)) for (const t of c.targets) collided.set(t.key, input.names.collisionMessage(c))

  for (const { key, name } of named) {
    const rec = byKey.get(key)
    const collision = collided.get(key)
    if (collision !== undefined) { out.push({ kind: 'error', subKey: key, name, error: localClientError(collision) }); continue }
    const value = values.get(key)!
    const digest = targetDigest(name, value, tags, input.digestKey)
    const sameName = rec?.externalName === name
    if (sameName && rec?.digest === digest && !refresh) { out.push({ kind: 'noop', subKey: key, name, digest }); continue }
    const tagsOnly = sameName && !refresh && rec?.digest?.split('.')[0] === digest.split('.')[0] && rec?.externalVersion !== null
    out.push({
      kind: 'write', subKey: key, name, digest,
      op: { op: 'write', name, value: value.value, contentType: value.contentType, tags, firstWrite: !sameName, tagsOnlyVersion: tagsOnly ? rec?.externalVersion ?? undefined : undefined }
    })
  }
  // Recorded names no longer produced: the key is gone, the association is removed or unsynced,
  // or a refresh renamed it. Delete the old name (only if owned: the driver checks the tag),
  // unless a current key still renders that Azure name (compared by the collision key).
  const current = new Map(named.map((n) => [n.key, n.name]))
  const renderedBy = new Map<string, string>() // collision key -> the first current key rendering it
  for (const n of named) {
    const k = input.names.collisionKey(n.name)
    if (!renderedBy.has(k)) renderedBy.set(k, n.key)
  }
  for (const rec of recorded) {
    if (rec.externalName === null) continue
    if (current.get(rec.subKey) === rec.externalName) continue
    const stillPlanned = out.find((p) => p.subKey === rec.subKey)
    const holder = renderedBy.get(input.names.collisionKey(rec.externalName))
    if (holder !== undefined) {
      // The same Azure name is still wanted: a case-only rename (the write records the new
      // spelling), or another key took the name over (its write records it).
      if (stillPlanned === undefined) out.push({ kind: 'handover', subKey: rec.subKey, name: rec.externalName, to: holder })
      continue
    }
    const del: TargetOp = { op: 'delete', name: rec.externalName, ownerTagValue, purge: d.purgeOnUnsync }
    if (stillPlanned === undefined) {
      const unsync: Extract<PlannedTarget, { kind: 'unsync' }> = { kind: 'unsync', subKey: rec.subKey, op: del }
      // A target of the other granularity (`""` under secret-key, a key under secret-path) while
      // the secret has data: its data lives on in the current targets.
      if (values.size > 0 && (a.granularity === 'secret-key') === (rec.subKey === '')) unsync.replaced = true
      out.push(unsync)
      // Nothing is wanted any more: also the name the template renders now, if a rename wrote it
      // and its old-name delete failed (the row still records the old name only).
      const now = values.size === 0 ? nameOf(rec.subKey) : undefined
      if (now !== undefined && 'name' in now && input.names.collisionKey(now.name) !== input.names.collisionKey(rec.externalName)) {
        out.push({ kind: 'cleanup', subKey: rec.subKey, op: { ...del, name: now.name }, stray: true })
      }
    } else if (stillPlanned.kind === 'write') out.push({ kind: 'cleanup', subKey: rec.subKey, op: del })
  }
  planLeftovers(out, input.leftovers ?? [], { ownerTagValue, purge: d.purgeOnUnsync, wanted: new Set(values.keys()), renderedBy, keyOf: input.names.collisionKey })
  return out
}

/**
 * Adds the deletes of `leftovers` to `out`: a pending purge marks the planned delete of the same
 * name (`purgePending`); a leftover no planned delete covers is deleted (as a `cleanup`, `stray`
 * when its target is not wanted any more), unless a current key renders that name again (it is
 * that key's target then, and the worker forgets the leftover once it is in Azure).
 */
function planLeftovers (out: PlannedTarget[], leftovers: readonly LeftoverName[], o: {
  ownerTagValue: string, purge: boolean, wanted: ReadonlySet<string>, renderedBy: ReadonlyMap<string, string>, keyOf: (name: string) => string
}): void {
  const deletes = out.filter((p): p is Extract<PlannedTarget, { kind: 'unsync' | 'cleanup' }> & { op: DeleteOp } => (p.kind === 'unsync' || p.kind === 'cleanup') && p.op.op === 'delete')
  for (const l of leftovers) {
    const key = o.keyOf(l.name)
    const covering = deletes.filter((p) => o.keyOf(p.op.name) === key)
    if (covering.length > 0) {
      if (l.purge) for (const p of covering) p.op = { ...p.op, purgePending: true }
      continue
    }
    if (o.renderedBy.has(key)) continue
    const op: DeleteOp = { op: 'delete', name: l.name, ownerTagValue: o.ownerTagValue, purge: o.purge, ...(l.purge ? { purgePending: true } : {}) }
    out.push({ kind: 'cleanup', subKey: l.subKey, op, ...(o.wanted.has(l.subKey) ? {} : { stray: true as const }) })
  }
}
