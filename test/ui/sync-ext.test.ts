// The extensions the page reads (issue 20, round2.md R2-2): `GET sys/sync-ext/status` and
// `POST sys/sync-ext/preview/name`, through the real HTTP stack (responses validated against
// openapi.yaml by test/helper.ts), with the worker syncing into the emulator.
import t from 'tap'
import { vault } from '../helper.js'
import { startSyncTestbed } from '../sync-testbed.js'

const tokenWith = async (app: Parameters<typeof vault>[0], name: string, policy: string): Promise<string> => {
  t.equal((await vault(app, 'PUT', `/v1/sys/policies/acl/${name}`, { body: { policy } })).statusCode, 204)
  return (await vault(app, 'POST', '/v1/auth/token/create', { body: { policies: [name] } })).json().auth.client_token as string
}

t.test('status: errors first, Azure names the worker wrote, attempts and queue; never a value', async (t) => {
  const tb = await startSyncTestbed(t)
  const { app } = tb.server
  await tb.put('app/alpha', { password: 'alpha-value-1' })
  await tb.put('app/zeta', { password: 'zeta-value-1' })
  await tb.destination('fine')
  await tb.destination('broken', { secret_name_template: '{{ .SecretPath }}' })
  await tb.set('fine', 'app/alpha')
  await tb.set('broken', 'app/alpha')
  await tb.settle()
  tb.emu.vault().updateSettings({ policy: { firewall: { enabled: true, allow: ['192.0.2.1'] } } })
  await tb.set('broken', 'app/zeta')
  await tb.settle()

  const res = await vault(app, 'GET', '/v1/sys/sync-ext/status')
  t.equal(res.statusCode, 200)
  const data = res.json().data
  t.same(data.destinations.map((d: { name: string }) => d.name), ['broken', 'fine'], 'the destination with an error comes first')
  const broken = data.destinations[0]
  t.equal(broken.errors, 1)
  t.equal(broken.counts.CLIENT_SIDE_ERROR, 1)
  t.equal(broken.counts.SYNCED, 1)
  t.equal(broken.credential_source, 'destination')
  t.equal(broken.key_vault_host, new URL(tb.emu.info.vault_uri).host)
  const [first, second] = broken.associations
  t.equal(first.secret_name, 'app/zeta', 'the error entry first although it sorts last')
  t.equal(first.sync_status, 'CLIENT_SIDE_ERROR')
  t.match(first.message, /ForbiddenByFirewall/)
  t.ok(first.attempts >= 1, 'attempts counted')
  t.equal(first.azure_name, 'app-zeta')
  t.equal(first.azure_name_source, 'planned', 'never written: the name the template yields')
  t.equal(second.azure_name, 'app-alpha')
  t.equal(second.azure_name_source, 'written')
  t.ok(tb.azure('app-alpha') !== undefined, 'the written name is the one in Azure')
  // The entry keys and statuses are exactly Vault's associated_secrets.
  const vaultEntries = await tb.associations('broken')
  for (const e of broken.associations) t.equal(vaultEntries[e.key]?.sync_status, e.sync_status, `${e.key} matches Vault's entry`)
  t.equal(data.totals.errors, 1)
  t.equal(data.totals.destinations, 2)
  t.equal(data.worker.in_process, true)
  t.equal(data.queue.depth, 1, 'the errored association waits for a retry')
  t.notOk(res.body.includes('value-1'), 'no secret value')
  t.notOk(res.body.includes(tb.emu.info.client_secret), 'no credential')
  // Vault's own answer has no extra field.
  const plain = await vault(app, 'GET', '/v1/sys/sync/destinations/azure-kv/broken/associations')
  t.notMatch(plain.body, /azure_name|attempts/, 'Vault\'s sys/sync responses stay Vault\'s')
})

t.test('status: each entry names the rules that made it; an explicit set makes it the user\'s own', async (t) => {
  const tb = await startSyncTestbed(t)
  const { app } = tb.server
  await tb.put('team/a', { password: 'a-value-1' })
  await tb.put('team/b', { password: 'b-value-1' })
  await tb.put('own/c', { password: 'c-value-1' })
  await tb.destination('ruled')
  for (const [rule, body] of [['beta', { mount: 'secret', path_prefix: 'team/' }], ['alpha', { mount: 'secret', path_prefix: 'team/', include: ['a'] }]] as const) {
    t.equal((await vault(app, 'POST', `/v1/sys/sync-ext/destinations/azure-kv/ruled/rules/${rule}`, { body })).statusCode, 200, `rule ${rule}`)
  }
  await tb.set('ruled', 'own/c')
  await tb.settle()
  const rulesOf = async (): Promise<Record<string, string[]>> => {
    const res = await vault(app, 'GET', '/v1/sys/sync-ext/status')
    t.equal(res.statusCode, 200)
    return Object.fromEntries(res.json().data.destinations[0].associations.map((e: { secret_name: string, rules: string[] }) => [e.secret_name, e.rules]))
  }
  t.same(await rulesOf(), { 'own/c': [], 'team/a': ['alpha', 'beta'], 'team/b': ['beta'] }, 'sorted rule names; none for the explicit one')
  await tb.set('ruled', 'team/b')
  t.same((await rulesOf())['team/b'], [], 'associations/set made it the user\'s own')
  t.equal((await vault(app, 'DELETE', '/v1/sys/sync-ext/destinations/azure-kv/ruled/rules/beta')).statusCode, 204)
  t.same((await rulesOf())['team/a'], ['alpha'], 'a deleted rule is no origin any more')
})

t.test('preview: the worker\'s name for a sample path; bad input is a 400 naming the field', async (t) => {
  const tb = await startSyncTestbed(t)
  const { app } = tb.server
  const preview = async (body: Record<string, unknown>, token?: string) => await vault(app, 'POST', '/v1/sys/sync-ext/preview/name', { body, token })
  const def = await preview({ type: 'azure-kv', mount: 'secret', secret_name: 'my-app/db' })
  t.equal(def.statusCode, 200)
  t.equal(def.json().data.external_name, await tb.defaultName('my-app-db'), 'the default template and Azure normalisation')
  // What the worker really writes for the same template.
  await tb.put('my-app/db', { password: 'x' })
  await tb.destination('tpl', { secret_name_template: 'vault-{{ .MountPath }}-{{ .SecretPath | replace "/" "_" | uppercase }}' })
  const named = await preview({ type: 'azure-kv', name: 'tpl', mount: 'secret', secret_name: 'my-app/db' })
  t.equal(named.json().data.secret_name_template, 'vault-{{ .MountPath }}-{{ .SecretPath | replace "/" "_" | uppercase }}', 'the stored template applies')
  await tb.set('tpl', 'my-app/db')
  await tb.settle()
  t.equal((await tb.entry('tpl', 'my-app/db'))?.sync_status, 'SYNCED')
  t.ok(tb.azure(named.json().data.external_name) !== undefined, `the worker wrote ${named.json().data.external_name as string}`)

  const keyed = await preview({ type: 'azure-kv', mount: 'secret', secret_name: 'a', granularity: 'secret-key', secret_key: 'user', secret_name_template: '{{ .SecretPath }}-{{ .SecretKey }}' })
  t.equal(keyed.json().data.external_name, 'a-user')
  const tooLong = await preview({ type: 'azure-kv', mount: 'secret', secret_name: 'x'.repeat(200), secret_name_template: '{{ .SecretPath }}' })
  t.equal(tooLong.statusCode, 200)
  t.equal(tooLong.json().data.external_name, null)
  t.match(tooLong.json().data.error, /the limit is 127/)

  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ mount: 'secret', secret_name: 'a' }, /missing required field "type"/],
    [{ type: 'aws-sm', mount: 'secret', secret_name: 'a' }, /^type: unknown destination type/],
    [{ type: 'azure-kv', secret_name: 'a' }, /missing required field "mount"/],
    [{ type: 'azure-kv', mount: 'nope', secret_name: 'a' }, /^mount: no mount at "nope"/],
    [{ type: 'azure-kv', mount: 'secret' }, /missing required field "secret_name"/],
    [{ type: 'azure-kv', mount: 'secret', secret_name: 'a', granularity: 'all' }, /^granularity: /],
    [{ type: 'azure-kv', mount: 'secret', secret_name: 'a', secret_name_template: '{{ .Nope }}' }, /^secret_name_template: secret name template is invalid: unknown field/],
    [{ type: 'azure-kv', mount: 'secret', secret_name: 'a', granularity: 'secret-key', secret_name_template: '{{ .SecretPath }}' }, /reference to the secret key/]
  ]
  for (const [body, message] of bad) {
    const res = await preview(body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.match(res.json().errors[0], message)
  }
})

t.test('both extensions are ACL-protected like any path', async (t) => {
  const tb = await startSyncTestbed(t)
  const { app } = tb.server
  const other = await tokenWith(app, 'other', 'path "secret/*" { capabilities = ["read"] }')
  t.equal((await vault(app, 'GET', '/v1/sys/sync-ext/status', { token: other })).statusCode, 403)
  t.equal((await vault(app, 'POST', '/v1/sys/sync-ext/preview/name', { token: other, body: { type: 'azure-kv', mount: 'secret', secret_name: 'a' } })).statusCode, 403)
  t.equal((await vault(app, 'GET', '/v1/sys/sync-ext/status', { token: null })).statusCode, 403, 'no token')
  const reader = await tokenWith(app, 'reader', 'path "sys/sync-ext/status" { capabilities = ["read"] }')
  t.equal((await vault(app, 'GET', '/v1/sys/sync-ext/status', { token: reader })).statusCode, 200)
  t.equal((await vault(app, 'POST', '/v1/sys/sync-ext/preview/name', { token: reader, body: { type: 'azure-kv', mount: 'secret', secret_name: 'a' } })).statusCode, 403, 'read does not allow the preview (update)')
  const caps = await vault(app, 'POST', '/v1/sys/capabilities-self', { token: reader, body: { paths: ['sys/sync-ext/status', 'sys/sync-ext/preview/name'] } })
  t.same(caps.json().data, { 'sys/sync-ext/status': ['read'], 'sys/sync-ext/preview/name': ['deny'] }, 'the page can ask what it may do')
})
