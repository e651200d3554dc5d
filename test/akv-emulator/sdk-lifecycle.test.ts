// The secrets lifecycle through the real @azure/identity ClientSecretCredential and
// @azure/keyvault-secrets SecretClient over HTTPS (issue 4, first Done-when line: happy path and
// the 409 deleted-but-recoverable conflict).
import t from 'tap'
import { clientFor, POLL, startEmulator } from './helpers.js'

t.test('set, get, update, list, versions, delete, recover, purge, backup/restore', async (t) => {
  const emu = await startEmulator(t)
  const client = clientFor(emu)

  // set: a new version each time, 32-hex ids, id echoes the host the client used
  const v1 = await client.setSecret('App-Password', 'first', { contentType: 'text/plain', tags: { env: 'dev' } })
  const v2 = await client.setSecret('app-password', 'second')
  t.match(v1.properties.version, /^[0-9a-f]{32}$/)
  t.not(v1.properties.version, v2.properties.version)
  t.equal(v2.name, 'App-Password', 'names are case-insensitive and keep their first casing')
  t.equal(v2.properties.vaultUrl, emu.info.vault_uri)
  t.equal(v1.properties.recoveryLevel, 'Recoverable+Purgeable')
  t.equal(v1.properties.recoverableDays, 90)
  t.ok(v1.properties.createdOn instanceof Date)

  // get latest and by version
  t.equal((await client.getSecret('APP-PASSWORD')).value, 'second')
  const old = await client.getSecret('app-password', { version: v1.properties.version })
  t.equal(old.value, 'first')
  t.equal(old.properties.contentType, 'text/plain')
  t.same(old.properties.tags, { env: 'dev' })

  // empty values are allowed, as in the real service
  t.equal((await client.setSecret('empty', '')).value, '')

  // update properties (no new version; tags replaced, other attributes kept)
  const upd = await client.updateSecretProperties('app-password', v1.properties.version!, { enabled: false, tags: { env: 'prod' } })
  t.equal(upd.enabled, false)
  t.same(upd.tags, { env: 'prod' })
  t.equal(upd.contentType, 'text/plain')
  await t.rejects(client.getSecret('app-password', { version: v1.properties.version }), {
    statusCode: 403, code: 'Forbidden', message: 'Operation get is not allowed on a disabled secret.'
  }, 'a disabled version answers 403 SecretDisabled')

  // list versions
  const versions: string[] = []
  for await (const p of client.listPropertiesOfSecretVersions('app-password')) versions.push(p.version!)
  t.same(versions.sort(), [v1.properties.version, v2.properties.version].sort())

  // list with paging over 60 secrets (pages of 25, then following nextLink)
  await Promise.all(Array.from({ length: 60 }, async (_, i) => await client.setSecret(`bulk-${String(i).padStart(2, '0')}`, `v${i}`)))
  const pageSizes: number[] = []
  const names: string[] = []
  for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 25 })) {
    pageSizes.push(page.length)
    for (const p of page) {
      names.push(p.name)
      t.notOk('value' in p && (p as { value?: string }).value !== undefined, 'list items never carry values')
    }
  }
  t.same(pageSizes, [25, 25, 12], '62 secrets come in three pages')
  t.equal(new Set(names).size, 62)
  t.ok(names.includes('App-Password'))
  let all = 0
  for await (const _p of client.listPropertiesOfSecrets()) all++
  t.equal(all, 62, 'the default page size pages through everything too')

  // backup, then delete to completion, get deleted, recover
  const backup = (await client.backupSecret('app-password'))!
  t.ok(backup instanceof Uint8Array && backup.length > 0)
  const poller = await client.beginDeleteSecret('app-password', POLL)
  const deleted = await poller.pollUntilDone()
  t.equal(deleted.name, 'App-Password')
  t.equal(deleted.recoveryId, `${emu.info.vault_uri}/deletedsecrets/App-Password`)
  t.ok(deleted.deletedOn instanceof Date)
  t.equal(deleted.scheduledPurgeDate!.getTime() - deleted.deletedOn!.getTime(), 90 * 86400_000)
  await t.rejects(client.getSecret('app-password'), { statusCode: 404, code: 'SecretNotFound' })
  const gotDeleted = await client.getDeletedSecret('app-password')
  t.equal(gotDeleted.properties.recoveryId, deleted.recoveryId)
  const listedDeleted: string[] = []
  for await (const d of client.listDeletedSecrets()) listedDeleted.push(d.name)
  t.same(listedDeleted, ['App-Password'])

  // 409: a PUT on a soft-deleted name
  const conflict = await client.setSecret('app-password', 'again').catch((e: unknown) => e) as {
    statusCode?: number, code?: string, message?: string, details?: { error?: { innerError?: { code?: string } } }
  }
  t.equal(conflict.statusCode, 409)
  t.equal(conflict.code, 'Conflict')
  t.equal(conflict.details?.error?.innerError?.code, 'ObjectIsDeletedButRecoverable')
  t.match(conflict.message, /is currently in a deleted but recoverable state/)

  // recover brings every version back
  const recovered = await (await client.beginRecoverDeletedSecret('app-password', POLL)).pollUntilDone()
  t.equal(recovered.name, 'App-Password')
  t.equal((await client.getSecret('app-password')).value, 'second')
  await t.rejects(client.getDeletedSecret('app-password'), { statusCode: 404, code: 'SecretNotFound', message: 'Deleted Secret not found: app-password' })

  // delete + purge, then restore from the backup (same versions and values)
  await (await client.beginDeleteSecret('app-password', POLL)).pollUntilDone()
  await client.purgeDeletedSecret('app-password')
  await t.rejects(client.getDeletedSecret('app-password'), { name: 'RestError', statusCode: 404 })
  const restored = await client.restoreSecretBackup(backup)
  t.equal(restored.name, 'App-Password')
  t.equal(restored.version, v2.properties.version)
  t.equal((await client.getSecret('app-password')).value, 'second')
  await t.rejects(client.getSecret('app-password', { version: v1.properties.version }), { name: 'RestError', statusCode: 403 },
    'the disabled old version comes back disabled')
  await t.rejects(client.restoreSecretBackup(backup), { statusCode: 409, code: 'Conflict' }, 'restore over an existing name is refused')
  await t.rejects(client.restoreSecretBackup(new Uint8Array([1, 2, 3])), { statusCode: 400, code: 'BadParameter' })

  // the request log names the RBAC data action of each call (D-25)
  const actions = new Set(emu.requestLog().map((e) => e.dataAction).filter((a) => a !== undefined))
  t.same([...actions].sort(), [
    'Microsoft.KeyVault/vaults/secrets/backup/action',
    'Microsoft.KeyVault/vaults/secrets/delete',
    'Microsoft.KeyVault/vaults/secrets/getSecret/action',
    'Microsoft.KeyVault/vaults/secrets/purge/action',
    'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
    'Microsoft.KeyVault/vaults/secrets/recover/action',
    'Microsoft.KeyVault/vaults/secrets/restore/action',
    'Microsoft.KeyVault/vaults/secrets/setSecret/action',
    'Microsoft.KeyVault/vaults/secrets/update/action'
  ])
})

t.test('several vaults, one port each, each with its own URI and secrets', async (t) => {
  const emu = await startEmulator(t, { extraVaults: ['second'] })
  t.equal(emu.info.vaults.length, 2)
  const [a, b] = emu.info.vaults
  t.not(a.vault_uri, b.vault_uri)
  const ca = clientFor(emu)
  const cb = clientFor(emu, undefined, { vaultUri: b.vault_uri })
  await ca.setSecret('shared-name', 'in-a')
  await cb.setSecret('shared-name', 'in-b')
  t.equal((await ca.getSecret('shared-name')).value, 'in-a')
  const inB = await cb.getSecret('shared-name')
  t.equal(inB.value, 'in-b')
  t.equal(inB.properties.vaultUrl, b.vault_uri, 'ids carry the second vault URI')
  t.same(emu.requestLog({ vault: 'second' }).filter((e) => e.status === 200).map((e) => e.operation), ['SetSecret', 'GetSecret'])
})

t.test('a "being deleted" window makes the delete poller wait, and blocks writes', async (t) => {
  const emu = await startEmulator(t, { vaultDefaults: { beingDeletedMs: 150, beingRecoveredMs: 150 } })
  const client = clientFor(emu)
  await client.setSecret('slow', 'v')
  const poller = await client.beginDeleteSecret('slow', POLL)
  const early = await client.setSecret('slow', 'w').catch((e: unknown) => e) as { statusCode?: number, details?: { error?: { innerError?: { code?: string } } } }
  t.equal(early.statusCode, 409)
  t.equal(early.details?.error?.innerError?.code, 'ObjectIsBeingDeleted')
  await poller.pollUntilDone()
  const polls = emu.requestLog().filter((e) => e.operation === 'GetDeletedSecret')
  t.ok(polls.some((e) => e.status === 404), 'the poller saw 404 while the delete was in progress')
  t.equal(polls[polls.length - 1].status, 200)
  const rec = await client.beginRecoverDeletedSecret('slow', POLL)
  await rec.pollUntilDone()
  t.equal((await client.getSecret('slow')).value, 'v')
})
