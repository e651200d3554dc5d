/**
 * What happens to a Key Vault request before its handler, in the service's order: the bearer
 * challenge and token checks (before any body is read, azure-sdk-offline.md §3), the firewall,
 * injected faults, throttling (decisions D-12), then RBAC denials. Each step answers with
 * Azure's error body by throwing an `EmulatorHttpError`.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { challengeHeader, KEY_VAULT_RESOURCE, type EmulatorCore } from './core.js'
import { AzureErrors, EntraErrors, entraError, kvError, type EmulatorHttpError } from './errors.js'
import type { FaultAction } from './faults.js'
import { firewallAllows, normaliseAddress, rbacDenied } from './policy.js'
import { pathOf, type Family } from './request-state.js'
import { retryAfterHeaders } from './throttle.js'
import { issuerFor, type TokenClaims } from './tokens.js'

const KV_DEFAULT_CODES: Record<number, string> = {
  400: 'BadParameter', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 408: 'RequestTimeout', 409: 'Conflict',
  429: 'Throttled', 500: 'InternalServerError', 502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'GatewayTimeout'
}

/** The error an injected fault answers with, in the family's body shape. */
export function faultError (a: FaultAction, family: Family, challenge: string): EmulatorHttpError {
  const status = a.status ?? 500
  const headers: Record<string, string> = {}
  if (a.retryAfterSec !== undefined) headers['retry-after'] = String(a.retryAfterSec)
  if (a.retryAfterMs !== undefined) headers['x-ms-retry-after-ms'] = String(a.retryAfterMs)
  if (family === 'entra') {
    if (status === 401 && a.code === undefined) return EntraErrors.invalidClientSecret('(fault)')
    const code = a.code ?? (status === 400 ? 'invalid_request' : status === 401 ? 'invalid_client' : 'temporarily_unavailable')
    const e = entraError(status, code, status < 500 && status !== 429 ? 900144 : 90033, a.message ?? 'A transient error has occurred. Please try again. [emu fault]')
    Object.assign(e.headers, headers)
    return e
  }
  if (status === 401) headers['www-authenticate'] = challenge
  const code = a.code ?? KV_DEFAULT_CODES[status] ?? `Http${status}`
  const message = a.message ?? (status === 429
    ? 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached'
    : `Injected fault: ${code} [emu]`)
  return kvError(status, code, message, a.innerCode, headers)
}

/**
 * Applies a fault's latency, socket reset or error. Returns true when the socket was reset
 * (the reply is hijacked and nothing more may be sent); throws the fault's error otherwise.
 */
export async function applyFault (core: EmulatorCore, a: FaultAction, family: Family, request: FastifyRequest,
  reply: FastifyReply, challenge: string): Promise<boolean> {
  // Unref'd: a pending injected delay (minutes, to stall a client) must not keep a stopped
  // emulator's process alive after its listeners closed.
  if (a.latencyMs !== undefined && a.latencyMs > 0) await sleep(a.latencyMs, undefined, { ref: false })
  if (a.reset === true) {
    request.akv.outcome = 'reset'
    logRequest(core, request, 0)
    reply.hijack()
    request.raw.socket.destroy()
    return true
  }
  if (a.status !== undefined) {
    request.akv.outcome = 'fault'
    throw faultError(a, family, challenge)
  }
  return false
}

/** Validates the bearer token; throws the AKV 401s (always with the challenge header). */
async function authenticate (core: EmulatorCore, authorization: string | undefined, challenge: string): Promise<TokenClaims> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
  if (m === null) throw AzureErrors.missingToken(challenge)
  const r = await core.tokens.verify(m[1], core.clock.now())
  if (!r.ok) throw r.reason === 'expired' ? AzureErrors.tokenExpired(challenge) : AzureErrors.missingToken(challenge)
  const p = core.principals.get(r.claims.appid)
  if (p === undefined || !p.enabled || p.generation !== r.claims.gen) throw AzureErrors.missingToken(challenge)
  const aud = r.claims.aud.replace(/\/+$/, '')
  if (aud !== KEY_VAULT_RESOURCE) throw AzureErrors.invalidAudience(challenge, KEY_VAULT_RESOURCE, r.claims.aud)
  const expected = issuerFor(core.homeTenant)
  if (r.claims.iss.toLowerCase() !== expected.toLowerCase()) {
    throw AzureErrors.invalidIssuer(challenge, [expected, `https://login.microsoftonline.com/${core.homeTenant}/v2.0`], r.claims.iss)
  }
  return r.claims
}

/** The Key Vault gate; runs in `onRequest`. Returns true when the reply was hijacked (reset). */
export async function vaultGate (core: EmulatorCore, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  const st = request.akv
  const vault = st.vault
  const challenge = challengeHeader(st.origin, core.homeTenant)
  st.outcome = 'unauthorized'
  const claims = await authenticate(core, request.headers.authorization, challenge)
  st.outcome = undefined
  st.principal = claims.appid
  st.tenantId = claims.tid
  const caller = `appid=${claims.appid};oid=${claims.oid};iss=${claims.iss}`
  if (!firewallAllows(vault.settings.policy.firewall, vault.allowList, request.ip)) {
    st.outcome = 'firewall'
    throw AzureErrors.forbiddenByFirewall(normaliseAddress(request.ip), caller, vault.name)
  }
  const fault = core.faults.take({ family: 'vault', method: request.method, path: pathOf(request.url), vault: vault.name, principal: claims.appid })
  if (fault !== undefined && await applyFault(core, fault, 'vault', request, reply, challenge)) return true
  const op = st.op
  if (op === undefined) return false
  const admission = vault.limiter.tryAdmit(op.bucket, core.clock.now(), vault.settings.throttle)
  if (!admission.admitted) {
    st.outcome = 'throttled'
    throw AzureErrors.throttled(retryAfterHeaders(vault.settings.throttle.retryAfter, admission.retryAfterMs))
  }
  if (rbacDenied(vault.settings.policy.rbacDenies, claims.appid, op.dataAction)) {
    st.outcome = 'rbac'
    const name = (request.params as Record<string, string> | undefined)?.name
    const resource = `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/akv-emulator/providers/Microsoft.KeyVault/vaults/${vault.name}` +
      (name !== undefined ? `/secrets/${name}` : '')
    throw AzureErrors.forbiddenByRbac(caller, op.dataAction, resource, vault.name)
  }
  return false
}

/** Appends the request to the request log (once) and writes a debug line without secrets. */
export function logRequest (core: EmulatorCore, request: FastifyRequest, status: number): void {
  const st = request.akv
  if (st === undefined || st.logged === true || st.family === 'admin') return
  st.logged = true
  const params = request.params as Record<string, string> | undefined
  const entry = core.requestLog.add({
    time: new Date(core.clock.now()).toISOString(),
    family: st.family,
    ...(st.family === 'vault' ? { vault: st.vault.name } : {}),
    method: request.method,
    path: pathOf(request.url),
    ...(st.op !== undefined ? { operation: st.op.operation, dataAction: st.op.dataAction } : {}),
    ...(st.family === 'vault' && typeof params?.name === 'string' ? { secretName: params.name } : {}),
    ...(st.principal !== undefined ? { principal: st.principal } : {}),
    ...(st.tenantId !== undefined ? { tenantId: st.tenantId } : {}),
    status,
    ...(st.outcome !== undefined ? { outcome: st.outcome } : {}),
    remoteAddress: normaliseAddress(request.ip),
    durationMs: Math.round((performance.now() - st.started) * 1000) / 1000
  })
  core.logger.debug({
    seq: entry.seq, vault: entry.vault, method: entry.method, path: entry.path, operation: entry.operation,
    principal: entry.principal, status, outcome: entry.outcome
  }, 'akv request')
}
