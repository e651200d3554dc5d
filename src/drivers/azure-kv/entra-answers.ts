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
 *
 * That credential also bounds what a destination costs Entra and memory when Entra refuses it:
 * - a refusal (a definite answer, no outage: wrong secret, unknown application) is answered again
 *   for {@link ENTRA_REFUSAL_MEMO_MS} without asking Entra, so the retries of a destination's
 *   associations do not send a token request each (one a minute per credential instead). A fixed
 *   destination (new secret, new client id) has a new credential and asks at once;
 * - the inner credential is built anew after {@link CREDENTIAL_REQUEST_BOUND} requests to Entra:
 *   `@azure/identity` keeps an `AbortController` per token request in its `IdentityClient` and
 *   never drops it (Azure/azure-sdk-for-js#26161; identity 4.13 `client/identityClient.ts`
 *   `generateAbortSignal`), about 2.5 KB each, so a credential Entra kept refusing grew without bound.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity'
import { EntraTokenError, firstLine, isIdentityError, retryAfterMs, type EntraOutage } from './azure-kv-errors.js'

/** One credential's record: its latest Entra request's outage, undefined after any definite answer (2xx, 4xx). */
export interface EntraAnswers {
  outage?: EntraOutage
  /** Requests sent to Entra since the inner credential was built (counted by {@link entraAnswersPolicy}). */
  requests?: number
}

/** How long a credential Entra refused is refused again without a request, ms (MSAL holds a 429 or 5xx as long). */
export const ENTRA_REFUSAL_MEMO_MS = 60_000
/** Requests to Entra after which the inner credential (and the request records it keeps) is built anew. */
export const CREDENTIAL_REQUEST_BOUND = 100

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
      answers.requests = (answers.requests ?? 0) + 1
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

/**
 * A credential built by `build`, whose identity errors carry `answers`' outage as
 * {@link EntraTokenError}s; a refusal is remembered for {@link ENTRA_REFUSAL_MEMO_MS} (by `now`,
 * ms) and the inner credential rebuilt after {@link CREDENTIAL_REQUEST_BOUND} Entra requests.
 */
export function withEntraAnswers (build: () => TokenCredential, answers: EntraAnswers, now: () => number = Date.now): TokenCredential {
  let credential = build()
  let refused: { error: EntraTokenError, at: number } | undefined
  return {
    async getToken (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      if (refused !== undefined && now() - refused.at < ENTRA_REFUSAL_MEMO_MS) throw refused.error
      if ((answers.requests ?? 0) >= CREDENTIAL_REQUEST_BOUND) { credential = build(); answers.requests = 0 }
      try {
        const token = await credential.getToken(scopes, options)
        refused = undefined
        return token
      } catch (err) {
        if (!isIdentityError(err)) throw err
        const error = new EntraTokenError(err, answers.outage)
        // No outage recorded: Entra answered, and refused (CLIENT_SIDE_ERROR, azure-kv-errors.ts).
        refused = answers.outage === undefined ? { error, at: now() } : undefined
        throw error
      }
    }
  }
}
