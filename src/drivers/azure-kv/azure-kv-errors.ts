/**
 * Classifies what the Azure SDK throws into a `SyncError` (decisions D-13,
 * spec/azure-keyvault-api.md §2.2-2.3, spec/azure-sdk-offline.md §2):
 * - Entra failures (`AuthenticationRequiredError`, `CredentialUnavailableError`,
 *   `AuthenticationError`, as `EntraTokenError` from `entra-answers.ts`) by their cause: Entra
 *   refusing the credentials (invalid client, secret or tenant: 4xx such as AADSTS7000215,
 *   700016, 90002) -> CLIENT_SIDE_ERROR; Entra failing (429, 5xx, no answer: reset, refused,
 *   timed out) -> transient EXTERNAL_SERVICE_ERROR (README "Sync statuses": "Key Vault or Entra
 *   keeps failing");
 * - 401 after the challenge, 403 (RBAC, firewall, policy), 400 (invalid name, too large) and
 *   network-policy refusals -> CLIENT_SIDE_ERROR (Key Vault's own refusals keep their `status`:
 *   the driver answers a 401 with a new token, `azure-kv-driver.ts`);
 * - 429 (honouring Retry-After / x-ms-retry-after-ms), 408, 5xx, `ObjectIsBeingDeleted` /
 *   `ObjectIsBeingRecovered`, timeouts (`request-timeout.ts`), resets and aborts -> transient
 *   EXTERNAL_SERVICE_ERROR;
 * - anything else -> INTERNAL_VAULT_ERROR.
 * Messages name the operation and Azure's code and text; Azure never echoes secret values.
 */
import { SyncError, internalSyncError, remoteClientError, transientError } from '../sync-error.js'
import { NetworkPolicyError } from './azure-kv-network.js'
import { AzureRequestTimeoutError } from './request-timeout.js'

interface RestErrorLike {
  name: string
  message: string
  statusCode?: number
  code?: string
  details?: { error?: { code?: string, message?: string, innerError?: { code?: string } } }
  response?: { headers: { get: (name: string) => string | undefined } }
}

const TRANSIENT_NET = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'REQUEST_SEND_ERROR', 'UND_ERR_SOCKET', 'ECONNABORTED'])
const IDENTITY_ERRORS = new Set(['AuthenticationRequiredError', 'CredentialUnavailableError', 'AuthenticationError'])
/**
 * The codes that open an MSAL failure's message when Entra failed rather than refused: MSAL's
 * `network_error` (no usable answer: msal-common `protocol/Token.ts` sendPostRequest), and the
 * OAuth 2.0 error codes of a server that cannot serve the request now (RFC 6749 §4.1.2.1
 * `server_error`, `temporarily_unavailable`; Microsoft Entra's error-code reference lists the
 * latter as one to retry). MSAL's ServerError message is `<error>: Error(s): <AADSTS codes> -
 * ... - Description: ...` (spec/azure-keyvault-api.md §6.4).
 */
const ENTRA_FAILING = /^(network_error|temporarily_unavailable|server_error)\b/

/** Entra's latest answer to a credential when it was no definite answer (`entra-answers.ts`). */
export interface EntraOutage {
  /** 429 or a 5xx; undefined when no answer came (reset, refused, timed out). */
  status?: number
  /** Entra's Retry-After, ms. */
  retryAfterMs?: number
  /** Why no answer came (first line of the error), when none did. */
  reason?: string
}

/**
 * A token request that failed (`entra-answers.ts`), with how the credential's latest request to
 * Entra ended when that was an outage. `@azure/identity` turns every MSAL failure into an
 * `AuthenticationRequiredError` holding only MSAL's message (identity `msal/utils.ts`
 * handleMsalError): Entra's HTTP status, and whether it answered at all, are lost there.
 */
export class EntraTokenError extends Error {
  constructor (readonly failure: Error, readonly outage: EntraOutage | undefined) {
    super(failure.message, { cause: failure })
    this.name = 'EntraTokenError'
  }
}

/** True when `err` is one of `@azure/identity`'s credential errors. */
export function isIdentityError (err: unknown): err is Error {
  return IDENTITY_ERRORS.has((err as Error | undefined)?.name ?? '')
}

/** The inner error code of a Key Vault error body (`innererror.code` on the wire). */
export function innerCode (err: unknown): string | undefined {
  return (err as RestErrorLike).details?.error?.innerError?.code
}

/** HTTP status of an SDK error, if it has one. */
export function statusOf (err: unknown): number | undefined {
  return (err as RestErrorLike | undefined)?.statusCode
}

/** Retry delay requested by the service, in ms (`x-ms-retry-after-ms`, `retry-after-ms`, `Retry-After`). */
export function retryAfterMs (err: unknown): number | undefined {
  const headers = (err as RestErrorLike).response?.headers
  if (headers === undefined) return undefined
  for (const h of ['x-ms-retry-after-ms', 'retry-after-ms']) {
    const v = headers.get(h)
    if (v !== undefined && /^\d+(\.\d+)?$/.test(v)) return Number(v)
  }
  const ra = headers.get('retry-after')
  if (ra === undefined) return undefined
  if (/^\d+$/.test(ra.trim())) return Number(ra) * 1000
  const at = Date.parse(ra)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

/** The first line of `text`, at most 300 characters (messages name no more than Azure's first line). */
export function firstLine (text: string): string {
  return text.split(/\r?\n/)[0].slice(0, 300)
}

/**
 * The network-policy refusal inside `err`, however it was reached: thrown directly (a literal
 * address or port, checked before the request) or from the agent's DNS lookup (a host name
 * resolving to a refused address), which the SDK wraps in a `RestError` carrying its `code`
 * (and sometimes its `cause`).
 */
function networkRefusal (err: unknown): { message: string } | undefined {
  let e = err as (Error & { code?: string, cause?: unknown }) | undefined
  for (let depth = 0; depth < 6 && e !== undefined && e !== null; depth++) {
    if (e instanceof NetworkPolicyError || e.code === NetworkPolicyError.CODE) return { message: e.message }
    e = e.cause as typeof e
  }
  return undefined
}

/**
 * True when `err` is Key Vault refusing the token it was sent (a classified 401 after the
 * challenge; Entra's own refusals carry no status): the caller answers with a new client.
 */
export function isTokenRefusal (err: unknown): boolean {
  return err instanceof SyncError && err.status === 401
}

/** Classifies `err` thrown by SDK operation `op` (e.g. `setSecret "db-pass"`). */
export function classifyAzureError (err: unknown, op: string): SyncError {
  if (err instanceof SyncError) return err
  const e = err as RestErrorLike
  const refused = networkRefusal(err)
  if (refused !== undefined) return remoteClientError(`${op}: ${firstLine(refused.message)}`)
  if (err instanceof AzureRequestTimeoutError) return transientError(`${op}: ${err.message}`)
  if (e?.name === 'AbortError') return transientError(`${op}: aborted`)
  if (err instanceof EntraTokenError || isIdentityError(err)) return classifyEntraError(err, op)
  const status = e?.statusCode
  const code = e?.details?.error?.code ?? e?.code
  const inner = innerCode(err)
  const text = firstLine(e?.details?.error?.message ?? e?.message ?? String(err))
  const label = `${op}: ${status ?? ''} ${code ?? ''}${inner !== undefined ? `/${inner}` : ''}: ${text}`.replace(/ {2,}/g, ' ')
  if (status === undefined) {
    if (e?.code !== undefined && TRANSIENT_NET.has(e.code)) return transientError(label)
    if (e?.name === 'RestError') return transientError(label)
    return internalSyncError(`${op}: ${text}`)
  }
  if (status === 429) return transientError(label, retryAfterMs(err))
  if (status === 408 || status >= 500) return transientError(label, retryAfterMs(err))
  if (status === 409 && (inner === 'ObjectIsBeingDeleted' || inner === 'ObjectIsBeingRecovered')) return transientError(label)
  if (status === 400 || status === 401 || status === 403 || status === 409) return remoteClientError(label, status)
  return internalSyncError(label)
}

/**
 * An Entra failure by its cause: transient when Entra's latest answer to the credential was a 429
 * or 5xx or none at all, when identity's `AuthenticationError` carries such a status, or when
 * MSAL's message opens with a code of a failing Entra ({@link ENTRA_FAILING}); otherwise Entra
 * refused the credentials (CLIENT_SIDE_ERROR, retried every `VAULT_SYNC_CLIENT_ERROR_RETRY`).
 */
function classifyEntraError (err: Error, op: string): SyncError {
  const failure = err instanceof EntraTokenError ? err.failure : err
  const outage = err instanceof EntraTokenError ? err.outage : undefined
  const status = outage?.status ?? (failure.name === 'AuthenticationError' ? statusOf(failure) : undefined)
  const text = firstLine(failure.message)
  const transient = outage !== undefined || (status !== undefined && (status === 429 || status >= 500)) || ENTRA_FAILING.test(text)
  const answer = status !== undefined ? ` (HTTP ${status})` : outage !== undefined ? ` (no answer: ${outage.reason ?? 'connection failed'})` : ''
  const label = `${op}: Microsoft Entra ID authentication failed${answer}: ${text}`
  return transient ? transientError(label, outage?.retryAfterMs) : remoteClientError(label)
}
