// A disabled latest version, as the real Node SDK sees it: Get Secret answers 403 SecretDisabled
// for it, latest or by id, but Get Secret Versions (listPropertiesOfSecretVersions) lists it with
// its tags, `created` and enabled=false, never a value, as Azure does (spec/azure-keyvault-api.md
// §1.6, §3: "List still shows it"). The listing needs only secrets/readMetadata/action, not
// getSecret/action (decisions D-25). vault-sync's ownership check before a delete relies on it.
import t from 'tap'
import { clientFor, startEmulator } from './helpers.js'
import { adminClient } from './raw.js'

const A = 'Microsoft.KeyVault/vaults/secrets'

t.test('a disabled latest version: Get Secret refused, its versions (tags included) listed', async (t) => {
  const emu = await startEmulator(t)
  const admin = adminClient(t, emu)
  const client = clientFor(emu)
  const owned = { 'hashicorp:vault': 'vault-sync:d1:a1' }
  const first = await client.setSecret('app', 'one', { tags: { team: 'x' } })
  const ours = await client.setSecret('app', 'two', { contentType: 'application/json', tags: owned })
  t.equal((await admin('POST', '/vaults/vault1/secrets/app/edits', { op: 'disable' })).status, 200, 'disabled out of band (the latest version)')

  const disabled = { statusCode: 403, code: 'Forbidden', message: 'Operation get is not allowed on a disabled secret.' }
  await t.rejects(client.getSecret('app'), disabled, 'the latest: 403 SecretDisabled')
  await t.rejects(client.getSecret('app', { version: ours.properties.version }), disabled, 'the same version by id: 403 too')

  const from = emu.requestLog().at(-1)?.seq ?? 0
  const listed = []
  for await (const p of client.listPropertiesOfSecretVersions('app')) listed.push(p)
  const byVersion = new Map(listed.map((p) => [p.version, p]))
  t.equal(listed.length, 2, 'both versions, the disabled one included')
  t.match(byVersion.get(ours.properties.version), { enabled: false, tags: owned, contentType: 'application/json', createdOn: Date })
  t.match(byVersion.get(first.properties.version), { enabled: true, tags: { team: 'x' } })
  t.notOk(listed.some((p) => 'value' in p), 'no value in a listing')
  t.match(emu.requestLog({ since: from }).filter((e) => e.family === 'vault'), [{ operation: 'GetSecretVersions', dataAction: `${A}/readMetadata/action`, status: 200 }])

  // The same through the SDK's own disable (update_secret_properties(enabled=False) in Python).
  await client.updateSecretProperties('app', ours.properties.version!, { enabled: true })
  t.equal((await client.getSecret('app')).value, 'two')
  await client.updateSecretProperties('app', ours.properties.version!, { enabled: false })
  await t.rejects(client.getSecret('app'), disabled)

  // A principal without getSecret/action still lists the versions; without readMetadata it cannot.
  const deny = async (dataAction: string): Promise<void> => {
    t.equal((await admin('PATCH', '/vaults/vault1/settings', { policy: { rbacDenies: [{ principal: emu.info.client_id, dataAction }] } })).status, 200)
  }
  await deny(`${A}/getSecret/action`)
  const tags: Array<Record<string, string> | undefined> = []
  for await (const p of client.listPropertiesOfSecretVersions('app')) if (p.version === ours.properties.version) tags.push(p.tags)
  t.same(tags, [owned], 'readMetadata is enough')
  await deny(`${A}/readMetadata/action`)
  const listAll = async (): Promise<number> => { let n = 0; for await (const _p of client.listPropertiesOfSecretVersions('app')) n++; return n }
  await t.rejects(listAll(), { statusCode: 403, code: 'Forbidden' }, 'the listing is a readMetadata call')
})
