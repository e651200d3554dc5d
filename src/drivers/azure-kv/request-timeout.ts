/**
 * A bound on every HTTP request the Azure SDK sends for a destination: Key Vault calls, the polls
 * of its long-running operations, and Entra ID's token and metadata requests
 * (`VAULT_SYNC_AZURE_REQUEST_TIMEOUT`). Without it a request whose answer never comes (a stalled
 * vault, a black-holed connection) keeps its call, its association (SYNCING) and one of the
 * vault's limiter slots until the server restarts: the SDK sets no timeout of its own
 * (`@azure/core-rest-pipeline` PipelineRequest `timeout` defaults to 0, "disables the timeout").
 *
 * It is a PipelinePolicy (`additionalPolicies`, `position: 'perRetry'`, so one timer per request
 * the SDK sends, each retry its own) that aborts the request through the request's `abortSignal`,
 * which the SDK's Node HTTP client (`@typespec/ts-http-runtime` NodeHttpClient) honours until the
 * body is read; the request's own `timeout` would not do: that client clears its timer once the
 * response headers arrive. The request then fails with {@link AzureRequestTimeoutError}, which
 * `azure-kv-errors.ts` classifies as transient (README "Sync statuses": a timeout is PENDING, then
 * EXTERNAL_SERVICE_ERROR, retried with backoff). It is not a `RestError`, so the SDK's retry
 * policy does not retry it (`retryPolicy` rethrows any other error at once): the worker does.
 */

/** A request to Azure that got no complete answer within the bound. */
export class AzureRequestTimeoutError extends Error {
  constructor (readonly timeoutMs: number, host: string) {
    super(`no response from ${host} within ${formatMs(timeoutMs)}`)
    this.name = 'AzureRequestTimeoutError'
  }
}

/** `300ms`, `30s`, `1.5s`: the bound as the setting reads. */
function formatMs (ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`
}

/** The structural part of `@azure/core-rest-pipeline`'s PipelineRequest and PipelinePolicy this module needs. */
interface PolicyRequest { url: string, abortSignal?: AbortSignalLike }
interface AbortSignalLike {
  readonly aborted: boolean
  addEventListener: (type: 'abort', listener: () => void, options?: { once: boolean }) => void
  removeEventListener: (type: 'abort', listener: () => void) => void
}
export interface RequestTimeoutPolicy {
  name: string
  sendRequest: <Req extends PolicyRequest, Res>(request: Req, next: (request: Req) => Promise<Res>) => Promise<Res>
}

/** The host (and port) of `url`, for messages: never its path, which names the secret. */
function hostOf (url: string): string {
  try { return new URL(url).host } catch { return 'Azure' }
}

/**
 * The policy bounding each request at `timeoutMs`; add it to the `additionalPolicies` of the
 * `SecretClient` and of its credential at `position: 'perRetry'`. A request already aborted by
 * its caller (a shutdown) is left to the SDK, which rejects it with its own `AbortError`.
 */
export function requestTimeoutPolicy (timeoutMs: number): RequestTimeoutPolicy {
  return {
    name: 'vaultSyncRequestTimeout',
    async sendRequest (request, next) {
      const outer = request.abortSignal
      if (outer?.aborted === true) return await next(request)
      const controller = new AbortController()
      let timedOut = false
      const timer = setTimeout(() => { timedOut = true; controller.abort() }, timeoutMs)
      const onAbort = (): void => { controller.abort() }
      outer?.addEventListener('abort', onAbort, { once: true })
      request.abortSignal = controller.signal
      try {
        return await next(request)
      } catch (err) {
        if (timedOut) throw new AzureRequestTimeoutError(timeoutMs, hostOf(request.url))
        throw err
      } finally {
        clearTimeout(timer)
        outer?.removeEventListener('abort', onAbort)
        request.abortSignal = outer
      }
    }
  }
}
