// The latest version's properties for the driver's ownership checks: read with Get Secret, or,
// when the latest version is disabled (403 SecretDisabled), from Get Secret Versions, whose order
// Azure does not document (it is version-id order, not creation order), so the one created last
// wins, and a tie inside Key Vault's one-second `created` never proves ownership. Against the
// emulator with the real SDK; every call goes through the gate (the driver's limiter).
import t from 'tap'
import type { SecretProperties } from '@azure/keyvault-secrets'
import { latestOfVersions, readLatestProperties } from '../../../../src/drivers/azure-kv/latest-properties.js'
import { createManualClock } from '../../../../src/akv-emulator/index.js'
import { clientFor, startEmulator } from '../../../akv-emulator/helpers.js'

const OWNER = 'vault-sync:d1:a1'
const props = (version: string, createdMs: number, owner?: string): SecretProperties => ({
  name: 'app', vaultUrl: 'https://v', version, createdOn: new Date(createdMs), ...(owner === undefined ? {} : { tags: { 'hashicorp:vault': owner } })
})
const ownedByUs = (p: SecretProperties): boolean => p.tags?.['hashicorp:vault'] === OWNER

t.test('latestOfVersions: the one created last, whatever the listing order; a tie resolves against ownership', async (t) => {
  t.equal(latestOfVersions([], ownedByUs), undefined)
  const a = props('a0', 1_000_000, OWNER)
  const b = props('b0', 3_000_000, OWNER)
  const c = props('c0', 2_000_000, 'theirs')
  t.equal(latestOfVersions([c, b, a], ownedByUs), b)
  t.equal(latestOfVersions([a, b, c], ownedByUs), b, 'order does not matter')
  const sameSecond = props('d0', 3_000_900, 'theirs') // 3000.9 s: the same second as b
  t.equal(latestOfVersions([b, sameSecond], ownedByUs), sameSecond, 'a tie picks the version that is not ours')
  t.equal(latestOfVersions([sameSecond, b], ownedByUs), sameSecond)
  const twin = props('e0', 3_000_500, OWNER)
  t.equal(latestOfVersions([twin, b, a], ownedByUs), twin, 'a tie of ours only: one of ours')
  t.equal(latestOfVersions([props('f0', Number.NaN)], ownedByUs)?.version, 'f0')
})

t.test('readLatestProperties: Get Secret, or the version listing for a disabled latest version', async (t) => {
  const emu = await startEmulator(t, { clock: createManualClock(), vaultDefaults: { paging: { pageSize: 25, emptyPageEvery: 0 }, throttle: { enabled: false } } })
  const client = clientFor(emu)
  let calls = 0
  const o = { call: async <T>(fn: () => Promise<T>): Promise<T> => { calls++; return await fn() }, owned: ownedByUs }
  const ops = (since: number): string[] => emu.requestLog({ since }).filter((e) => e.family === 'vault' && e.outcome === undefined).map((e) => `${e.operation} ${e.status}`)

  t.equal(await readLatestProperties(client, 'nope', o), undefined, 'no secret: undefined')
  t.equal(calls, 1)

  for (let i = 0; i < 30; i++) {
    await client.setSecret('app', `v${i}`, { tags: { 'hashicorp:vault': i === 29 ? OWNER : 'older' } })
    emu.clock.advance(1_000)
  }
  calls = 0
  const live = await readLatestProperties(client, 'app', o)
  t.match(live, { enabled: true, tags: { 'hashicorp:vault': OWNER } })
  t.equal(calls, 1, 'an enabled latest version: one Get Secret')

  emu.vault().edit('app', { op: 'disable' })
  calls = 0
  const from = emu.requestLog().at(-1)?.seq ?? 0
  const disabled = await readLatestProperties(client, 'app', o)
  t.match(disabled, { version: live?.version, enabled: false, tags: { 'hashicorp:vault': OWNER } }, 'the disabled latest version\'s properties')
  t.same(ops(from), ['GetSecret 403', 'GetSecretVersions 200', 'GetSecretVersions 200'], 'Get Secret refused, then 30 versions in two pages')
  t.equal(calls, 4, 'every call through the gate (the SDK answers the last pass, past a page without nextLink, with no request)')

  const controller = new AbortController()
  controller.abort(new Error('shutting down'))
  await t.rejects(readLatestProperties(client, 'app', { ...o, signal: controller.signal }), 'an aborted caller gets no answer')

  emu.vault().updateSettings({ policy: { rbacDenies: [{ principal: emu.info.client_id, dataAction: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action' }] } })
  await t.rejects(readLatestProperties(client, 'app', o), { kind: 'CLIENT_SIDE_ERROR', status: 403, message: /listPropertiesOfSecretVersions "app"/ },
    'a refused listing (no readMetadata) is classified as the driver\'s errors')
})

t.test('readLatestProperties: an enabled version created in the same second never stands for the disabled latest one', async (t) => {
  const emu = await startEmulator(t, { clock: createManualClock(), vaultDefaults: { throttle: { enabled: false } } })
  const client = clientFor(emu)
  const o = { call: async <T>(fn: () => Promise<T>): Promise<T> => await fn(), owned: ownedByUs }
  await client.setSecret('tied', 'theirs', { tags: { 'hashicorp:vault': 'theirs' } })
  await client.setSecret('tied', 'ours', { tags: { 'hashicorp:vault': OWNER } }) // the same second
  emu.vault().edit('tied', { op: 'disable' })
  t.match(await readLatestProperties(client, 'tied', o), { enabled: false, tags: { 'hashicorp:vault': OWNER } }, 'ours, the disabled latest: an unsync deletes it')
})
