/**
 * The state one emulator shares between its listeners: clock, Entra (principals, token signer),
 * faults, request log, and the vaults. Each vault listens on its own port, and every port serves
 * its vault, Entra and the admin API (decisions D-14).
 */
import type { BlockList } from 'node:net'
import type { Logger } from 'pino'
import type { EmulatorClock } from './clock.js'
import type { FaultRegistry } from './faults.js'
import type { PrincipalRegistry } from './principals.js'
import type { RequestLog } from './request-log.js'
import type { SecretStore } from './secret-store.js'
import type { SlidingWindowLimiter } from './throttle.js'
import type { TokenService } from './tokens.js'
import type { AkvEmulatorInfo, VaultSettings } from './types.js'

/** The audience Key Vault tokens must carry (public cloud). */
export const KEY_VAULT_RESOURCE = 'https://vault.azure.net'

/** One emulated vault. `uri` is set once its listener has a port. */
export interface VaultRuntime {
  readonly name: string
  uri: string
  readonly store: SecretStore
  settings: VaultSettings
  allowList: BlockList
  readonly limiter: SlidingWindowLimiter
}

/** Everything shared by the listeners of one emulator. */
export interface EmulatorCore {
  readonly clock: EmulatorClock
  readonly homeTenant: string
  readonly principals: PrincipalRegistry
  readonly tokens: TokenService
  readonly faults: FaultRegistry
  readonly requestLog: RequestLog
  /** AES-256 key sealing backup blobs. */
  readonly backupKey: Buffer
  readonly adminToken: string
  readonly tokenLifetimeSec: number
  readonly logger: Logger
  /** Vaults by lower-cased name. */
  readonly vaults: Map<string, VaultRuntime>
  /** The current info document. */
  info (): AkvEmulatorInfo
}

/**
 * The origin (`https://host[:port]`) the client addressed, from the Host header, so ids and
 * nextLinks echo it (spec/azure-keyvault-api.md §1.4). A missing or odd Host falls back to `fallback`.
 */
export function requestOrigin (host: string | undefined, fallback: string): string {
  if (host !== undefined && /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) return `https://${host}`
  return fallback
}

/** The challenge Key Vault sends with every 401 (spec/azure-keyvault-api.md §5.2). */
export function challengeHeader (origin: string, tenant: string): string {
  return `Bearer authorization="${origin}/${tenant}", resource="${KEY_VAULT_RESOURCE}"`
}
