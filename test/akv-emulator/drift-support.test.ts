// What drift detection needs from the emulator (issue 21), judged by the real Node SDK: `updated`
// moves on every new version and every property PATCH; the admin API's out-of-band edits (new
// untagged version, tag-only patch, disable, delete, purge, purge-and-recreate) look to the SDK as
// the same edits made in the portal would, and stay out of the request log; LIST paging with a
// configurable page size and empty pages that carry a nextLink, followed by the SDK to the end.
import t from 'tap'
import { createManualClock } from '../../src/akv-emulator/index.js'
import { clientFor, credentialFor, startEmulator } from './helpers.js'
import { adminClient, rawClient } from './raw.js'

const seconds = (d: Date | undefined): number => Math.floor((d?.getTime() ?? Number.NaN) / 1000)

t.test('attributes.updated moves on every new version and every property PATCH', async (t) => {
  const emu = await startEmulator(t, { clock: createManualClock() }) // times move only by clock.advance
  const client = clientFor(emu)
  const listed = async (name: string): Promise<{ updated: number, created: number, enabled?: boolean }> => {
    for await (const p of client.listPropertiesOfSecrets()) {
      if (p.name === name) return { updated: seconds(p.updatedOn), created: seconds(p.createdOn), enabled: p.enabled }
    }
    throw new Error(`${name} is not listed`)
  }
  const v1 = await client.setSecret('s', 'one', { tags: { a: '1' } })
  t.equal(seconds(v1.properties.updatedOn), seconds(v1.properties.createdOn))
  const first = await listed('s')
  t.equal(first.updated, seconds(v1.properties.updatedOn), 'the list item shows the latest version\'s updated')

  emu.clock.advance(5_000)
  const patched = await client.updateSecretProperties('s', v1.properties.version!, { tags: { a: '2' } })
  t.equal(seconds(patched.updatedOn), first.updated + 5, 'a tags-only PATCH moves updated')
  t.equal(seconds(patched.createdOn), first.created, '... but not created')
  t.equal((await listed('s')).updated, first.updated + 5)

  emu.clock.advance(5_000)
  const empty = await client.updateSecretProperties('s', v1.properties.version!, {})
  t.equal(seconds(empty.updatedOn), first.updated + 10, 'a PATCH that changes nothing still moves updated')

  emu.clock.advance(5_000)
  const v2 = await client.setSecret('s', 'two')
  t.equal(seconds(v2.properties.updatedOn), first.updated + 15, 'a new version has a new updated')
  t.same(await listed('s'), { updated: first.updated + 15, created: first.updated + 15, enabled: true })

  emu.clock.advance(5_000)
  await client.updateSecretProperties('s', v1.properties.version!, { enabled: false })
  t.equal((await listed('s')).updated, first.updated + 15, 'patching an older version leaves the listed (latest) updated alone')
  t.equal(seconds((await client.getSecret('s', { version: v2.properties.version })).properties.updatedOn), first.updated + 15)
})

t.test('admin out-of-band edits, seen through the SDK', async (t) => {
  const emu = await startEmulator(t, { clock: createManualClock() }) // times move only by clock.advance
  const admin = adminClient(t, emu)
  const client = clientFor(emu)
  const edit = async (name: string, body: unknown) => await admin('POST', `/vaults/vault1/secrets/${name}/edits`, body)
  const owned = { 'hashicorp:vault': 'vault-sync:d1:a1' }
  const ours = await client.setSecret('app', 'v1', { contentType: 'text/plain', tags: owned })

  emu.clock.advance(2_000)
  const nv = await edit('app', { op: 'new-version', value: 'pipeline' })
  t.equal(nv.status, 200)
  t.match(nv.body, { op: 'new-version', name: 'app', state: 'active', version: /^[0-9a-f]{32}$/, enabled: true })
  t.equal(nv.body.updated, seconds(ours.properties.updatedOn) + 2)
  const latest = await client.getSecret('app')
  t.equal(latest.value, 'pipeline')
  t.equal(latest.properties.version, nv.body.version)
  t.same(latest.properties.tags ?? {}, {}, 'a new version is untagged unless tags are given')
  t.equal(latest.properties.contentType, undefined)
  t.equal((await client.getSecret('app', { version: ours.properties.version })).value, 'v1', 'the version we wrote is still there')

  emu.clock.advance(2_000)
  const tagsOnly = await edit('app', { op: 'patch', version: ours.properties.version, tags: { team: 'x' } })
  t.equal(tagsOnly.status, 200)
  const oursNow = await client.getSecret('app', { version: ours.properties.version })
  t.same(oursNow.properties.tags, { team: 'x' }, 'a tag-only patch of a given version')
  t.equal(oursNow.value, 'v1')
  t.equal(seconds(oursNow.properties.updatedOn), seconds(ours.properties.updatedOn) + 4)
  const latestPatch = await edit('app', { op: 'patch', contentType: 'application/json' })
  t.equal(latestPatch.body.version, nv.body.version, 'without a version the latest is patched')
  t.equal((await client.getSecret('app')).properties.contentType, 'application/json')

  const disabled = await edit('app', { op: 'disable' })
  t.match(disabled.body, { state: 'active', enabled: false })
  await t.rejects(client.getSecret('app'), { statusCode: 403, code: 'Forbidden' }, 'a disabled latest version answers 403')
  const listedEnabled: Array<boolean | undefined> = []
  for await (const p of client.listPropertiesOfSecrets()) if (p.name === 'app') listedEnabled.push(p.enabled)
  t.same(listedEnabled, [false], 'LIST shows it disabled')
  await edit('app', { op: 'patch', enabled: true })
  t.equal((await client.getSecret('app')).value, 'pipeline')

  const deleted = await edit('app', { op: 'delete' })
  t.match(deleted.body, { op: 'delete', state: 'deleted' })
  await t.rejects(client.getSecret('app'), { statusCode: 404, code: 'SecretNotFound' })
  t.equal((await client.getDeletedSecret('app')).name, 'app', 'a soft delete, recoverable')
  const purged = await edit('app', { op: 'purge' })
  t.match(purged.body, { op: 'purge', state: 'absent' })
  await t.rejects(client.getDeletedSecret('app'), { statusCode: 404, code: 'SecretNotFound' }, 'purged: not even in the deleted store')
  t.equal((await edit('app', { op: 'purge' })).status, 404, 'purging an unknown name is a 404')

  const again = await client.setSecret('twin', 'ours', { tags: owned })
  const re = await edit('twin', { op: 'recreate', value: 'theirs', tags: { owner: 'someone-else' } })
  t.match(re.body, { op: 'recreate', state: 'active', version: /^[0-9a-f]{32}$/ })
  const versions: string[] = []
  for await (const p of client.listPropertiesOfSecretVersions('twin')) versions.push(p.version!)
  t.same(versions, [re.body.version], 'purge-and-recreate leaves none of the old versions')
  await t.rejects(client.getSecret('twin', { version: again.properties.version }), { statusCode: 404, code: 'SecretNotFound' })
  t.same((await client.getSecret('twin')).properties.tags, { owner: 'someone-else' })

  const beforeEdit = emu.requestLog().length
  await edit('twin', { op: 'patch', tags: { owner: 'someone-else', n: '2' } })
  t.equal(emu.requestLog().length, beforeEdit, 'edits are not Key Vault calls: never in the request log')

  t.equal((await edit('nope', { op: 'delete' })).status, 404)
  t.equal((await edit('app', { op: 'rename' })).status, 400, 'an unknown op is a 400')
  t.equal((await edit('bad_name', { op: 'delete' })).status, 400)
  const tooMany = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']))
  t.equal((await edit('twin', { op: 'new-version', value: 'x', tags: tooMany })).status, 400, 'the data plane\'s 15-tag rule applies')
  t.equal((await admin('POST', '/vaults/nope/secrets/twin/edits', { op: 'delete' })).status, 404)
  await emu.vault().putManagedSecret('cert1', { contentType: 'application/x-pkcs12' })
  t.equal((await edit('cert1', { op: 'recreate', value: 'x' })).status, 409, 'a certificate-backed secret is refused')
  t.equal(emu.vault().edit('twin', { op: 'disable' }).enabled, false, 'the programmatic handle has the same edits')
})

t.test('LIST paging: page size and empty pages with a nextLink, followed by the SDK', async (t) => {
  const emu = await startEmulator(t)
  const admin = adminClient(t, emu)
  const raw = rawClient(t, emu)
  const client = clientFor(emu)
  t.same((await admin('GET', '/vaults/vault1/settings')).body.paging, { pageSize: 25, emptyPageEvery: 0 }, 'the service\'s default')
  t.equal((await admin('PATCH', '/vaults/vault1/settings', { paging: { pageSize: 26 } })).status, 400)
  t.equal((await admin('PATCH', '/vaults/vault1/settings', { paging: { pageSize: 0 } })).status, 400)
  t.equal((await admin('PATCH', '/vaults/vault1/settings', { paging: { emptyPageEvery: -1 } })).status, 400)
  t.equal((await admin('PATCH', '/vaults/vault1/settings', { paging: { emptyPageEvery: 1.5 } })).status, 400)
  const set = await admin('PATCH', '/vaults/vault1/settings', { paging: { pageSize: 7, emptyPageEvery: 2 } })
  t.same(set.body.paging, { pageSize: 7, emptyPageEvery: 2 })

  await Promise.all(Array.from({ length: 30 }, async (_, i) => await client.setSecret(`s-${String(i).padStart(2, '0')}`, `v${i}`)))
  const pages = async (): Promise<{ sizes: number[], names: string[], calls: number }> => {
    const before = emu.requestLog().length
    const sizes: number[] = []
    const names: string[] = []
    for await (const page of client.listPropertiesOfSecrets().byPage()) {
      sizes.push(page.length)
      names.push(...page.map((p) => p.name))
    }
    const calls = emu.requestLog().slice(before).filter((e) => e.operation === 'GetSecrets' && e.status === 200).length
    return { sizes, names, calls }
  }
  const thirty = await pages()
  t.same(thirty.sizes, [0, 7, 7, 0, 7, 7, 0, 2], 'empty first page, then an empty page after every 2 full ones')
  t.equal(new Set(thirty.names).size, 30, 'every secret, once')
  t.equal(thirty.calls, 8, 'one call per page, empty ones included')

  const first = await raw('GET', '/secrets?api-version=7.5', { token: (await credentialFor(emu).getToken('https://vault.azure.net/.default')).token })
  t.same(first.body.value, [])
  t.match(first.body.nextLink, /\$skiptoken=/, 'an empty page still carries a nextLink')
  const tokenOf = (c: unknown): string => Buffer.from(JSON.stringify(c)).toString('base64url')
  const bearer = (await credentialFor(emu).getToken('https://vault.azure.net/.default')).token
  for (const bad of [{ p: -1 }, { p: 1.5 }, { d: false }, { d: 'yes' }]) {
    const r = await raw('GET', `/secrets?api-version=7.5&$skiptoken=${tokenOf(bad)}`, { token: bearer })
    t.equal(r.status, 400, `skiptoken ${JSON.stringify(bad)} is refused`)
  }
  const done = await raw('GET', `/secrets?api-version=7.5&$skiptoken=${tokenOf({ p: 9, d: true })}`, { token: bearer })
  t.same(done.body, { value: [], nextLink: null }, 'a trailing empty page ends the list')

  await client.beginDeleteSecret('s-29', { intervalInMs: 10 }).then(async (p) => await p.pollUntilDone())
  await client.beginDeleteSecret('s-28', { intervalInMs: 10 }).then(async (p) => await p.pollUntilDone())
  const twentyEight = await pages()
  t.same(twentyEight.sizes, [0, 7, 7, 0, 7, 7, 0], 'a list may end on an empty page')
  t.equal(twentyEight.names.length, 28)

  const small: number[] = []
  for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 5 })) small.push(page.length)
  t.same(small, [0, 5, 5, 0, 5, 5, 0, 5, 3, 0], 'a smaller maxresults wins over the vault\'s page size')

  const deletedNames: string[] = []
  for await (const d of client.listDeletedSecrets()) deletedNames.push(d.name)
  t.same(deletedNames.sort(), ['s-28', 's-29'], 'deleted secrets page the same way')
  for (let i = 0; i < 9; i++) await client.setSecret('s-00', `again${i}`)
  let versions = 0
  for await (const _v of client.listPropertiesOfSecretVersions('s-00')) versions++
  t.equal(versions, 10, 'versions page the same way')

  await admin('PATCH', '/vaults/vault1/settings', { paging: { emptyPageEvery: 0 } })
  t.same((await pages()).sizes, [7, 7, 7, 7], 'no empty pages once switched off')
})
