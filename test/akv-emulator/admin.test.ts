// The admin API under /_emulator (decisions D-5, D-31): its own token, fault rules (errors, resets,
// latency, Entra faults), principals (add, rotate, disable), vault policy (firewall, RBAC,
// governance), recovery settings, managed secrets, the request log and the clock — each checked
// through what the real SDK then surfaces.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { clientFor, credentialFor, POLL, startEmulator } from './helpers.js'
import { adminClient, rawClient } from './raw.js'

type SdkError = { name?: string, statusCode?: number, code?: string, message?: string, details?: { error?: { innerError?: { code?: string } } } }
const caught = async (p: Promise<unknown>): Promise<SdkError> => await p.then(() => ({ name: 'no error' }), (e: unknown) => e as SdkError)

t.test('admin token, info, faults over HTTP', async (t) => {
  const emu = await startEmulator(t)
  const admin = adminClient(t, emu)
  const raw = rawClient(t, emu)
  t.equal((await raw('GET', `${emu.info.admin_url}/info`)).status, 401, 'no token')
  t.equal((await raw('GET', `${emu.info.admin_url}/info`, { token: 'wrong' })).status, 401, 'wrong token')
  t.same((await admin('GET', '/info')).body, emu.info)

  const bad = await admin('POST', '/faults', { action: { status: 200 } })
  t.equal(bad.status, 400)
  t.equal(bad.body.error.code, 'BadParameter')
  t.equal((await admin('POST', '/faults', { match: { pathRegex: '(' }, action: { status: 500 } })).status, 400, 'a bad regex is a 400')

  const client = clientFor(emu)
  await client.setSecret('s', 'v')
  const added = await admin('POST', '/faults', {
    match: { method: 'GET', pathRegex: '^/secrets/s', vault: 'vault1' },
    action: { status: 503, code: 'ServiceUnavailable', innerCode: 'Maintenance', message: 'down for a bit' },
    mode: { next: 1 }
  })
  t.equal(added.status, 201)
  t.match(added.body, { id: /\S+/, mode: { next: 1 }, hits: 0 })
  const e503 = await caught(client.getSecret('s'))
  t.equal(e503.statusCode, 503)
  t.equal(e503.code, 'ServiceUnavailable')
  t.equal(e503.message, 'down for a bit')
  t.equal(e503.details?.error?.innerError?.code, 'Maintenance')
  t.same((await admin('GET', '/faults')).body, { rules: [] }, 'a {next: 1} rule is gone after one hit')

  await admin('POST', '/faults', { match: { method: 'GET' }, action: { reset: true }, mode: { next: 1 } })
  const reset = await caught(client.getSecret('s'))
  t.match(reset.code ?? reset.message, /ECONNRESET|socket hang up/i, 'reset: the socket closes with no response')
  t.equal(emu.requestLog().at(-1)?.outcome, 'reset')

  await admin('POST', '/faults', { match: { method: 'GET' }, action: { latencyMs: 30 }, mode: { untilCleared: true } })
  t.equal((await client.getSecret('s')).value, 'v', 'latency alone delays, then the call proceeds')
  t.equal((await admin('DELETE', '/faults')).status, 204)
  t.same((await admin('GET', '/faults')).body, { rules: [] })

  await admin('POST', '/faults', { match: { pathRegex: '/oauth2/v2.0/token$' }, action: { status: 400, code: 'invalid_request', message: 'nope' } })
  const entra = await caught(clientFor(emu).getSecret('s'))
  t.match(entra.message, /invalid_request/, 'a path rule reaches Entra, with an Entra error body')
})

t.test('principals: add in a second tenant, rotate, disable', async (t) => {
  const emu = await startEmulator(t)
  const admin = adminClient(t, emu)
  const tenantB = randomUUID()
  const added = await admin('POST', '/principals', { tenantId: tenantB, clientId: 'app-b', clientSecret: 'secret-b' })
  t.equal(added.status, 201)
  t.match(added.body, { tenantId: tenantB, clientId: 'app-b', clientSecret: 'secret-b', enabled: true })
  const listed = (await admin('GET', '/principals')).body.principals as Array<Record<string, unknown>>
  t.equal(listed.length, 2)
  t.ok(listed.every((p) => !('clientSecret' in p)), 'lists never show secrets')
  const tokenB = await credentialFor(emu, { tenantId: tenantB, clientId: 'app-b', clientSecret: 'secret-b' }).getToken('https://vault.azure.net/.default')
  t.ok(tokenB?.token)

  const client = clientFor(emu)
  await client.setSecret('s', 'v')
  const rotated = await admin('POST', `/principals/${emu.info.client_id}/rotate-secret`, {})
  t.equal(rotated.status, 200)
  t.equal(rotated.body.clientSecret, emu.info.client_secret)
  t.match((await caught(client.getSecret('s'))).message, /^AKV10000/, 'tokens issued before the rotation are revoked')
  const fresh = clientFor(emu)
  t.equal((await fresh.getSecret('s')).value, 'v')

  const disabled = await admin('DELETE', `/principals/${emu.info.client_id}`)
  t.equal(disabled.body.enabled, false)
  t.equal((await caught(fresh.getSecret('s'))).statusCode, 401)
  t.match((await caught(clientFor(emu).getSecret('s'))).message, /AADSTS7000112/)
  t.equal((await admin('POST', '/principals/nobody/rotate-secret', {})).status, 404)
})

t.test('policy: firewall, RBAC deny, governance; recovery settings', async (t) => {
  const emu = await startEmulator(t)
  const admin = adminClient(t, emu)
  const client = clientFor(emu)
  await client.setSecret('s', 'v', { contentType: 'text/plain' })

  t.equal((await admin('PATCH', '/vaults/vault1/settings', { policy: { firewall: { enabled: true, allow: ['10.0.0.0/8'] } } })).status, 200)
  const fw = await caught(client.getSecret('s'))
  t.equal(fw.statusCode, 403)
  t.equal(fw.details?.error?.innerError?.code, 'ForbiddenByFirewall')
  t.match(fw.message, /Client address: 127\.0\.0\.1/)
  await admin('PATCH', '/vaults/vault1/settings', { policy: { firewall: { allow: ['127.0.0.1'] } } })
  t.equal((await client.getSecret('s')).value, 'v')
  t.equal((await admin('PATCH', '/vaults/vault1/settings', { policy: { firewall: { allow: ['not-an-ip'] } } })).status, 400)

  await admin('PATCH', '/vaults/vault1/settings', { policy: { rbacDenies: [{ principal: emu.info.client_id, dataAction: 'Microsoft.KeyVault/vaults/secrets/purge/action' }] } })
  await (await client.beginDeleteSecret('s', POLL)).pollUntilDone()
  const rbac = await caught(client.purgeDeletedSecret('s'))
  t.equal(rbac.statusCode, 403)
  t.equal(rbac.details?.error?.innerError?.code, 'ForbiddenByRbac')
  t.match(rbac.message, /Action: 'Microsoft\.KeyVault\/vaults\/secrets\/purge\/action'/)
  await admin('PATCH', '/vaults/vault1/settings', { policy: { rbacDenies: [] } })
  await client.purgeDeletedSecret('s')

  await admin('PATCH', '/vaults/vault1/settings', { policy: { requireContentType: true } })
  const gov = await caught(client.setSecret('g', 'v'))
  t.equal(gov.statusCode, 403)
  t.equal(gov.details?.error?.innerError?.code, 'ForbiddenByGovernancePolicy')
  t.equal(gov.message, 'Operation "set" is denied by policy: secret contentType is required')
  t.ok(await client.setSecret('g', 'v', { contentType: 'text/plain' }))

  await admin('PATCH', '/vaults/vault1/settings', { purgeProtection: true, recoverableDays: 7 })
  const g2 = await (await client.beginDeleteSecret('g', POLL)).pollUntilDone()
  t.equal(g2.properties.recoveryLevel, 'CustomizedRecoverable')
  t.equal(g2.scheduledPurgeDate!.getTime() - g2.deletedOn!.getTime(), 7 * 86400_000)
  const prot = await caught(client.purgeDeletedSecret('g'))
  t.equal(prot.statusCode, 403)
  t.match(prot.message, /purge protection is enabled/)

  await admin('PATCH', '/vaults/vault1/settings', { recoverableDays: 0, purgeProtection: false })
  await client.setSecret('h', 'v', { contentType: 'text/plain' })
  const hard = await (await client.beginDeleteSecret('h', POLL)).pollUntilDone()
  t.equal(hard.recoveryId, undefined, 'Purgeable: DELETE is final and carries no recoveryId')
  t.equal((await caught(client.getDeletedSecret('h'))).statusCode, 404)
  t.equal((await admin('PATCH', '/vaults/vault1/settings', { recoverableDays: 3 })).status, 400)
  t.equal((await admin('GET', '/vaults/nope/settings')).status, 404)
})

t.test('managed secrets, request log, clock', async (t) => {
  const emu = await startEmulator(t)
  const admin = adminClient(t, emu)
  const made = await admin('POST', '/vaults/vault1/secrets/tls-cert', { managed: true, contentType: 'application/x-pkcs12', kid: 'https://example.vault.azure.net/keys/tls-cert/1' })
  t.equal(made.status, 201)
  const client = clientFor(emu)
  const got = await client.getSecret('tls-cert')
  t.equal(got.properties.managed, true)
  t.equal(got.properties.certificateKeyId, 'https://example.vault.azure.net/keys/tls-cert/1')
  t.equal((await caught(client.setSecret('tls-cert', 'x'))).statusCode, 409)

  await client.setSecret('plain', 'top-secret-value')
  const log = await admin('GET', '/requests?since=0')
  t.ok(log.body.entries.length >= 4)
  t.equal(log.body.last_seq, log.body.entries.at(-1).seq)
  t.notMatch(JSON.stringify(log.body), /top-secret-value/, 'values never reach the request log')
  t.notMatch(JSON.stringify(log.body), new RegExp(emu.info.client_secret.replace(/[^\w]/g, '.')), 'nor client secrets')
  const since = log.body.last_seq as number
  await client.getSecret('plain')
  const later = (await admin('GET', `/requests?since=${since}`)).body.entries
  t.match(later, [{ operation: 'GetSecret', dataAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action', principal: emu.info.client_id, status: 200, vault: 'vault1', secretName: 'plain' }])
  t.equal((await admin('DELETE', '/requests')).status, 204)

  const inspected = await admin('GET', '/vaults/vault1/secrets/PLAIN')
  t.match(inspected.body, { state: 'active', secret: { name: 'plain', versions: [{ value: 'top-secret-value', enabled: true }] } }, 'stored state, value included')
  t.equal((await admin('GET', '/vaults/vault1/secrets')).body.secrets.length, 2)
  await (await client.beginDeleteSecret('plain', POLL)).pollUntilDone()
  t.equal(emu.vault().inspectSecret('plain')?.state, 'deleted')
  t.equal((await admin('GET', '/vaults/vault1/secrets/absent')).status, 404)
  const clock = await admin('POST', '/clock', { advanceMs: 91 * 86400_000 })
  t.equal(clock.body.offset_ms, 91 * 86400_000)
  const fresh = clientFor(emu) // tokens issued before the shift have expired on the emulator clock
  t.equal((await caught(fresh.getDeletedSecret('plain'))).statusCode, 404, 'past scheduledPurgeDate the deleted secret is purged')
  t.ok(await fresh.setSecret('plain', 'reborn'), 'and the name is free again')
})
