// node-vault 0.12 (npm) drives KV v2 over a real socket: write/read/list/delete on data/ and
// metadata/, its LIST request, its PATCH (`update`) and the `noCustomHTTPVerbs` list form
// (spec/vault-core-kv-api.md §5.2).
import t from 'tap'
import nodeVault from 'node-vault'
import { ROOT_TOKEN, startTestServer } from '../../helper.js'
import { RFC3339 } from './kv-test-client.js'

t.test('node-vault write/read/list/update/delete', async (t) => {
  const server = await startTestServer(t)
  const vault = nodeVault({ apiVersion: 'v1', endpoint: server.address, token: ROOT_TOKEN })
  const w = await vault.write('secret/data/nv/app', { data: { a: 'b' } })
  t.equal(w.data.version, 1)
  t.match(w.data.created_time, RFC3339)
  t.equal(w.data.deletion_time, '')
  t.equal(w.data.destroyed, false)
  t.equal(w.data.custom_metadata, null)
  const w2 = await vault.write('secret/data/nv/app', { options: { cas: 1 }, data: { a: 'c' } })
  t.equal(w2.data.version, 2)
  await t.rejects(vault.write('secret/data/nv/app', { options: { cas: 1 }, data: { a: 'd' } }),
    { message: 'check-and-set parameter did not match the current version' })

  const r = await vault.read('secret/data/nv/app')
  t.same(r.data.data, { a: 'c' })
  t.equal(r.data.metadata.version, 2)
  t.same((await vault.read('secret/data/nv/app?version=1')).data.data, { a: 'b' })

  const p = await vault.update('secret/data/nv/app', { data: { extra: 'x' } })
  t.equal(p.data.version, 3, 'PATCH with merge-patch content type')
  t.same((await vault.read('secret/data/nv/app')).data.data, { a: 'c', extra: 'x' })

  await vault.write('secret/metadata/nv/meta-only', { max_versions: 3, custom_metadata: { team: 'sec' } })
  const m = await vault.read('secret/metadata/nv/meta-only')
  t.equal(m.data.max_versions, 3)
  t.same(m.data.custom_metadata, { team: 'sec' })
  t.equal(m.data.current_version, 0)

  t.same((await vault.list('secret/metadata/')).data.keys, ['nv/'], 'LIST /v1/secret/metadata/')
  t.same((await vault.list('secret/metadata/nv')).data.keys, ['app', 'meta-only'])
  const viaGet = nodeVault({ apiVersion: 'v1', endpoint: server.address, token: ROOT_TOKEN, noCustomHTTPVerbs: true })
  t.same((await viaGet.list('secret/metadata/nv/')).data.keys, ['app', 'meta-only'], 'GET ?list=1')
  await t.rejects(vault.list('secret/metadata/none'), { message: 'Status 404' })

  await vault.delete('secret/data/nv/app')
  await t.rejects(vault.read('secret/data/nv/app'), { message: 'Status 404' }, 'deleted version: raw 404')
  await vault.delete('secret/metadata/nv/app')
  await t.rejects(vault.read('secret/metadata/nv/app'), { message: 'Status 404' })
  t.same((await vault.list('secret/metadata/nv/')).data.keys, ['meta-only'])
})
