/**
 * Public types of the Azure Key Vault emulator: start options, the info document (decisions D-14),
 * per-vault settings, and the handle `startAkvEmulator` returns.
 */
import type { Logger } from 'pino'
import type { Clock, EmulatorClock } from './clock.js'
import type { FaultRule, FaultRuleInput } from './faults.js'
import type { Principal, PrincipalView } from './principals.js'
import type { RequestLogEntry } from './request-log.js'
import type { DeletedSecret, StoredSecret } from './secret-model.js'
import type { ThrottleSettings } from './throttle.js'
import type { VaultPolicy } from './policy.js'

/**
 * What clients need to reach the emulator; written as JSON by `akv-emulator -info-file` and
 * embedded as `akv` in the dev server's info file (decisions D-14). `vault_uri` and
 * `key_vault_uri` are the same (first vault); `authority_host` is the Entra authority host for
 * `ClientSecretCredential`; `ca_file` is the PEM to trust; `admin_url` is the admin API base.
 */
export interface AkvEmulatorInfo {
  vault_uri: string
  key_vault_uri: string
  tenant_id: string
  client_id: string
  client_secret: string
  authority_host: string
  ca_file: string
  admin_url: string
  admin_token: string
  vaults: Array<{ name: string, vault_uri: string }>
}

/** One vault's behaviour; every field can be changed while running (`vault(name).updateSettings`). */
export interface VaultSettings {
  /** Soft-delete retention: 0 = `Purgeable` (hard delete), else 7..90 (default 90). */
  recoverableDays: number
  /** Purge protection (default false): purge answers 403. */
  purgeProtection: boolean
  /** "Being deleted" window after delete and purge, ms (default 0). */
  beingDeletedMs: number
  /** "Being recovered" window after recover and restore, ms (default 0). */
  beingRecoveredMs: number
  throttle: ThrottleSettings
  policy: VaultPolicy
  /** How the three LIST operations cut their pages (default: the service's 25 per page, no empty pages). */
  paging: PagingSettings
}

/**
 * LIST paging of one vault (spec/azure-keyvault-api.md §1.3: real pages may be short or empty and
 * still carry a `nextLink`). Applies to `GET /secrets`, `/secrets/{n}/versions` and `/deletedsecrets`.
 */
export interface PagingSettings {
  /** Most items per page, 1..25 (default 25); a smaller `maxresults` from the client wins. */
  pageSize: number
  /**
   * 0 (default) = no empty pages. N >= 1 = the first page is empty, then one empty page follows
   * every N pages with items; each empty page carries a `nextLink` (the list ends on an empty page
   * with `nextLink: null` when its slot comes right after the last items).
   */
  emptyPageEvery: number
}

/** A partial update of {@link VaultSettings}; nested objects are merged one level deep. */
export interface VaultSettingsPatch {
  recoverableDays?: number
  purgeProtection?: boolean
  beingDeletedMs?: number
  beingRecoveredMs?: number
  throttle?: Partial<ThrottleSettings>
  paging?: Partial<PagingSettings>
  policy?: Partial<Omit<VaultPolicy, 'firewall'>> & { firewall?: Partial<VaultPolicy['firewall']> }
}

/** Options of `startAkvEmulator`. Everything is optional. */
export interface AkvEmulatorOptions {
  /** Listen host (default `127.0.0.1`). */
  host?: string
  /** Port of the first vault; 0 (default) picks a free port. */
  port?: number
  /** Name of the first vault (default `vault1`). */
  vaultName?: string
  /** Extra vaults, each on its own port (the next free ports after `port`): a count or names. */
  extraVaults?: number | string[]
  /**
   * Directory for the CA, the server certificate and the state file (`state.json`). Without it
   * the certificates go to a fresh temporary directory (removed on close) and state stays in memory.
   */
  stateDir?: string
  /** Keep secrets, principals and keys in `stateDir/state.json` (default: true when `stateDir` is set). */
  persistState?: boolean
  /** Admin API token (default: from the state file, else random). */
  adminToken?: string
  /** Home tenant of the vaults (default: from the state file, else a random GUID). */
  tenantId?: string
  /** The configured principal's client id and secret (default: from the state file, else random). */
  clientId?: string
  clientSecret?: string
  /** More principals, possibly in other tenants (decisions D-31.1). */
  principals?: Array<{ tenantId?: string, clientId: string, clientSecret: string }>
  /** Extra certificate names (host names or IPs) besides localhost, 127.0.0.1 and ::1. */
  hostnames?: string[]
  /** Initial settings of every vault (defaults: the real service's). */
  vaultDefaults?: VaultSettingsPatch
  /** Access-token lifetime in seconds (default 3599, as Entra's `expires_in`). */
  tokenLifetimeSec?: number
  /** Time source (default: the wall clock); the emulator adds a forward-only shift on top. */
  clock?: Clock
  /** pino logger (default: silent). Never receives secrets, tokens or bodies. */
  logger?: Logger
  /** Request-log capacity (default 10,000 entries). */
  requestLogLimit?: number
}

/** An out-of-band edit of one secret (admin API `POST …/secrets/{name}/edits`; see `out-of-band.ts`). */
export type OutOfBandEdit =
  | { op: 'new-version', value: string, contentType?: string, tags?: Record<string, string> }
  | { op: 'patch', version?: string, contentType?: string, tags?: Record<string, string>, enabled?: boolean }
  | { op: 'disable', version?: string }
  | { op: 'delete' }
  | { op: 'purge' }
  | { op: 'recreate', value: string, contentType?: string, tags?: Record<string, string> }

/** What a name holds after an out-of-band edit: its latest version (`updated` in unix seconds) when active. */
export interface OutOfBandResult {
  op: OutOfBandEdit['op']
  name: string
  state: 'active' | 'deleted' | 'absent'
  version?: string
  updated?: number
  enabled?: boolean
}

/** Programmatic access to one vault. */
export interface AkvVaultHandle {
  readonly name: string
  readonly uri: string
  settings (): VaultSettings
  /** Validates and applies a patch; throws RangeError/TypeError on bad values. */
  updateSettings (patch: VaultSettingsPatch): VaultSettings
  /** Creates (or adds a version to) a certificate-backed secret (decisions D-31.2). */
  putManagedSecret (name: string, opts?: { value?: string, contentType?: string, kid?: string, tags?: Record<string, string> }): { id: string, version: string }
  /** Applies an out-of-band edit (not logged, not throttled); throws the data plane's errors. */
  edit (name: string, edit: OutOfBandEdit): OutOfBandResult
  /** Removes a secret from both the active and deleted stores at once; false if unknown. */
  removeSecret (name: string): boolean
  /** A copy of one secret (all versions, values included) by case-insensitive name, active or soft-deleted. */
  inspectSecret (name: string): { state: 'active', secret: StoredSecret } | { state: 'deleted', secret: DeletedSecret } | undefined
  /** A copy of the whole vault: active and soft-deleted secrets with every version. */
  snapshot (): { secrets: StoredSecret[], deleted: DeletedSecret[] }
  counts (): { active: number, deleted: number }
}

/** Programmatic access to principals (the admin API mirrors it). */
export interface AkvPrincipalsHandle {
  add (p: { tenantId?: string, clientId?: string, clientSecret?: string }): Principal
  /** New secret (random when omitted); revokes tokens issued before. */
  rotateSecret (clientId: string, newSecret?: string): Principal
  /** Disables a principal and revokes its tokens. */
  disable (clientId: string): PrincipalView
  list (): PrincipalView[]
}

/** A running emulator. */
export interface AkvEmulator {
  readonly info: AkvEmulatorInfo
  /** The CA certificate (PEM) to pass as `tlsOptions.ca`. */
  readonly caPem: string
  readonly clock: EmulatorClock
  readonly faults: {
    add (rule: FaultRuleInput): FaultRule
    list (): FaultRule[]
    remove (id: string): boolean
    clear (): void
  }
  readonly principals: AkvPrincipalsHandle
  /** The first vault when `name` is omitted; throws for an unknown name. */
  vault (name?: string): AkvVaultHandle
  requestLog (filter?: { since?: number, vault?: string, limit?: number }): RequestLogEntry[]
  clearRequestLog (): void
  /** TLS connections accepted so far, every listener (a client's connection reuse shows here). */
  tlsConnections (): number
  /** Calls `listener` with each request log entry as it is logged (after its response was sent); returns the unsubscribe. */
  onRequestLogged (listener: (entry: RequestLogEntry) => void): () => void
  /** Writes the state file now (no-op without persistence). */
  flushState (): Promise<void>
  /** Stops every listener, flushes state, removes a temporary certificate directory. Idempotent. */
  close (): Promise<void>
}
