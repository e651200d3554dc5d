// Field reports of the sync API (docs/cases/field-reports.md): FR-04, FR-06, FR-07 (entries),
// FR-08, FR-09, FR-10, FR-11 (a), FR-16, through the HTTP API on a real SQLite file.
import t from 'tap'
import { startTestServer, vault } from '../helper.js'
import { AZURE_BODY, createAzureDestination, json, mergePatch, putSecret } from '../sync-fixtures.js'
import { parseNameTemplate, renderNameTemplate, templateFields } from '../../src/sync/name-template.js'
import { toAzureName } from '../../src/drivers/azure-kv/azure-kv-names.js'

const D = '/v1/sys/sync/destinations/azure-kv'

t.test('FR-04: a secret-key template without SecretKey is rejected with Vault\'s text; nothing stored', async (t) => {
  const { app } = await startTestServer(t)
  const res = await createAzureDestination(app, 'd1', { granularity: 'secret-key', secret_name_template: '{{ .SecretBaseName }}' })
  t.equal(res.statusCode, 400)
  t.same(json(res), { errors: ['secret name template is invalid: external name template should contain reference to the secret key'] })
  t.equal((await vault(app, 'GET', `${D}/d1`)).statusCode, 404)
  t.equal((await vault(app, 'GET', '/v1/sys/sync/destinations?list=true')).statusCode, 404)
  // PATCH to secret-key keeping a template without SecretKey is checked on the merged config.
  t.equal((await createAzureDestination(app, 'path', { granularity: 'secret-path', secret_name_template: '{{ .SecretBaseName }}' })).statusCode, 200)
  const patch = await mergePatch(app, `${D}/path`, { granularity: 'secret-key' })
  t.equal(patch.statusCode, 400)
  t.same(json(patch).errors, ['secret name template is invalid: external name template should contain reference to the secret key'])
  const ok = await createAzureDestination(app, 'keys', { granularity: 'secret-key', secret_name_template: '{{ .SecretKey }}' })
  t.equal(ok.statusCode, 200)
  t.equal(json(ok).data.options.secret_name_template, '{{ .SecretKey }}')
  // The template yields bare key names, with no vault_kv_ prefix.
  const rendered = renderNameTemplate(parseNameTemplate('{{ .SecretKey }}'), templateFields({
    destinationType: 'azure-kv', destinationName: 'keys', mountPath: 'secret/', mountAccessor: 'kv_1234', secretPath: 'app/api', secretKey: 'db_pass'
  }))
  t.same(toAzureName(rendered), { name: 'db-pass' })
})

t.test('FR-06: set then an immediate read finds accessor + nested secret_name, matching sys/mounts', async (t) => {
  const { app } = await startTestServer(t)
  await vault(app, 'POST', '/v1/sys/mounts/kv', { body: { type: 'kv-v2' } })
  await createAzureDestination(app, 'd1')
  await putSecret(app, 'kv', 'gai/secret/aihub', { token: 't' })
  const set = await vault(app, 'PUT', `${D}/d1/associations/set`, { body: { mount: 'kv', secret_name: 'gai/secret/aihub' } })
  t.equal(set.statusCode, 200)
  const [assocs, mount] = await Promise.all([vault(app, 'GET', `${D}/d1/associations`), vault(app, 'GET', '/v1/sys/mounts/kv')])
  const accessor = json(mount).data.accessor as string
  t.match(accessor, /^kv_[0-9a-f]{8}$/)
  const entries = json(assocs).data.associated_secrets as Record<string, Record<string, string>>
  const matching = Object.entries(entries).filter(([, e]) => e.accessor === accessor && e.secret_name === 'gai/secret/aihub')
  t.equal(matching.length, 1)
  t.equal(matching[0][0], `${accessor}/gai/secret/aihub`)
  t.same(matching[0][1], { accessor, mount: 'kv', secret_name: 'gai/secret/aihub', sync_status: 'PENDING', updated_at: matching[0][1].updated_at })
})

t.test('FR-07: secret-key associations list one entry per top-level key', async (t) => {
  const { app } = await startTestServer(t)
  await createAzureDestination(app, 'd1', { granularity: 'secret-key' })
  await putSecret(app, 'secret', 'tok', { dev: 'a', prod: 'b' })
  const accessor = json(await vault(app, 'GET', '/v1/sys/mounts/secret')).data.accessor as string
  await vault(app, 'PUT', `${D}/d1/associations/set`, { body: { mount: 'secret', secret_name: 'tok' } })
  const entries = json(await vault(app, 'GET', `${D}/d1/associations`)).data.associated_secrets as Record<string, Record<string, string>>
  t.same(Object.keys(entries).sort(), [`${accessor}/tok/dev`, `${accessor}/tok/prod`])
  for (const key of ['dev', 'prod']) {
    const e = entries[`${accessor}/tok/${key}`]
    t.same(Object.keys(e).sort(), ['accessor', 'mount', 'secret_name', 'sub_key', 'sync_status', 'updated_at'])
    t.match(e, { accessor, secret_name: 'tok', sub_key: key, sync_status: 'PENDING' })
  }
  const of = json(await vault(app, 'GET', '/v1/sys/sync/associations/destinations?mount=secret&secret_name=tok')).data
  t.same(Object.keys(of.associated_destinations), ['azure-kv/d1'], 'still one association')
})

t.test('FR-08: cloud=cloud is accepted and a fresh destination reads back 200 with every field', async (t) => {
  const { app } = await startTestServer(t)
  const res = await createAzureDestination(app, 'd1', { cloud: 'cloud', subscription_id: 'ignored' })
  t.equal(res.statusCode, 200)
  const read = await vault(app, 'GET', `${D}/d1`)
  t.equal(read.statusCode, 200)
  const data = json(read).data
  t.same(data.connection_details, {
    client_id: AZURE_BODY.client_id, client_secret: '*****', cloud: 'cloud', key_vault_uri: AZURE_BODY.key_vault_uri, tenant_id: AZURE_BODY.tenant_id
  })
  t.equal(data.options.granularity_level, 'secret-path')
  t.ok(data.options.secret_name_template.length > 0)
  t.same(data.options.custom_tags, {})
  t.notMatch(read.body, /subscription_id|ignored/)
})

t.test('FR-09: names with a space, a slash, empty or over-long are refused naming "name"; nothing stored', async (t) => {
  const { app } = await startTestServer(t)
  await createAzureDestination(app, 'existing')
  const listBefore = json(await vault(app, 'GET', '/v1/sys/sync/destinations?list=true')).data
  for (const name of ['my%20dest', 'a%2Fb', '', 'n'.repeat(300)]) {
    const res = await vault(app, 'POST', `${D}/${name}`, { body: { ...AZURE_BODY } })
    t.equal(res.statusCode, 400, `"${name.slice(0, 20)}"`)
    t.match(json(res).errors[0], /^name: /)
  }
  t.same(json(await vault(app, 'GET', '/v1/sys/sync/destinations?list=true')).data, listBefore)
  t.equal((await vault(app, 'GET', `${D}/my%20dest`)).statusCode, 404)
})

t.test('FR-10: set on a folder, a missing secret or a missing mount is a 400; nothing associated', async (t) => {
  const { app } = await startTestServer(t)
  await createAzureDestination(app, 'd1')
  await putSecret(app, 'secret', 'app/db', { a: 1 })
  const cases: Array<[Record<string, string>, string]> = [
    [{ mount: 'secret', secret_name: 'app/' }, 'Secret not found. Please provide full path to existing secret'],
    [{ mount: 'secret', secret_name: 'nope' }, 'Secret not found. Please provide full path to existing secret'],
    [{ mount: 'nomount', secret_name: 'app/db' }, 'no mount found at nomount/']
  ]
  for (const [body, message] of cases) {
    const res = await vault(app, 'PUT', `${D}/d1/associations/set`, { body })
    t.equal(res.statusCode, 400)
    t.same(json(res), { errors: [message] })
  }
  t.same(json(await vault(app, 'GET', `${D}/d1/associations`)).data.associated_secrets, {})
  t.equal((await vault(app, 'GET', '/v1/sys/sync/associations?list=true')).statusCode, 404)
})

t.test('FR-11 (a): a plain DELETE of a destination with an association is refused and changes nothing', async (t) => {
  const { app } = await startTestServer(t)
  await createAzureDestination(app, 'd1')
  await putSecret(app, 'secret', 'x', { a: 1 })
  await vault(app, 'PUT', `${D}/d1/associations/set`, { body: { mount: 'secret', secret_name: 'x' } })
  const before = json(await vault(app, 'GET', `${D}/d1/associations`)).data
  const res = await vault(app, 'DELETE', `${D}/d1`)
  t.equal(res.statusCode, 400)
  t.same(json(res), { errors: ['destination has 1 associations; set purge=true to unsync and delete them'] })
  const read = json(await vault(app, 'GET', `${D}/d1`)).data
  t.notOk('purge_initiated_at' in read)
  t.same(json(await vault(app, 'GET', `${D}/d1/associations`)).data, before)
})

t.test('FR-16: 15 custom tags (16 with ours) are refused at create and patch, naming custom_tags and 14', async (t) => {
  const { app } = await startTestServer(t)
  const tags = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]))
  const res = await createAzureDestination(app, 'd1', { custom_tags: tags(15) })
  t.equal(res.statusCode, 400)
  t.same(json(res).errors, ['custom_tags: at most 14 tags are allowed (Azure allows 15 per secret, 1 is reserved for hashicorp:vault)'])
  t.equal((await vault(app, 'GET', `${D}/d1`)).statusCode, 404)
  t.equal((await createAzureDestination(app, 'd1', { custom_tags: tags(14) })).statusCode, 200)
  const patch = await mergePatch(app, `${D}/d1`, { custom_tags: { extra: 'x' } })
  t.equal(patch.statusCode, 400)
  t.match(json(patch).errors[0], /^custom_tags: at most 14 tags/)
  t.same(Object.keys(json(await vault(app, 'GET', `${D}/d1`)).data.options.custom_tags).length, 14, 'unchanged')
  const long = await createAzureDestination(app, 'd2', { custom_tags: { k: 'x'.repeat(257) } })
  t.equal(long.statusCode, 400)
  t.match(json(long).errors[0], /^custom_tags: .*256/)
})
