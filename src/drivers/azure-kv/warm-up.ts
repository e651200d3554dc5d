/**
 * Connections opened ahead of need (issue 17): before a vault client's first real call, the
 * Key Vault SDK pays, on that call's critical path, an unauthenticated request for the
 * authentication challenge (Key Vault answers 401 with the authority and resource), a token
 * request to Entra ID, and a TLS handshake per new keep-alive socket; the resent request is the
 * real operation (`@azure/keyvault-common` keyVaultAuthenticationPolicy).
 *
 * A warm-up does exactly that ahead of time, without any Key Vault operation: it sends
 * `sockets` concurrent `getSecret` calls marked with a header. Their first, unauthenticated
 * attempt goes out (opening one socket each and receiving the challenge: the request every
 * client's first call sends anyway, which reads nothing), the SDK's own policy fetches the token
 * (once: its token cycler shares one refresh) and records the challenge, and the authorized
 * resend is stopped by {@link warmUpPolicy} before it leaves the process. Afterwards the client holds
 * the token, the completed challenge and `sockets` idle keep-alive connections.
 */
import type { SecretClient } from '@azure/keyvault-secrets'

/** Marks the requests of a warm-up (sent to Key Vault only on the unauthenticated attempt). */
const WARM_UP_HEADER = 'x-vault-sync-warm-up'
/** The name the warm-up's challenge requests ask for (never read: the authorized attempt is stopped). */
const WARM_UP_NAME = 'vault-sync-warm-up'

/** Ends a warm-up call once it is authorized (thrown by {@link warmUpPolicy}). */
class WarmUpDone extends Error {
  constructor () { super('warm-up authorized') }
}

/** The structural part of `@azure/core-rest-pipeline`'s PipelinePolicy this module needs. */
interface PolicyRequest { headers: { has: (name: string) => boolean } }
export interface WarmUpPolicy {
  name: string
  sendRequest: <Req extends PolicyRequest, Res>(request: Req, next: (request: Req) => Promise<Res>) => Promise<Res>
}

/**
 * The policy that stops a warm-up call once the SDK has authorized it. Add it to the client's
 * `additionalPolicies` at `position: 'perRetry'` (after the authentication policy), first.
 */
export function warmUpPolicy (): WarmUpPolicy {
  return {
    name: 'vaultSyncWarmUp',
    async sendRequest (request, next) {
      if (request.headers.has(WARM_UP_HEADER) && request.headers.has('authorization')) throw new WarmUpDone()
      return await next(request)
    }
  }
}

/**
 * Warms `client`: token, completed challenge and up to `sockets` keep-alive connections; bounded
 * by `timeoutMs`. Resolves when done; rejects with the first error that is not the policy's stop
 * (unreachable vault, refused credentials, the network policy), which callers log and ignore:
 * the first real call then simply pays what the warm-up could not.
 */
export async function warmUpClient (client: SecretClient, sockets: number, timeoutMs: number): Promise<void> {
  const abortSignal = AbortSignal.timeout(timeoutMs)
  const calls = Array.from({ length: Math.max(1, sockets) }, async () => {
    try {
      await client.getSecret(WARM_UP_NAME, { abortSignal, requestOptions: { headers: { [WARM_UP_HEADER]: '1' } } })
    } catch (err) {
      if (!(err instanceof WarmUpDone)) throw err
    }
  })
  const outcomes = await Promise.allSettled(calls)
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')
  if (failed !== undefined) throw failed.reason
}
