/**
 * The stored shape of secrets and its rendering to Azure's wire models (`SecretBundle`,
 * `DeletedSecretBundle`, `SecretItem`, `DeletedSecretItem`; spec/azure-keyvault-api.md §1.3, §1.4).
 * All dates on the wire are integer unix seconds; identifiers echo the vault origin the client used.
 */

/** One version of a secret, as stored. Times are unix seconds. */
export interface StoredVersion {
  /** 32 lowercase hex characters. */
  version: string
  value: string
  contentType?: string
  tags?: Record<string, string>
  enabled: boolean
  nbf?: number
  exp?: number
  created: number
  updated: number
  /** Certificate-backed secret (decisions D-31.2); such secrets refuse writes. */
  managed?: boolean
  /** Key id of a certificate-backed secret: an absolute URL, or a path (`keys/{name}/{ver}`) on the vault origin. */
  kid?: string
}

/** A secret: the casing of its name at creation and its versions in creation order (last = latest). */
export interface StoredSecret {
  name: string
  versions: StoredVersion[]
}

/** A soft-deleted secret. `recoveryLevel`/`recoverableDays` are those in force when it was deleted. */
export interface DeletedSecret extends StoredSecret {
  deletedDate: number
  scheduledPurgeDate: number
  recoveryLevel: string
  recoverableDays: number
}

/** Vault-level recovery settings that appear in every bundle's attributes. */
export interface RecoverySettings {
  /** 0 = `Purgeable` (hard delete), else 7..90. */
  recoverableDays: number
  purgeProtection: boolean
}

/** Azure's `DeletionRecoveryLevel` for the given settings (spec/azure-keyvault-api.md §1.3). */
export function recoveryLevel (s: RecoverySettings): string {
  if (s.recoverableDays === 0) return 'Purgeable'
  const base = s.recoverableDays >= 90 ? 'Recoverable' : 'CustomizedRecoverable'
  return s.purgeProtection ? base : `${base}+Purgeable`
}

/** The latest version of a secret (the most recently created one, enabled or not). */
export const latestVersion = (s: StoredSecret): StoredVersion => s.versions[s.versions.length - 1]

function attributes (v: StoredVersion, level: string, days: number): Record<string, unknown> {
  const a: Record<string, unknown> = { enabled: v.enabled }
  if (v.nbf !== undefined) a.nbf = v.nbf
  if (v.exp !== undefined) a.exp = v.exp
  a.created = v.created
  a.updated = v.updated
  a.recoveryLevel = level
  if (days > 0) a.recoverableDays = days
  return a
}

function common (origin: string, v: StoredVersion, level: string, days: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (v.contentType !== undefined) out.contentType = v.contentType
  out.attributes = attributes(v, level, days)
  if (v.tags !== undefined) out.tags = { ...v.tags }
  if (v.managed === true) {
    out.managed = true
    if (v.kid !== undefined) out.kid = /^https?:\/\//.test(v.kid) ? v.kid : `${origin}/${v.kid}`
  }
  return out
}

/** `SecretBundle`; `withValue: false` for PATCH and recover responses. */
export function secretBundle (origin: string, s: StoredSecret, v: StoredVersion, rs: RecoverySettings,
  withValue: boolean): Record<string, unknown> {
  const head: Record<string, unknown> = withValue ? { value: v.value } : {}
  return { ...head, id: `${origin}/secrets/${s.name}/${v.version}`, ...common(origin, v, recoveryLevel(rs), rs.recoverableDays) }
}

/** `SecretItem` of `GET /secrets` (versionless id) or `GET /secrets/{n}/versions` (versioned id). */
export function secretItem (origin: string, s: StoredSecret, v: StoredVersion, rs: RecoverySettings,
  versioned: boolean): Record<string, unknown> {
  const id = versioned ? `${origin}/secrets/${s.name}/${v.version}` : `${origin}/secrets/${s.name}`
  return { id, ...common(origin, v, recoveryLevel(rs), rs.recoverableDays) }
}

function deletedFields (origin: string, d: DeletedSecret): Record<string, unknown> {
  return { recoveryId: `${origin}/deletedsecrets/${d.name}`, deletedDate: d.deletedDate, scheduledPurgeDate: d.scheduledPurgeDate }
}

/** `DeletedSecretBundle` (no value, as in the service's examples). */
export function deletedBundle (origin: string, d: DeletedSecret): Record<string, unknown> {
  const v = latestVersion(d)
  return {
    ...deletedFields(origin, d),
    id: `${origin}/secrets/${d.name}/${v.version}`,
    ...common(origin, v, d.recoveryLevel, d.recoverableDays)
  }
}

/** `DeletedSecretItem` of `GET /deletedsecrets` (versionless id). */
export function deletedItem (origin: string, d: DeletedSecret): Record<string, unknown> {
  const v = latestVersion(d)
  return {
    ...deletedFields(origin, d),
    id: `${origin}/secrets/${d.name}`,
    ...common(origin, v, d.recoveryLevel, d.recoverableDays)
  }
}
