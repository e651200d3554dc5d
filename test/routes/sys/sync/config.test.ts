// sys/sync/config (spec/vault-sync-api.md §3.2) and the activation gate (decisions D-15.1).
import t from 'tap'
import { join } from 'node:path'
import { loadConfig } from '../../../../src/config.js'
import { startServer } from '../../../../src/server.js'
import { NOT_ACTIVATED } from '../../../../routes/sys/sync/index.js'
import { startTestServer, tempDir, vault } from '../../../helper.js'
import { json, mergePatch } from '../../../sync-fixtures.js'

t.test('GET answers the defaults in the envelope', async (t) => {
  const { app } = await startTestServer(t)
  const res = await vault(app, 'GET', '/v1/sys/sync/config')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json')
  const body = json(res)
  t.same(body.data, { disabled: false, queue_capacity: 1000000 })
  t.equal(body.mount_type, 'system')
  t.equal(body.warnings, null)
})

t.test('PATCH merges only the fields sent, with lenient types', async (t) => {
  const { app } = await startTestServer(t)
  let res = await mergePatch(app, '/v1/sys/sync/config', { disabled: 'true' })
  t.equal(res.statusCode, 200)
  t.same(json(res).data, { disabled: true, queue_capacity: 1000000 })
  res = await mergePatch(app, '/v1/sys/sync/config', { queue_capacity: '5000' })
  t.same(json(res).data, { disabled: true, queue_capacity: 5000 }, 'disabled kept')
  t.same(json(await vault(app, 'GET', '/v1/sys/sync/config')).data, { disabled: true, queue_capacity: 5000 })
  res = await mergePatch(app, '/v1/sys/sync/config', { disabled: 'maybe' })
  t.equal(res.statusCode, 400)
  t.match(json(res).errors[0], /"disabled"/)
  res = await mergePatch(app, '/v1/sys/sync/config', { queue_capacity: 0 })
  t.equal(res.statusCode, 400)
  t.match(json(res).errors[0], /^queue_capacity/)
  t.same(json(await vault(app, 'GET', '/v1/sys/sync/config')).data, { disabled: true, queue_capacity: 5000 }, 'a refused PATCH changes nothing')
  res = await mergePatch(app, '/v1/sys/sync/config', { disabled: false, bogus: 1 })
  t.same(json(res).warnings, ['Endpoint ignored these unrecognized parameters: [bogus]'])
})

t.test('PATCH needs the merge-patch content type; POST is not an operation here', async (t) => {
  const { app } = await startTestServer(t)
  let res = await vault(app, 'PATCH', '/v1/sys/sync/config', { body: { disabled: true }, headers: { 'content-type': 'application/json' } })
  t.equal(res.statusCode, 415)
  t.same(json(res).errors, ['PATCH requires Content-Type of application/merge-patch+json, provided application/json'])
  res = await vault(app, 'POST', '/v1/sys/sync/config', { body: { disabled: true } })
  t.equal(res.statusCode, 405)
})

t.test('DELETE resets to the defaults and answers them', async (t) => {
  const { app } = await startTestServer(t)
  await mergePatch(app, '/v1/sys/sync/config', { disabled: true, queue_capacity: 7 })
  const res = await vault(app, 'DELETE', '/v1/sys/sync/config')
  t.equal(res.statusCode, 200)
  t.same(json(res).data, { disabled: false, queue_capacity: 1000000 })
  t.same(json(await vault(app, 'GET', '/v1/sys/sync/config')).data, { disabled: false, queue_capacity: 1000000 })
})

t.test('until activated every sys/sync path answers 400 (after the token check)', async (t) => {
  const dir = tempDir(t)
  const config = loadConfig({ dbPath: join(dir, 'v.db'), listenAddress: '127.0.0.1:0', sealKeyFile: join(dir, 'seal.key') }, { VAULT_SYNC_LOG_LEVEL: 'silent' })
  const server = await startServer({ config })
  t.teardown(server.close)
  const token = server.rootToken!
  for (const [method, url] of [['GET', '/v1/sys/sync/config'], ['GET', '/v1/sys/sync/destinations?list=true'],
    ['POST', '/v1/sys/sync/destinations/azure-kv/d1'], ['GET', '/v1/sys/sync/nope']] as const) {
    const res = await vault(server.app, method, url, { token, body: method === 'POST' ? {} : undefined })
    t.equal(res.statusCode, 400, `${method} ${url}`)
    t.same(json(res).errors, [NOT_ACTIVATED])
  }
  t.equal((await vault(server.app, 'GET', '/v1/sys/sync/config', { token: null })).statusCode, 403)
  const act = await vault(server.app, 'POST', '/v1/sys/activation-flags/secrets-sync/activate', { token })
  t.same(json(act).data, { activated: ['secrets-sync'], unactivated: [] })
  t.equal((await vault(server.app, 'GET', '/v1/sys/sync/config', { token })).statusCode, 200)
})
