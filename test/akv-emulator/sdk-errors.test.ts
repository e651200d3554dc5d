// Error cases through the real SDKs: 429 with and without Retry-After, a wrong client secret, a wrong
// tenant both ways of decisions D-31.1, a wrong audience, token revocation and expiry, and Azure's
// validation limits — each asserting what the SDK surfaces.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity'
import { clientFor, credentialFor, startEmulator } from './helpers.js'

type SdkError = { name?: string, statusCode?: number, code?: string, message?: string, details?: { error?: { innerError?: { code?: string } } } }
const caught = async (p: Promise<unknown>): Promise<SdkError> => await p.then(() => ({ name: 'no error' }), (e: unknown) => e as SdkError)

t.test('429 with Retry-After is retried by the SDK; without it the SDK gives up at once', async (t) => {
  const emu = await startEmulator(t)
  const client = clientFor(emu, undefined, { retryOptions: { maxRetries: 3 } })
  await client.setSecret('s', 'v')

  emu.faults.add({ match: { method: 'GET', pathRegex: '^/secrets/s' }, action: { status: 429, retryAfterSec: 1 }, mode: { next: 1 } })
  emu.clearRequestLog()
  t.equal((await client.getSecret('s')).value, 'v', 'one 429 with Retry-After: 1, then success')
  t.same(emu.requestLog().map((e) => e.status), [429, 200])

  emu.faults.add({ match: { method: 'GET' }, action: { status: 429, retryAfterMs: 5 }, mode: { untilCleared: true } })
  emu.clearRequestLog()
  const persistent = await caught(client.getSecret('s'))
  t.equal(persistent.statusCode, 429)
  t.equal(persistent.code, 'Throttled')
  t.equal(emu.requestLog().length, 4, 'x-ms-retry-after-ms is honoured: 1 + maxRetries attempts')
  emu.faults.clear()

  emu.faults.add({ match: { method: 'GET' }, action: { status: 429 }, mode: { next: 1 } })
  emu.clearRequestLog()
  const bare = await caught(client.getSecret('s'))
  t.equal(bare.statusCode, 429)
  t.equal(bare.code, 'Throttled')
  t.match(bare.message, /VaultRequestTypeLimitReached/)
  t.same(emu.requestLog().map((e) => e.status), [429], 'no Retry-After: no retry at all')
  t.equal((await client.getSecret('s')).value, 'v', 'the next call goes through')
})

t.test('a wrong client secret surfaces Entra invalid_client AADSTS7000215', async (t) => {
  const emu = await startEmulator(t)
  const client = clientFor(emu, credentialFor(emu, { clientSecret: 'not-the-secret' }))
  const err = await caught(client.getSecret('anything'))
  t.equal(err.name, 'AuthenticationRequiredError')
  t.match(err.message, /invalid_client/)
  t.match(err.message, /AADSTS7000215: Invalid client secret provided/)
  const tokenCalls = emu.requestLog().filter((e) => e.family === 'entra' && e.path.endsWith('/token'))
  t.ok(tokenCalls.length >= 1 && tokenCalls.every((e) => e.status === 401))
})

t.test('wrong tenant: the credential refuses the challenge tenant before any token request', async (t) => {
  const emu = await startEmulator(t)
  const other = randomUUID()
  const client = clientFor(emu, credentialFor(emu, { tenantId: other }))
  const err = await caught(client.getSecret('anything'))
  t.equal(err.name, 'CredentialUnavailableError')
  t.match(err.message, new RegExp(`not configured to acquire tokens for tenant ${emu.info.tenant_id}`))
  t.equal(emu.requestLog().filter((e) => e.family === 'entra').length, 0, 'no token request was made')
})

/** A credential that always presents `inner`'s own token, whatever tenant or scope the challenge asks for. */
function fixedTokenCredential (inner: TokenCredential, scope?: string): TokenCredential {
  return {
    getToken: async (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> =>
      await inner.getToken(scope ?? scopes, { abortSignal: options?.abortSignal })
  }
}

t.test('a token issued for a second configured tenant answers 401 AKV10032', async (t) => {
  const emu = await startEmulator(t)
  const tenantB = randomUUID()
  const b = emu.principals.add({ tenantId: tenantB })
  const credB = credentialFor(emu, { tenantId: tenantB, clientId: b.clientId, clientSecret: b.clientSecret })
  const err = await caught(clientFor(emu, fixedTokenCredential(credB)).getSecret('anything'))
  t.equal(err.statusCode, 401)
  t.equal(err.code, 'Unauthorized')
  t.match(err.message, new RegExp(`^AKV10032: Invalid issuer\\. Expected one of https://sts\\.windows\\.net/${emu.info.tenant_id}/, .*found https://sts\\.windows\\.net/${tenantB}/\\.$`))
})

t.test('a token for another audience answers 401 AKV10022', async (t) => {
  const emu = await startEmulator(t)
  const err = await caught(clientFor(emu, fixedTokenCredential(credentialFor(emu), 'https://management.azure.com/.default')).getSecret('x'))
  t.equal(err.statusCode, 401)
  t.match(err.message, /^AKV10022: Invalid audience\. Expected https:\/\/vault\.azure\.net, found: https:\/\/management\.azure\.com\.$/)
})

t.test('rotating a secret revokes issued tokens; clock shifts expire them', async (t) => {
  const emu = await startEmulator(t)
  const client = clientFor(emu)
  await client.setSecret('s', 'v')
  const oldSecret = emu.info.client_secret
  emu.principals.rotateSecret(emu.info.client_id, 'new-secret-value')
  const revoked = await caught(client.getSecret('s'))
  t.equal(revoked.statusCode, 401)
  t.match(revoked.message, /^AKV10000/)
  t.equal(emu.info.client_secret, 'new-secret-value', 'the info document follows the rotation')
  const stale = await caught(clientFor(emu, credentialFor(emu, { clientSecret: oldSecret })).getSecret('s'))
  t.match(stale.message, /AADSTS7000215/)
  const fresh = clientFor(emu)
  t.equal((await fresh.getSecret('s')).value, 'v')

  emu.clock.advance(2 * 3600_000)
  const expired = await caught(fresh.getSecret('s'))
  t.equal(expired.statusCode, 401)
  t.match(expired.message, /TokenExpired/)
  t.equal((await clientFor(emu).getSecret('s')).value, 'v', 'a new credential gets a token valid on the shifted clock')
})

t.test('validation limits and their errors', async (t) => {
  const emu = await startEmulator(t)
  const client = clientFor(emu)
  const bad = await caught(client.setSecret('bad_name', 'v'))
  t.equal(bad.statusCode, 400)
  t.equal(bad.code, 'BadParameter')
  t.equal(bad.message, 'The request URI contains an invalid name: bad_name')
  t.ok(await client.setSecret('n'.repeat(127), 'v'), '127-character names are fine')
  t.equal((await caught(client.setSecret('n'.repeat(128), 'v'))).statusCode, 400)

  t.equal((await client.setSecret('big', 'x'.repeat(25600))).value?.length, 25600)
  const tooBig = await caught(client.setSecret('big', 'x'.repeat(25601)))
  t.equal(tooBig.statusCode, 400)
  t.equal(tooBig.details?.error?.innerError?.code, 'SecretTooLarge')
  t.equal(tooBig.message, 'Secret is beyond the maximum permitted length of 25600 characters.')

  const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']))
  const tooMany = await caught(client.setSecret('tagged', 'v', { tags }))
  t.equal(tooMany.statusCode, 400)
  t.equal(tooMany.message, 'Property has invalid value')
  delete tags.k15
  t.ok(await client.setSecret('tagged', 'v', { tags }), '15 tags are fine')
  t.equal((await caught(client.setSecret('ct', 'v', { contentType: 'c'.repeat(256) }))).statusCode, 400)

  t.equal((await caught(client.getSecret('missing'))).code, 'SecretNotFound')
  t.match((await caught(client.getSecret('missing'))).message, /^A secret with \(name\/id\) missing was not found in this key vault\./)
  t.equal((await caught(client.getSecret('big', { version: '0'.repeat(32) }))).statusCode, 404)
  t.equal((await caught(client.purgeDeletedSecret('missing'))).message, 'Deleted Secret not found: missing')
})

t.test('certificate-backed (managed) secrets cannot be overwritten', async (t) => {
  const emu = await startEmulator(t)
  const client = clientFor(emu)
  emu.vault().putManagedSecret('web-cert', { value: 'MIIC...', kid: 'keys/web-cert/abc' })
  const got = await client.getSecret('web-cert')
  t.equal(got.properties.managed, true)
  t.equal(got.properties.contentType, 'application/x-pkcs12')
  t.equal(got.properties.certificateKeyId, `${emu.info.vault_uri}/keys/web-cert/abc`)
  const put = await caught(client.setSecret('web-cert', 'overwrite'))
  t.equal(put.statusCode, 409)
  t.equal(put.code, 'Conflict')
  t.match(put.message, /managed/)
})
