/**
 * What Microsoft Entra ID last answered a destination's credential, so a failed token request is
 * classified by its cause (`azure-kv-errors.ts`): Entra refusing the credentials is ours to fix
 * (CLIENT_SIDE_ERROR), Entra throttling (429), failing (5xx) or not answering is an outage
 * (transient: README "Sync statuses", "Key Vault or Entra keeps failing").
 *
 * `ClientSecretCredential` gets its tokens through MSAL, and `@azure/identity` turns every MSAL
 * failure into an `AuthenticationRequiredError` carrying only MSAL's message (identity
 * `msal/utils.ts` handleMsalError; spec/azure-keyvault-api.md §6.4), without Entra's HTTP status
 * or whether Entra answered at all. MSAL even answers later calls from its own throttling cache,
 * without a request, after a 429 or 5xx (msal-common `network/ThrottlingUtils.ts`, spec §5.5): for
 * 60 s, as it looks up `Retry-After` while identity hands it the headers lower-cased. So a policy
 * in the credential's pipeline (identity sends MSAL's requests through it, `additionalPolicies`
 * included) records how the latest request to Entra ended, and the credential handed to the
 * `SecretClient` attaches that record to the error it throws ({@link EntraTokenError}).
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity'
import { EntraTokenError, firstLine, isIdentityError, retryAfterMs, type EntraOutage } from './azure-kv-errors.js'

/** One credential's record: its latest Entra request's outage, undefined after any definite answer (2xx, 4xx). */
export interface EntraAnswers { outage?: EntraOutage }

/** The structural part of `@azure/core-rest-pipeline`'s PipelinePolicy this module needs. */
interface PolicyResponse { status: number, headers: { get: (name: string) => string | undefined } }
export interface EntraAnswersPolicy {
  name: string
  sendRequest: <Req, Res extends PolicyResponse>(request: Req, next: (request: Req) => Promise<Res>) => Promise<Res>
}

/**
 * The policy recording into `answers` how each Entra request ends; add it to the credential's
 * `additionalPolicies` at `position: 'perRetry'`, before (outside) the request timeout policy.
 */
export function entraAnswersPolicy (answers: EntraAnswers): EntraAnswersPolicy {
  return {
    name: 'vaultSyncEntraAnswers',
    async sendRequest (request, next) {
      let response
      try {
        response = await next(request)
      } catch (err) {
        answers.outage = { reason: firstLine((err as Error).message ?? '').slice(0, 200) }
        throw err
      }
      answers.outage = response.status === 429 || response.status >= 500
        ? { status: response.status, retryAfterMs: retryAfterMs({ response }) }
        : undefined
      return response
    }
  }
}

/** `credential`, whose identity errors carry `answers`' outage as {@link EntraTokenError}s. */
export function withEntraAnswers (credential: TokenCredential, answers: EntraAnswers): TokenCredential {
  return {
    async getToken (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      try {
        return await credential.getToken(scopes, options)
      } catch (err) {
        throw isIdentityError(err) ? new EntraTokenError(err, answers.outage) : err
      }
    }
  }
}
