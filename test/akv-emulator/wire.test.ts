// Wire details the SDKs hide (spec/azure-keyvault-api.md §1-§2, §5-§6): the exact challenge, error
// bodies for bad input of every kind, api-version handling, paging links, Host echo in ids, and the
// Entra documents. Raw HTTPS against the emulator; it must answer JSON errors and never crash.
import t from 'tap'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { credentialFor, startEmulator } from './helpers.js'
import { rawClient } from './raw.js'

t.test('Key Vault wire', async (t) => {
  const emu = await startEmulator(t)
  const raw = rawClient(t, emu)
  const tenant = emu.info.tenant_id
  const token = (await credentialFor(emu).getToken('https://vault.azure.net/.default'))!.token

  const challenge = await raw('PUT', '/secrets/x?api-version=7.5', { body: { value: 'v' } })
  t.equal(challenge.status, 401)
  t.equal(challenge.headers['www-authenticate'], `Bearer authorization="${emu.info.vault_uri}/${tenant}", resource="https://vault.azure.net"`)
  t.same(challenge.body, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } })
  t.match(challenge.headers['content-type'], /^application\/json/)
  t.equal((await raw('PUT', '/secrets/x?api-version=7.5', { body: '{broken', token: 'not.a.jwt' })).status, 401, 'garbage tokens are challenged, body unread')

  const put = await raw('PUT', '/secrets/Wire?api%2Dversion=2025-07-01', { body: { value: 'ünïcødé ✓', attributes: { exp: 1900000000 } }, token })
  t.equal(put.status, 200, 'the percent-encoded api-version key is accepted, as the JS SDK sends it')
  t.equal(put.body.value, 'ünïcødé ✓')
  t.match(put.body.id, new RegExp(`^${emu.info.vault_uri}/secrets/Wire/[0-9a-f]{32}$`))
  t.equal(put.body.attributes.exp, 1900000000)
  t.ok(Number.isInteger(put.body.attributes.created) && put.body.attributes.created < 1e11, 'dates are unix seconds')
  t.ok(typeof put.headers['x-ms-request-id'] === 'string')

  const port = new URL(emu.info.vault_uri).port
  const viaLocalhost = await raw('GET', '/secrets/wire?api-version=7.5', { token, headers: { host: `localhost:${port}` } })
  t.match(viaLocalhost.body.id, new RegExp(`^https://localhost:${port}/secrets/Wire/`), 'ids echo the Host the client used')
  t.equal((await raw('GET', '/secrets/wire/?api-version=7.5', { token })).status, 200, 'the SDK form with a trailing slash')
  const patched = await raw('PATCH', '/secrets/wire/?api-version=7.5', { body: { contentType: 'text/x' }, token })
  t.equal(patched.body.contentType, 'text/x')
  t.equal(patched.body.value, undefined, 'PATCH answers without the value')

  const cases: Array<[string, string, unknown, number, RegExp]> = [
    ['PUT', '/secrets/x', { value: 'v' }, 400, /api-version/],
    ['PUT', '/secrets/x?api-version=7.5', '{not json', 400, /not valid JSON/],
    ['PUT', '/secrets/x?api-version=7.5', '[1,2]', 400, /JSON object/],
    ['PUT', '/secrets/x?api-version=7.5', {}, 400, /"value" is required/],
    ['PUT', '/secrets/x?api-version=7.5', { value: 5 }, 400, /invalid value/],
    ['PUT', '/secrets/x?api-version=7.5', { value: 'v', attributes: { enabled: 'yes' } }, 400, /invalid value/],
    ['PUT', '/secrets/x?api-version=7.5', { value: 'v', tags: { k: 1 } }, 400, /invalid value/],
    ['PUT', '/secrets/a.b?api-version=7.5', { value: 'v' }, 400, /invalid name: a\.b/],
    ['GET', '/secrets?api-version=7.5&maxresults=26', undefined, 400, /maxresults/],
    ['GET', '/secrets?api-version=7.5&maxresults=0', undefined, 400, /maxresults/],
    ['GET', '/secrets?api-version=7.5&$skiptoken=%%%', undefined, 400, /skiptoken|valid url/],
    ['GET', '/secrets/wire/not-a-version!?api-version=7.5', undefined, 404, /was not found/],
    ['GET', '/nothing/here?api-version=7.5', undefined, 404, /not supported/],
    ['POST', '/secrets/restore?api-version=7.5', { value: 'AAAA' }, 400, /invalid or corrupt/],
    ['GET', '/secrets/%E0%A4%A?api-version=7.5', undefined, 400, /./]
  ]
  for (const [method, path, body, status, message] of cases) {
    const r = await raw(method, path, { body, token })
    t.equal(r.status, status, `${method} ${path} → ${status}`)
    t.match(r.body?.error?.message, message, `${method} ${path}: Azure error body`)
    t.type(r.body?.error?.code, 'string')
  }

  for (let i = 0; i < 5; i++) await raw('PUT', `/secrets/page-${i}?api-version=7.5`, { body: { value: 'v' }, token })
  const names: string[] = []
  let next: string | null = `${emu.info.vault_uri}/secrets?api-version=7.5&maxresults=2`
  let pages = 0
  while (next !== null) {
    const page = await raw('GET', next, { token })
    t.equal(page.status, 200)
    for (const item of page.body.value) {
      names.push(item.id.split('/').pop())
      t.notOk('value' in item)
    }
    next = page.body.nextLink
    if (next !== null) t.match(next, new RegExp(`^${emu.info.vault_uri}/secrets\\?.*\\$skiptoken=`), 'nextLink is absolute with a $skiptoken')
    pages++
  }
  t.equal(pages, 3)
  t.same(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'Wire'])
  t.equal((await raw('GET', '/secrets/x?api-version=7.5', { token })).status, 404, 'still serving after all that')
})

t.test('Entra wire', async (t) => {
  const emu = await startEmulator(t)
  const raw = rawClient(t, emu)
  const tenant = emu.info.tenant_id
  const config = await raw('GET', `/${tenant}/v2.0/.well-known/openid-configuration`)
  t.equal(config.status, 200)
  t.match(config.body, {
    token_endpoint: `${emu.info.authority_host}/${tenant}/oauth2/v2.0/token`,
    authorization_endpoint: String,
    issuer: String,
    jwks_uri: `${emu.info.authority_host}/${tenant}/discovery/v2.0/keys`
  })
  const unknown = await raw('GET', '/00000000-0000-0000-0000-000000000001/v2.0/.well-known/openid-configuration')
  t.equal(unknown.status, 400)
  t.equal(unknown.body.error, 'invalid_request')
  t.same(unknown.body.error_codes, [90002])

  const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString()
  const post = async (body: string, headers: Record<string, string> = {}, tenantId = tenant) =>
    await raw('POST', `/${tenantId}/oauth2/v2.0/token`, { body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } })
  const good = { grant_type: 'client_credentials', client_id: emu.info.client_id, client_secret: emu.info.client_secret, scope: 'https://vault.azure.net/.default' }

  const ok = await post(form(good))
  t.equal(ok.status, 200)
  t.match(ok.body, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: String })
  const jwks = (await raw('GET', `/${tenant}/discovery/v2.0/keys`)).body
  const { payload } = await jwtVerify(ok.body.access_token, createLocalJWKSet(jwks), { audience: 'https://vault.azure.net', issuer: `https://sts.windows.net/${tenant}/` })
  t.match(payload, { tid: tenant, appid: emu.info.client_id, idtyp: 'app' }, 'the token verifies against the published JWKS')

  const basic = Buffer.from(`${emu.info.client_id}:${emu.info.client_secret}`).toString('base64')
  t.equal((await post(form({ grant_type: 'client_credentials', scope: good.scope }), { authorization: `Basic ${basic}` })).status, 200, 'HTTP Basic client auth')

  const errors: Array<[Record<string, string>, number, string, number]> = [
    [{ ...good, client_secret: 'wrong' }, 401, 'invalid_client', 7000215],
    [{ ...good, client_secret: '' }, 401, 'invalid_client', 7000216],
    [{ ...good, client_id: 'who' }, 400, 'unauthorized_client', 700016],
    [{ ...good, grant_type: 'password' }, 400, 'unsupported_grant_type', 70003],
    [{ ...good, scope: 'https://vault.azure.net' }, 400, 'invalid_scope', 1002012],
    [{ grant_type: 'client_credentials' }, 400, 'invalid_request', 900144]
  ]
  for (const [fields, status, error, code] of errors) {
    const r = await post(form(fields))
    t.equal(r.status, status, `${error} ${code}`)
    t.equal(r.body.error, error)
    t.same(r.body.error_codes, [code])
    t.match(r.body.error_description, new RegExp(`^AADSTS${code}: `))
  }
  const unknownTenant = await post(form(good), {}, 'not-a-tenant')
  t.equal(unknownTenant.status, 400)
  t.same(unknownTenant.body.error_codes, [90002])
  t.equal((await post('%%%garbage')).status, 400, 'a garbage form is a 400, not a crash')
})
