/**
 * An Azure SDK pipeline policy that reports every HTTP request the SDK sends (placed per retry,
 * so each retry the SDK makes after a 429 or 5xx is seen), by Key Vault operation and status
 * (`@azure/core-rest-pipeline` PipelinePolicy, `additionalPolicies` with `position: 'perRetry'`).
 * The operation is derived from the method and path shape of the Key Vault REST API
 * (https://learn.microsoft.com/rest/api/keyvault/secrets/): never a secret name.
 */

/** Reports one request: operation name and HTTP status (or `error` when no response came). */
export type AzureRequestHook = (operation: string, status: string) => void

/** The structural part of `@azure/core-rest-pipeline`'s PipelinePolicy this module needs. */
interface PolicyRequest { method: string, url: string }
interface PolicyResponse { status: number }
export interface CountingPolicy {
  name: string
  sendRequest: <Req extends PolicyRequest, Res extends PolicyResponse>(request: Req, next: (request: Req) => Promise<Res>) => Promise<Res>
}

/** Key Vault secret operations by method and path shape (api-version query ignored). */
const SHAPES: Array<[string, RegExp, string]> = [
  ['PUT', /^\/secrets\/[^/]+$/, 'set_secret'],
  ['GET', /^\/secrets\/?$/, 'list_secrets'],
  ['GET', /^\/secrets\/[^/]+\/versions\/?$/, 'list_secret_versions'],
  ['GET', /^\/secrets\/[^/]+(\/[^/]*)?$/, 'get_secret'],
  ['PATCH', /^\/secrets\/[^/]+(\/[^/]*)?$/, 'update_secret_properties'],
  ['DELETE', /^\/secrets\/[^/]+$/, 'delete_secret'],
  ['GET', /^\/deletedsecrets\/?$/, 'list_deleted_secrets'],
  ['GET', /^\/deletedsecrets\/[^/]+$/, 'get_deleted_secret'],
  ['DELETE', /^\/deletedsecrets\/[^/]+$/, 'purge_deleted_secret'],
  ['POST', /^\/deletedsecrets\/[^/]+\/recover$/, 'recover_deleted_secret'],
  ['POST', /\/oauth2\/v2\.0\/token$/, 'get_token'],
  ['GET', /\/\.well-known\/openid-configuration$/, 'get_authority_metadata']
]

/** The Entra ID (authentication) operations; the others are Key Vault's. */
export const ENTRA_OPERATIONS = ['get_token', 'get_authority_metadata']

/** Every operation name `operationOf` can return. */
export const AZURE_OPERATIONS = [...new Set(SHAPES.map((s) => s[2])), 'other']

/** The operation name of a request (`other` when the shape is not one of Key Vault's secret operations). */
export function operationOf (method: string, url: string): string {
  let path: string
  try { path = new URL(url).pathname } catch { return 'other' }
  const m = method.toUpperCase()
  for (const [verb, shape, name] of SHAPES) if (verb === m && shape.test(path)) return name
  return 'other'
}

/** The policy; add it to a client's `additionalPolicies` at `position: 'perRetry'`. */
export function azureRequestCountingPolicy (hook: AzureRequestHook): CountingPolicy {
  return {
    name: 'vaultSyncRequestCounting',
    async sendRequest (request, next) {
      const operation = operationOf(request.method, request.url)
      try {
        const response = await next(request)
        hook(operation, String(response.status))
        return response
      } catch (err) {
        const status = (err as { response?: { status?: number } }).response?.status
        hook(operation, status === undefined ? 'error' : String(status))
        throw err
      }
    }
  }
}
