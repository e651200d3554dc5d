// A token request Microsoft Entra ID fails for a while (503 temporarily_unavailable AADSTS90033,
// 429, a reset connection, no answer at all) is an outage, not a mistake of ours: the association
// is PENDING, then EXTERNAL_SERVICE_ERROR, retried with backoff and SYNCED as soon as Entra
// answers again (README "Sync statuses": "Key Vault or Entra keeps failing"). Entra refusing the
// credentials (wrong secret AADSTS7000215, unknown application AADSTS700016) stays
// CLIENT_SIDE_ERROR. Before, every token failure was CLIENT_SIDE_ERROR and waited
// VAULT_SYNC_CLIENT_ERROR_RETRY (10 minutes, kept here) before the next try.
import t, { type Test } from 'tap'
import type { FaultAction } from '../../src/akv-emulator/faults.js'
import { startSyncTestbed, type SyncTestbed } from '../sync-testbed.js'

const TOKEN_PATH = 'oauth2/v2.0/token$'

async function testbed (t: Test): Promise<SyncTestbed> {
  const tb = await startSyncTestbed(t, { env: { VAULT_SYNC_CLIENT_ERROR_RETRY: '10m', VAULT_SYNC_AZURE_REQUEST_TIMEOUT: '300ms' } })
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app', { v: 1 })
  return tb
}

/**
 * Polls `app`'s entry on d1 every 25 ms until `done` holds (or `timeoutMs` passes); returns the
 * statuses seen, each with its message, in order and without repeats.
 */
async function watch (tb: SyncTestbed, done: (e: { sync_status: string, message?: string }) => boolean, timeoutMs = 20_000): Promise<Array<{ sync_status: string, message?: string }>> {
  const seen: Array<{ sync_status: string, message?: string }> = []
  const until = Date.now() + timeoutMs
  for (;;) {
    const e = await tb.entry('d1', 'app')
    if (e !== undefined && (seen.at(-1)?.sync_status !== e.sync_status || seen.at(-1)?.message !== e.message)) seen.push({ sync_status: e.sync_status, message: e.message })
    if (e !== undefined && done(e)) return seen
    if (Date.now() > until) return seen
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

// After a 429 or 5xx, MSAL answers the credential's token requests from its throttling cache,
// without asking Entra, for 60 s (msal-common ThrottlingUtils; it misses Entra's Retry-After,
// which @azure/identity hands it lower-cased): those cases do not wait for the way back here.
const TRANSIENT: Array<[string, FaultAction, RegExp, boolean]> = [
  ['503 temporarily_unavailable (AADSTS90033)', { status: 503, code: 'temporarily_unavailable' }, /Entra.*\(HTTP 503\).*AADSTS90033/, false],
  // The HTTP status decides, whatever OAuth error code the body names (MSAL's cached answers name none).
  ['429 with Retry-After', { status: 429, code: 'invalid_request', retryAfterSec: 1 }, /Entra.*\(HTTP 429\)/, false],
  ['a reset connection', { reset: true }, /Entra.*no answer/, true],
  ['no answer at all (the request timeout, 300 ms here)', { latencyMs: 400_000 }, /Entra.*no answer: no response from .* within 300ms/, true]
]

for (const [what, action, message, waitForRecovery] of TRANSIENT) {
  t.test(`token endpoint failing with ${what}: PENDING, then EXTERNAL_SERVICE_ERROR${waitForRecovery ? ', SYNCED once Entra answers' : ''}`, async (t) => {
    const tb = await testbed(t)
    tb.emu.faults.add({ match: { pathRegex: TOKEN_PATH }, action, mode: { untilCleared: true } })
    await tb.set('d1', 'app')
    const seen = await watch(tb, (e) => e.sync_status === 'EXTERNAL_SERVICE_ERROR' || e.sync_status === 'CLIENT_SIDE_ERROR')
    const statuses = seen.map((e) => e.sync_status)
    t.notOk(statuses.includes('CLIENT_SIDE_ERROR'), `never CLIENT_SIDE_ERROR (${JSON.stringify(seen.at(-1))})`)
    t.equal(statuses.at(-1), 'EXTERNAL_SERVICE_ERROR', 'EXTERNAL_SERVICE_ERROR once it keeps failing')
    t.match(seen.find((e) => e.sync_status === 'PENDING' && e.message !== undefined)?.message, message, 'PENDING first, saying why')
    t.match(seen.at(-1)?.message, message)
    tb.emu.faults.clear()
    if (!waitForRecovery) return
    const after = await watch(tb, (e) => e.sync_status === 'SYNCED')
    t.equal(after.at(-1)?.sync_status, 'SYNCED', 'synced once Entra answers, without waiting VAULT_SYNC_CLIENT_ERROR_RETRY')
    t.equal(tb.latest('app')?.value, '{"v":1}')
  })
}

t.test('Entra refusing the credentials stays CLIENT_SIDE_ERROR', async (t) => {
  const tb = await testbed(t)
  tb.emu.principals.rotateSecret(tb.emu.info.client_id) // the destination's secret now answers 401 invalid_client
  await tb.set('d1', 'app')
  const seen = await watch(tb, (e) => e.sync_status !== 'PENDING' && e.sync_status !== 'SYNCING')
  t.match(seen.at(-1), { sync_status: 'CLIENT_SIDE_ERROR', message: /AADSTS7000215/ }, 'wrong client secret')

  await tb.destination('d2', { secret_name_template: '{{ .SecretBaseName }}-2', client_id: '00000000-0000-0000-0000-0000000000aa' })
  await tb.set('d2', 'app')
  await tb.settle()
  t.match(await tb.entry('d2', 'app'), { sync_status: 'CLIENT_SIDE_ERROR', message: /AADSTS700016/ }, 'unknown application')
})
