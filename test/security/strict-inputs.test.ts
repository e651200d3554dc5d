// Issue 13 findings 2 and 8: a wrong-typed credential is refused without being echoed (in the
// answer and the audit log), and token/policy/destination fields are strictly typed.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, tempDir, vault } from '../helper.js'
import { AZURE_BODY, createAzureDestination, json, mergePatch } from '../sync-fixtures.js'

const PLANTED = 's3cret-pl4nted-value'

t.test('finding 2: a wrong-typed client_secret is a 400 that never quotes it, in the answer or the audit log', async (t) => {
  const auditFile = join(tempDir(t), 'audit.log')
  const { app } = await startTestServer(t, { VAULT_SYNC_AUDIT_FILE: auditFile })
  t.ok([200, 204].includes((await createAzureDestination(app, 'd1')).statusCode))
  const shapes: unknown[] = [[PLANTED], { v: PLANTED }, [[PLANTED]], [{ a: PLANTED }]]
  for (const shape of shapes) {
    for (const field of ['client_secret', 'client_id', 'tenant_id', 'key_vault_uri', 'cloud', 'granularity', 'secret_name_template']) {
      const put = await vault(app, 'PUT', '/v1/sys/sync/destinations/azure-kv/d2', { body: { ...AZURE_BODY, [field]: shape } })
      t.equal(put.statusCode, 400, `PUT ${field}`)
      t.match(json(put).errors[0], field)
      t.notMatch(put.body, PLANTED, `PUT ${field}: not echoed`)
      const patch = await mergePatch(app, '/v1/sys/sync/destinations/azure-kv/d1', { [field]: shape })
      t.equal(patch.statusCode, 400, `PATCH ${field}`)
      t.notMatch(patch.body, PLANTED, `PATCH ${field}: not echoed`)
    }
  }
  for (const value of [`${PLANTED}`, [`${PLANTED}`], 'a,b']) {
    const res = await createAzureDestination(app, 'd3', { custom_tags: value })
    t.equal(res.statusCode, 400, 'a tag pair without "="')
    t.notMatch(res.body, PLANTED)
  }
  const kv = await vault(app, 'POST', '/v1/secret/data/x', { body: { data: { a: 1 }, options: { cas: [PLANTED] } } })
  t.equal(kv.statusCode, 400)
  t.notMatch(kv.body, PLANTED)
  const meta = await vault(app, 'POST', '/v1/secret/metadata/x', { body: { max_versions: PLANTED, delete_version_after: [PLANTED] } })
  t.equal(meta.statusCode, 400)
  t.notMatch(meta.body, PLANTED)
  const badJson = await vault(app, 'POST', '/v1/secret/data/x', { body: `{"data":{"a":"${PLANTED}"}` })
  t.equal(badJson.statusCode, 400)
  t.notMatch(badJson.body, PLANTED, 'a JSON syntax error does not quote the body')
  await app.close()
  t.notMatch(readFileSync(auditFile, 'utf8'), PLANTED, 'the audit log never holds the value in clear')
})

t.test('finding 8: token fields are strictly typed', async (t) => {
  const { app } = await startTestServer(t)
  const created = await vault(app, 'POST', '/v1/auth/token/create', { body: { id: ['x'] } })
  t.equal(created.statusCode, 400, 'id: ["x"] is refused, not a random id')
  t.match(json(created).errors[0], /field "id"/)
  for (const field of ['display_name', 'type', 'policies', 'meta', 'num_uses', 'ttl', 'renewable']) {
    const res = await vault(app, 'POST', '/v1/auth/token/create', { body: { [field]: [{ x: 1 }] } })
    t.equal(res.statusCode, 400, `create ${field}: [{…}]`)
  }
  for (const path of ['lookup', 'revoke']) {
    const res = await vault(app, 'POST', `/v1/auth/token/${path}`, { body: { token: ['root-test-token'] } })
    t.equal(res.statusCode, 400, `${path} {"token": [..]} is refused, never acts on the caller`)
    t.match(json(res).errors[0], /field "token"/)
  }
  const self = await vault(app, 'GET', '/v1/auth/token/lookup-self')
  t.equal(self.statusCode, 200, 'the root token is still alive')
})

t.test('finding 8: key_vault_uri host and port, policy names', async (t) => {
  const { app } = await startTestServer(t)
  for (const uri of [`https://${'a'.repeat(70_000)}.vault.azure.net`, `https://${'a.'.repeat(127)}net`, 'https://kv.vault.azure.net:0', 'https://kv.vault.azure.net:00', 'https://kv.vault.azure.net:65536']) {
    const res = await createAzureDestination(app, 'u1', { key_vault_uri: uri })
    t.equal(res.statusCode, 400, `${uri.slice(0, 40)}… (${uri.length} chars)`)
    t.match(json(res).errors[0], /^key_vault_uri /)
  }
  t.ok([200, 204].includes((await createAzureDestination(app, 'u2', { key_vault_uri: 'https://kv.vault.azure.net:8443' })).statusCode), 'port 8443 is fine')
  const list = await vault(app, 'GET', '/v1/sys/sync/destinations?list=true')
  t.same(Object.keys(json(list).data.key_info ?? {}).length <= 1 ? 'ok' : json(list).data, 'ok', 'only the valid destination was stored')
  const policy = { policy: 'path "secret/*" { capabilities = ["read"] }' }
  for (const url of ['/v1/sys/policies/acl/..%2Fp', '/v1/sys/policies/acl/a%01b', '/v1/sys/policy/..%2Fp', `/v1/sys/policies/acl/${'p'.repeat(300)}`]) {
    const res = await vault(app, 'PUT', url, { body: policy })
    t.equal(res.statusCode, 400, `PUT ${url.slice(0, 40)}`)
  }
  const names = json(await vault(app, 'GET', '/v1/sys/policies/acl?list=true')).data.keys as string[]
  t.same(names.sort(), ['default', 'root'], 'no policy was stored')
})
