/**
 * Audit entries for every request and response (decisions D-26), in the shape of Vault's file
 * device: `{"time","type":"request"|"response","auth":{client_token, accessor, display_name,
 * policies, token_type},"request":{id, operation, path, data, remote_address, mount_type},
 * "response":{data, auth?, warnings?, mount_type},"error"}`. Every string leaf of request data,
 * response data and response auth, and the client token and accessor, is replaced by its
 * HMAC-SHA256 (`audit-service.ts`), except, in request and response data, the values under
 * the keys the serving mount lists in `audit_non_hmac_request_keys` /
 * `audit_non_hmac_response_keys` (Vault's `NonHMACReqDataKeys` / `NonHMACRespDataKeys`, read
 * from the request's mount entry in `vault/request_handling.go`); request headers are never logged.
 *
 * The request entry is written in `preHandler` (after the ACL allowed the request, before the
 * handler runs; a failing write fails the request); a request refused earlier gets its request
 * entry with the error in `onSend`, followed by the response entry. `sys/health`,
 * `sys/seal-status`, `sys/leader` and `sys/init` are not audited: Vault serves them outside
 * its audited router.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { requestOperation } from '../acl/enforce.js'
import type { NonHmacKeys } from '../mounts/mount-settings.js'
import { mountTypeFor } from '../vault/envelope.js'
import { payloadBytes } from '../vault/pieces-payload.js'
import { tokenFromRequest } from '../vault/http-plugin.js'
import { requestTarget, vaultPath } from '../vault/request-target.js'
import type { AuditService } from './audit-service.js'

const UNAUDITED = new Set(['sys/health', 'sys/seal-status', 'sys/leader', 'sys/init'])
const WRITTEN = Symbol('audit-request-written')
const KEYS = Symbol('audit-non-hmac-keys')
const NO_KEYS: NonHmacKeys = { request: [], response: [] }

type Hmac = (s: string) => string

/** The keys left in clear for requests to a path (the serving mount's `audit_non_hmac_*` settings). */
export type AuditKeysLookup = (path: string) => NonHmacKeys | Promise<NonHmacKeys>

/**
 * `value` with every string leaf (not object keys) replaced by its HMAC; other leaves kept. A
 * string whose innermost enclosing object key (`key`, for the leaves of an array too) is in
 * `clear` is kept as it is (Vault's audit `hashStructure` with `IgnoredKeys`).
 */
export function hashLeaves (value: unknown, hmac: Hmac, clear: readonly string[] = [], key?: string): unknown {
  if (typeof value === 'string') return key !== undefined && clear.includes(key) ? value : hmac(value)
  if (Array.isArray(value)) return value.map((v) => hashLeaves(v, hmac, clear, key))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hashLeaves(v, hmac, clear, k)]))
  }
  return value
}

function authPart (request: FastifyRequest, hmac: Hmac): Record<string, unknown> {
  const presented = request.vaultTokenId ?? tokenFromRequest(request)
  const token = request.vaultToken
  return {
    client_token: presented === undefined ? '' : hmac(presented),
    accessor: token === undefined ? '' : hmac(token.accessor),
    display_name: token?.displayName ?? '',
    policies: token?.policies ?? null,
    token_type: token === undefined ? '' : 'service'
  }
}

function requestPart (request: FastifyRequest, hmac: Hmac, keys: NonHmacKeys): Record<string, unknown> {
  const path = vaultPath(request)
  const operation = request.vaultOperation?.operation ?? requestOperation(request, path, [])
  const writes = request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH'
  const data = writes ? request.body : request.query
  const hasData = data !== null && typeof data === 'object' && Object.keys(data).length > 0
  return {
    id: request.id,
    operation,
    path,
    data: hasData ? hashLeaves(data, hmac, keys.request) : null,
    remote_address: request.ip,
    mount_type: mountTypeFor(request.url)
  }
}

/** The response part and error of an entry, from the serialized payload. */
function responsePart (request: FastifyRequest, payload: unknown, hmac: Hmac, keys: NonHmacKeys): { response: Record<string, unknown>, error: string } {
  const bytes = payloadBytes(payload)
  const text = bytes === undefined ? '' : typeof bytes === 'string' ? bytes : bytes.toString('utf8')
  let body: unknown
  try { body = text === '' ? undefined : JSON.parse(text) } catch { body = undefined }
  const response: Record<string, unknown> = { data: null, mount_type: mountTypeFor(request.url) }
  if (body === null || typeof body !== 'object') return { response, error: '' }
  const b = body as Record<string, unknown>
  if (Array.isArray(b.errors)) return { response, error: (b.errors as unknown[]).map(String).join('; ') }
  if ('request_id' in b && 'data' in b) {
    response.data = hashLeaves(b.data, hmac, keys.response)
    if (b.auth !== null && b.auth !== undefined) response.auth = hashLeaves(b.auth, hmac)
    if (Array.isArray(b.warnings)) response.warnings = b.warnings
  } else {
    response.data = hashLeaves(b, hmac, keys.response)
  }
  return { response, error: '' }
}

/**
 * Installs the audit hooks (a no-op when no audit file is configured). Call after `installAcl`.
 * `auditKeys` gives the keys left in clear for a request path (none by default).
 */
export function installAudit (app: FastifyInstance, audit: AuditService, auditKeys: AuditKeysLookup = () => NO_KEYS): void {
  if (!audit.enabled()) return
  const skip = (request: FastifyRequest): boolean => {
    const path = requestTarget(request).vaultPath
    return path === undefined || UNAUDITED.has(path)
  }
  const state = (request: FastifyRequest): Record<symbol, unknown> => request as unknown as Record<symbol, unknown>
  const mark = (request: FastifyRequest): void => { state(request)[WRITTEN] = true }
  const marked = (request: FastifyRequest): boolean => state(request)[WRITTEN] === true
  // Looked up once per request (kept for the response entry).
  const keysOf = async (request: FastifyRequest): Promise<NonHmacKeys> => {
    const s = state(request)
    s[KEYS] ??= await auditKeys(vaultPath(request))
    return s[KEYS] as NonHmacKeys
  }

  app.addHook('preHandler', async (request) => {
    if (skip(request)) return
    const keys = await keysOf(request)
    audit.write({ time: new Date().toISOString(), type: 'request', auth: authPart(request, audit.hmac), request: requestPart(request, audit.hmac, keys), error: '' })
    mark(request)
  })

  app.addHook('onSend', async (request, _reply, payload) => {
    if (skip(request)) return payload
    try {
      const keys = await keysOf(request)
      const auth = authPart(request, audit.hmac)
      const req = requestPart(request, audit.hmac, keys)
      const { response, error } = responsePart(request, payload, audit.hmac, keys)
      if (!marked(request)) audit.write({ time: new Date().toISOString(), type: 'request', auth, request: req, error })
      audit.write({ time: new Date().toISOString(), type: 'response', auth, request: req, response, error })
    } catch (err) {
      request.log.error({ err: (err as Error).message }, 'audit log write failed')
    }
    return payload
  })

  app.addHook('onClose', async () => { audit.close() })
}
