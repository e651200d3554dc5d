// PG-8: Vault's `sys/metrics` contract (with and without a telemetry stanza, format selection,
// errors as text/plain) and PG-7: counters exported at 0, each replica its own process metrics,
// cluster-wide gauges from one place only.
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { startServer } from '../../src/server.js'
import { ROOT_TOKEN, startTestServer, vault } from '../helper.js'
import { parseMetrics, samples, scrape, total } from './prom-scrape.js'

const TELEMETRY = { VAULT_SYNC_PROMETHEUS_RETENTION_TIME: '24h', VAULT_SYNC_TELEMETRY_DISABLE_HOSTNAME: 'true' }

t.test('PG-8: without a telemetry stanza', async (t) => {
  const { app } = await startTestServer(t)
  const prom = await vault(app, 'GET', '/v1/sys/metrics?format=prometheus')
  t.equal(prom.statusCode, 400)
  t.equal(prom.headers['content-type'], 'text/plain')
  t.equal(prom.body, 'prometheus is not enabled')
  const accept = await vault(app, 'GET', '/v1/sys/metrics', { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })
  t.equal(accept.body, 'prometheus is not enabled', 'the OpenMetrics Accept header selects prometheus')
  const json = await vault(app, 'GET', '/v1/sys/metrics')
  t.equal(json.statusCode, 200)
  t.match(json.headers['content-type'], /^application\/json/)
  t.match(json.json(), { Gauges: Array, Counters: Array, Samples: Array, Points: [] }, "Vault's in-memory summary")
  t.ok(json.json().Counters.some((c: { Name: string }) => c.Name === 'vault.secrets-sync.reconciliation.retry'), 'Vault names in the summary')
  const unknown = await vault(app, 'GET', '/v1/sys/metrics?format=xml')
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.headers['content-type'], 'text/plain')
  t.equal(unknown.body, 'metric response format "xml" unknown')
  t.equal((await vault(app, 'GET', '/v1/sys/metrics', { token: null })).statusCode, 403, 'a token is needed')
})

t.test('PG-8: with a telemetry stanza', async (t) => {
  const { app } = await startTestServer(t, TELEMETRY)
  const prom = await vault(app, 'GET', '/v1/sys/metrics?format=prometheus')
  t.equal(prom.statusCode, 200)
  t.equal(prom.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  t.ok(parseMetrics(prom.body).has('vault_secrets_sync_reconciliation_retry'))
  for (const accept of ['application/openmetrics-text', 'text/html, prometheus/telemetry;q=0.5']) {
    const res = await vault(app, 'GET', '/v1/sys/metrics', { headers: { accept } })
    t.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8', `Accept: ${accept} selects prometheus`)
  }
  const json = await vault(app, 'GET', '/v1/sys/metrics', { headers: { accept: 'application/json' } })
  t.match(json.headers['content-type'], /^application\/json/, 'any other Accept header: JSON')
  t.equal((await vault(app, 'GET', '/v1/sys/metrics?format=json')).statusCode, 400, 'only prometheus or empty')
  t.equal((await vault(app, 'GET', '/v1/sys/metrics?format=prometheus', { token: null })).statusCode, 403)
})

t.test('PG-8: unauthenticated_metrics_access', async (t) => {
  const { app } = await startTestServer(t, { ...TELEMETRY, VAULT_SYNC_UNAUTHENTICATED_METRICS_ACCESS: 'true' })
  const res = await vault(app, 'GET', '/v1/sys/metrics?format=prometheus', { token: null })
  t.equal(res.statusCode, 200)
})

t.test('PG-8: disable_hostname = false puts the host name into gauge names, as Vault\'s sink does', async (t) => {
  const { app } = await startTestServer(t, { VAULT_SYNC_PROMETHEUS_RETENTION_TIME: '1h', VAULT_SYNC_WORKER: 'on', VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS: 'true' })
  const names = [...(await scrape(app)).keys()]
  t.ok(names.some((n) => /^vault_.+_secrets_sync_destinations_count$/.test(n) && n !== 'vault_secrets_sync_destinations_count'), names.filter((n) => n.startsWith('vault_')).join(' '))
  t.ok(names.includes('vault_secrets_sync_reconciliation_retry'), 'counters keep their name')
})

t.test('PG-7: every counter is exported at 0 before its first event', async (t) => {
  const { app } = await startTestServer(t, TELEMETRY)
  const m = await scrape(app)
  for (const name of ['correction', 'retry', 'retry_success', 'retry_failure']) {
    const family = m.get(`vault_secrets_sync_reconciliation_${name}`)
    t.equal(family?.type, 'COUNTER', `${name}: a counter, without _total as Vault renders it`)
    t.same(samples(m, `vault_secrets_sync_reconciliation_${name}`).map((s) => [s.labels, s.value]), [[{ destination_type: 'azure-kv' }, '0']])
  }
  t.equal(total(m, 'vaultsync_sync_operations_total', { operation: 'write', status: 'success', destination_type: 'azure-kv' }), 0)
  t.equal(samples(m, 'vaultsync_sync_operations_total', { operation: 'write', status: 'EXTERNAL_SERVICE_ERROR' }).length, 1)
  t.equal(samples(m, 'vaultsync_azure_requests_total', { operation: 'set_secret', status: '429' })[0]?.value, '0')
  t.equal(m.get('vaultsync_sync_latency_seconds')?.type, 'HISTOGRAM')
  t.equal(samples(m, 'vaultsync_sync_latency_seconds_count', { destination_type: 'azure-kv' })[0]?.value, '0', 'the latency histogram exists, empty')
  for (const family of m.values()) {
    if (family.type !== 'COUNTER') continue
    t.ok(family.metrics.length > 0, `${family.name} has at least one series`)
  }
})

t.test('PG-7: replicas: own process metrics each, cluster-wide gauges from the worker\'s process only', async (t) => {
  const a = await startTestServer(t, { ...TELEMETRY, VAULT_SYNC_WORKER: 'on', VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS: 'true' })
  const config = loadConfig(
    { dbPath: a.dbPath, listenAddress: '127.0.0.1:0', sealKeyFile: join(a.dir, 'seal.key') },
    { VAULT_SYNC_LOG_LEVEL: 'silent', VAULT_SYNC_WORKER: 'off', ...a.storageEnv, ...TELEMETRY }
  )
  const b = await startServer({ config, dev: { rootTokenId: ROOT_TOKEN } })
  t.teardown(b.close)
  const create = await vault(b.app, 'POST', '/v1/sys/sync/destinations/azure-kv/d1', {
    body: { key_vault_uri: 'https://127.0.0.1:1', tenant_id: 't', client_id: 'c', client_secret: 's' }
  })
  t.equal(create.statusCode, 200, create.body)
  const [ma, mb] = [await scrape(a.app), await scrape(b.app)]
  t.equal(total(ma, 'vault_secrets_sync_destinations_count', { destination_type: 'azure-kv' }), 1, 'the worker\'s replica reports the destination')
  t.equal(samples(mb, 'vault_secrets_sync_destinations_count').length, 0, 'the other replica exports no cluster-wide gauge')
  t.equal(samples(mb, 'vaultsync_sync_queue_depth').length, 0)
  t.equal(samples(mb, 'vaultsync_sync_associations').length, 0)
  t.equal(total(ma, 'vaultsync_sync_queue_depth', { destination: 'd1' }), 0)
  t.equal(total(ma, 'vaultsync_cluster_gauges_owner'), 1)
  t.equal(total(mb, 'vaultsync_cluster_gauges_owner'), 0)
  t.equal(total(ma, 'vaultsync_worker_running') + total(mb, 'vaultsync_worker_running'), 1)
  const posts = (m: typeof ma): number => total(m, 'vaultsync_http_request_duration_seconds', { method: 'POST', route: '/v1/sys/sync/destinations/azure-kv/:name' })
  t.equal(posts(mb), 1, 'the replica that served the request counts it')
  t.equal(posts(ma), 0, 'the other does not')
  for (const m of [ma, mb]) t.ok(total(m, 'process_cpu_user_seconds_total') > 0, 'each replica exports its own process metrics')
  t.ok(total(ma, 'nodejs_eventloop_lag_seconds') >= 0 && ma.has('nodejs_eventloop_lag_seconds'), 'event-loop metrics')
})
