/**
 * Per-request bookkeeping shared by the hooks and routes of an emulator listener, and the Fastify
 * type augmentation for it. Routes declare their endpoint family (and, for Key Vault, the
 * operation) in their route `config`; unknown paths count as Key Vault, or admin under `/_emulator`.
 */
import type { FastifyRequest } from 'fastify'
import type { VaultRuntime } from './core.js'
import type { OperationInfo } from './operations.js'

/** Which wire dialect a request belongs to (decides error bodies and hooks). */
export type Family = 'vault' | 'entra' | 'admin'

/** Mutable state of one request. */
export interface AkvRequestState {
  family: Family
  vault: VaultRuntime
  /** `https://host:port` as the client addressed it. */
  origin: string
  /** `performance.now()` at arrival. */
  started: number
  op?: OperationInfo
  principal?: string
  tenantId?: string
  /** Who answered, when not the handler (`unauthorized`, `throttled`, `fault`, `reset`, `firewall`, `rbac`). */
  outcome?: string
  /** Set when the request was already written to the request log (e.g. a socket reset). */
  logged?: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    family?: Family
    op?: OperationInfo
  }
  interface FastifyRequest {
    akv: AkvRequestState
  }
}

/** The family of a request: from its route config, else by path. */
export function familyOf (request: FastifyRequest): Family {
  const f = request.routeOptions.config?.family
  if (f !== undefined) return f
  return request.url.startsWith('/_emulator') ? 'admin' : 'vault'
}

/** The URL path without its query string. */
export const pathOf = (url: string): string => {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}
