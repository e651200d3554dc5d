/**
 * Vault's success envelope (spec/vault-core-kv-api.md §1.5): every key always present, in Go
 * struct order. Route handlers return `ok(request, data)`; a handler that answers nothing
 * sends 204 through `noContent(reply)`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { notFound } from './errors.js'

/** The JSON body Vault sends for a 200 (and for raw KV 404s). */
export interface Envelope<D = unknown> {
  request_id: string
  lease_id: string
  renewable: boolean
  lease_duration: number
  data: D
  wrap_info: null
  warnings: string[] | null
  auth: unknown
  mount_type: string
  [injected: string]: unknown
}

export interface OkOptions {
  /** Vault `warnings`; `null` when absent or empty. */
  warnings?: string[]
  /** The `auth` block of token-issuing endpoints. */
  auth?: unknown
  /** Copy every key of `data` to the top level too (Vault does this for `sys/mounts*`, `sys/policy*`). */
  inject?: boolean
  /** Overrides the `mount_type` derived from the URL (`""` for raw KV responses). */
  mountType?: string
}

/** `mount_type` of the mount that served `url`: `system`, `token`, or `kv` (§1.5). */
export function mountTypeFor (url: string): string {
  if (url.startsWith('/v1/sys/')) return 'system'
  if (url.startsWith('/v1/auth/token/')) return 'token'
  return 'kv'
}

/** Builds the envelope for `data` answered to `request` (request_id = Fastify's request id, a UUID). */
export function ok<D> (request: FastifyRequest, data: D, options: OkOptions = {}): Envelope<D> {
  const body: Envelope<D> = {
    request_id: request.id,
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: options.warnings !== undefined && options.warnings.length > 0 ? options.warnings : null,
    auth: options.auth ?? null,
    mount_type: options.mountType ?? mountTypeFor(request.url)
  }
  if (options.inject === true && data !== null && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) {
      if (!(key in body)) body[key] = value
    }
  }
  return body
}

/** 204 with no body: what Vault sends when a handler returns nothing. */
export function noContent (reply: FastifyReply): FastifyReply {
  return reply.code(204).send()
}

/**
 * A list answer: `{"keys": [...]}` in the envelope, or 404 `{"errors":[]}` when there are no
 * keys (Vault treats an empty list as "nothing here", §1.8).
 * @throws VaultError 404 when `keys` is empty.
 */
export function list (request: FastifyRequest, keys: string[], extra: Record<string, unknown> = {}, options: OkOptions = {}): Envelope {
  if (keys.length === 0) throw notFound()
  return ok(request, { keys, ...extra }, options)
}
