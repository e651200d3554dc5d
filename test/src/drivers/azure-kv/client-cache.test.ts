// The Azure client cache and its credentials, against the emulator with the real SDK, on a clock
// the test moves: a client unused for CLIENT_IDLE_MS is dropped (a rotated secret or a deleted
// destination used to keep its client, credential, agent and sockets for the life of the
// process); Entra refusing a credential is answered again for a minute without a token request
// (every retry of every association used to ask Entra); and the inner credential is built anew
// after CREDENTIAL_REQUEST_BOUND Entra requests (@azure/identity keeps a record per request).
import t from 'tap'
import type { AccessToken, TokenCredential } from '@azure/identity'
import { CLIENT_IDLE_MS, createAzureKvClients, type AzureKvConnection } from '../../../../src/drivers/azure-kv/azure-kv-client.js'
import { CREDENTIAL_REQUEST_BOUND, ENTRA_REFUSAL_MEMO_MS, withEntraAnswers, type EntraAnswers } from '../../../../src/drivers/azure-kv/entra-answers.js'
import type { AkvEmulator } from '../../../../src/akv-emulator/index.js'
import { startEmulator } from '../../../akv-emulator/helpers.js'

/** A cache on the emulator's authority and CA, on the clock `now`. */
function clientsOn (emu: AkvEmulator, now: () => number): ReturnType<typeof createAzureKvClients> {
  return createAzureKvClients({
    authorityHost: emu.info.authority_host,
    caFile: emu.info.ca_file,
    disableInstanceDiscovery: true,
    disableChallengeResourceVerification: true,
    allowLoopback: true,
    sdkMaxRetries: 0
  }, now)
}

/** The emulator's first principal and vault as a destination's connection. */
function connectionOf (emu: AkvEmulator, clientSecret = emu.info.client_secret): AzureKvConnection {
  return { keyVaultUri: emu.info.vault_uri, tenantId: emu.info.tenant_id, clientId: emu.info.client_id, clientSecret, cloud: 'public', network: { allowedIpv4: [], allowedIpv6: [], allowedPorts: [], disableStrictNetworking: false } }
}

/** Token requests the emulator received since `seq`. */
const tokenRequests = (emu: AkvEmulator, since: number): number => emu.requestLog({ since }).filter((e) => e.family === 'entra' && /token$/.test(e.path)).length

t.test('a client unused for CLIENT_IDLE_MS is dropped; one in use is kept', async (t) => {
  const emu = await startEmulator(t)
  let clock = 1_000_000
  const clients = clientsOn(emu, () => clock)
  const conn = connectionOf(emu)
  const first = await clients.clientFor(conn)
  await first.client.setSecret('cached', 'v1')
  clock += CLIENT_IDLE_MS / 2
  t.equal(await clients.clientFor(conn), first, 'used within the idle time: the same client')
  const rotated = await clients.clientFor(connectionOf(emu, 'a-rotated-secret'))
  clock += CLIENT_IDLE_MS + 1
  const again = await clients.clientFor(conn) // the sweep runs first: both were idle
  t.not(again, first, 'idle: a new client is built')
  t.not(await clients.clientFor(connectionOf(emu, 'a-rotated-secret')), rotated, 'the other idle one went too')
  t.equal((await again.client.getSecret('cached')).value, 'v1', 'the new client works')
  t.equal((await first.client.getSecret('cached')).value, 'v1', 'a call still holding the dropped client opens a new socket')
  first.close()
  again.close()
})

t.test('Entra refusing the credential: asked once a minute, not once per call', async (t) => {
  const emu = await startEmulator(t)
  let clock = 1_000_000
  const clients = clientsOn(emu, () => clock)
  const { client, close } = await clients.clientFor(connectionOf(emu, 'wrong-secret'))
  const from = emu.requestLog().at(-1)?.seq ?? 0
  for (let i = 0; i < 3; i++) await t.rejects(client.getSecret('any'), { message: /AADSTS7000215/ }, `call ${i + 1} refused`)
  t.equal(tokenRequests(emu, from), 1, 'one token request for three calls')
  clock += ENTRA_REFUSAL_MEMO_MS
  await t.rejects(client.getSecret('any'), { message: /AADSTS7000215/ })
  t.equal(tokenRequests(emu, from), 2, 'a minute later, Entra is asked again')
  close()
})

t.test('the inner credential is built anew after CREDENTIAL_REQUEST_BOUND Entra requests', async (t) => {
  const answers: EntraAnswers = {}
  let builds = 0
  // Each token request goes to Entra (as an expired token would), counted as the policy counts it.
  const build = (): TokenCredential => {
    builds++
    return { getToken: async (): Promise<AccessToken> => { answers.requests = (answers.requests ?? 0) + 1; return { token: 't', expiresOnTimestamp: 0 } } }
  }
  const credential = withEntraAnswers(build, answers)
  for (let i = 0; i < CREDENTIAL_REQUEST_BOUND; i++) await credential.getToken('scope')
  t.equal(builds, 1, `one credential for ${CREDENTIAL_REQUEST_BOUND} requests`)
  await credential.getToken('scope')
  t.equal(builds, 2, 'then a new one')
  t.equal(answers.requests, 1, 'its count starts over')
})
