/**
 * Service principals known to the emulator's Entra: (tenant, client id, client secret). The first
 * one is configured at start; more are added, rotated or disabled through the admin API (decisions
 * D-5). Rotating a secret or disabling a principal bumps its `generation`, which revokes every
 * token issued before. Client ids are unique across tenants. Secrets are compared in constant time.
 */
import { randomBytes, randomUUID, timingSafeEqual, createHash } from 'node:crypto'

/** A service principal. `clientSecret` is never logged nor listed. */
export interface Principal {
  tenantId: string
  clientId: string
  clientSecret: string
  /** The service principal's object id (`oid` claim). */
  objectId: string
  enabled: boolean
  generation: number
}

/** What the admin API and `list()` show: everything but the secret. */
export type PrincipalView = Omit<Principal, 'clientSecret'>

/** A fresh client secret in the style of Entra's (40 characters, URL-safe). */
export const newClientSecret = (): string => randomBytes(30).toString('base64url')

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

/** Whether `given` equals `expected`, without leaking the position of a mismatch. */
export const secretsEqual = (given: string, expected: string): boolean => timingSafeEqual(digest(given), digest(expected))

/** The principal registry shared by every vault of one emulator. */
export class PrincipalRegistry {
  private readonly byClient = new Map<string, Principal>()

  constructor (readonly homeTenant: string, private readonly onChange: () => void = () => {}) {}

  /**
   * Adds (or, for a known client id, replaces the tenant and secret of) a principal; missing
   * fields are random. Returns the stored principal, secret included, once.
   */
  add (p: { tenantId?: string, clientId?: string, clientSecret?: string }): Principal {
    const clientId = p.clientId ?? randomUUID()
    const old = this.byClient.get(clientId.toLowerCase())
    const tenantId = p.tenantId ?? old?.tenantId ?? this.homeTenant
    const clientSecret = p.clientSecret ?? old?.clientSecret ?? newClientSecret()
    const changed = old !== undefined && (old.clientSecret !== clientSecret || old.tenantId !== tenantId || !old.enabled)
    const principal: Principal = {
      tenantId,
      clientId: old?.clientId ?? clientId,
      clientSecret,
      objectId: old?.objectId ?? randomUUID(),
      enabled: true,
      generation: old === undefined ? 1 : old.generation + (changed ? 1 : 0)
    }
    this.byClient.set(clientId.toLowerCase(), principal)
    this.onChange()
    return principal
  }

  /** The principal with this client id (case-insensitive), if any. */
  get (clientId: string): Principal | undefined {
    return this.byClient.get(clientId.toLowerCase())
  }

  /** Sets a new secret (random when omitted) and revokes issued tokens; undefined if unknown. */
  rotateSecret (clientId: string, newSecret?: string): Principal | undefined {
    const p = this.get(clientId)
    if (p === undefined) return undefined
    p.clientSecret = newSecret ?? newClientSecret()
    p.generation += 1
    this.onChange()
    return p
  }

  /** Disables (or re-enables) a principal; disabling revokes issued tokens. */
  setEnabled (clientId: string, enabled: boolean): Principal | undefined {
    const p = this.get(clientId)
    if (p === undefined) return undefined
    if (p.enabled && !enabled) p.generation += 1
    p.enabled = enabled
    this.onChange()
    return p
  }

  /** Tenants Entra answers for: the home tenant and those of all principals. */
  tenants (): Set<string> {
    const t = new Set([this.homeTenant.toLowerCase()])
    for (const p of this.byClient.values()) t.add(p.tenantId.toLowerCase())
    return t
  }

  /** Whether Entra knows `tenant` (case-insensitive). */
  hasTenant (tenant: string): boolean { return this.tenants().has(tenant.toLowerCase()) }

  /** All principals without their secrets. */
  list (): PrincipalView[] {
    return [...this.byClient.values()].map(({ clientSecret: _s, ...rest }) => ({ ...rest }))
  }

  /** Serialisable state (secrets included: the state file is private, mode 0600). */
  toJSON (): Principal[] { return [...this.byClient.values()].map((p) => ({ ...p })) }

  /** Replaces the registry with saved principals. */
  load (saved: Principal[]): void {
    this.byClient.clear()
    for (const p of saved) this.byClient.set(p.clientId.toLowerCase(), { ...p })
  }
}
