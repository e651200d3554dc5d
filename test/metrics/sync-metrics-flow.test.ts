// Issue 19's metrics Done-when: the seed workflow, a throttled burst and a firewall failure
// (emulator admin API), then `sys/metrics?format=prometheus` read with a Prometheus text-format
// parser: Vault-named gauges and counters, queue depth back to 0, the latency histogram's count
// equal to the versions written to Azure, every Azure request counted (each SDK retry after a
// 429 included) against the emulator's own request log.
import t from 'tap'
import { ENTRA_OPERATIONS } from '../../src/metrics/azure-request-policy.js'
import { adminClient } from '../akv-emulator/raw.js'
import { startSyncTestbed } from '../sync-testbed.js'
import { samples, scrape, total } from './prom-scrape.js'

t.test('seed workflow + throttled burst + firewall failure, as metrics', async (t) => {
  const tb = await startSyncTestbed(t, {
    env: { VAULT_SYNC_PROMETHEUS_RETENTION_TIME: '1h', VAULT_SYNC_TELEMETRY_DISABLE_HOSTNAME: 'true', VAULT_SYNC_AZURE_SDK_MAX_RETRIES: '3' }
  })
  const { app } = tb.server
  const admin = adminClient(t, tb.emu)
  const type = { destination_type: 'azure-kv' }

  // The seed workflow: a secret, a destination, an association, a second version.
  t.equal((await tb.put('my-secret', { foo: 'bar' })).statusCode, 200)
  await tb.destination('my-azure-1')
  t.equal((await tb.set('my-azure-1', 'my-secret')).statusCode, 200)
  await tb.settle()
  t.equal((await tb.put('my-secret', { foo: 'baz' })).statusCode, 200)
  await tb.settle()

  // A throttled burst: the next six writes answer 429; the SDK retries them itself.
  const fault = await admin('POST', '/faults', {
    match: { method: 'PUT', pathRegex: '^/secrets/' },
    action: { status: 429, code: 'Throttled', message: 'Request was not processed because too many requests were received.' },
    mode: { next: 6 }
  })
  t.equal(fault.status, 201, fault.text)
  const burst = Array.from({ length: 10 }, (_, i) => `burst-${i}`)
  await Promise.all(burst.map(async (n) => { await tb.put(n, { v: n }); await tb.set('my-azure-1', n) }))
  await tb.converge(async () => Object.values(await tb.associations('my-azure-1')).every((e) => e.sync_status === 'SYNCED'))

  // A firewall failure: the vault refuses this client; the association goes to an error status.
  t.equal((await admin('PATCH', '/vaults/vault1/settings', { policy: { firewall: { enabled: true, allow: ['10.0.0.0/8'] } } })).status, 200)
  await tb.put('walled', { v: 1 })
  await tb.set('my-azure-1', 'walled')
  await tb.settle()
  t.match(await tb.entry('my-azure-1', 'walled'), { sync_status: 'CLIENT_SIDE_ERROR' })
  const during = await scrape(app)
  t.equal(total(during, 'vaultsync_sync_associations', { ...type, status: 'CLIENT_SIDE_ERROR' }), 1, 'associations per status show the error')
  t.ok(total(during, 'vaultsync_sync_operations_total', { operation: 'write', status: 'CLIENT_SIDE_ERROR' }) >= 1, 'the failed write is counted')
  t.equal(total(during, 'vaultsync_sync_queue_depth', { destination: 'my-azure-1' }), 1, 'the failed association waits in the queue')
  t.ok(total(during, 'vaultsync_sync_queue_oldest_age_seconds', { destination: 'my-azure-1' }) > 0, 'and ages')
  t.equal((await admin('PATCH', '/vaults/vault1/settings', { policy: { firewall: { enabled: false } } })).status, 200)
  await tb.converge(async () => (await tb.entry('my-azure-1', 'walled'))?.sync_status === 'SYNCED')

  const m = await scrape(app)
  const log = tb.emu.requestLog({ limit: 100_000 })
  // Vault's secrets-sync gauges and counters, under the names Vault's Prometheus sink gives them.
  t.equal(total(m, 'vault_secrets_sync_destinations_count', type), 1)
  t.equal(total(m, 'vault_secrets_sync_associations_count', type), 12)
  t.equal(m.get('vault_secrets_sync_reconciliation_retry')?.type, 'COUNTER')
  t.ok(total(m, 'vault_secrets_sync_reconciliation_retry', type) >= 1, 'the firewall failure was retried')
  t.ok(total(m, 'vault_secrets_sync_reconciliation_retry_success', type) >= 1, 'and the retry succeeded')
  t.equal(total(m, 'vaultsync_sync_associations', { ...type, status: 'SYNCED' }), 12)
  t.equal(total(m, 'vaultsync_sync_associations', { ...type, status: 'CLIENT_SIDE_ERROR' }), 0)
  t.equal(total(m, 'vaultsync_sync_error_transitions_total', { direction: 'into', status: 'CLIENT_SIDE_ERROR' }), 1, 'one change into the error status')
  t.equal(total(m, 'vaultsync_sync_error_transitions_total', { direction: 'out_of', status: 'CLIENT_SIDE_ERROR' }), 1, 'and one out of it')
  // The queue drained.
  t.equal(total(m, 'vaultsync_sync_queue_depth', { destination: 'my-azure-1' }), 0, 'queue depth back to 0')
  t.equal(total(m, 'vaultsync_sync_queue_oldest_age_seconds', { destination: 'my-azure-1' }), 0)
  t.equal(total(m, 'vaultsync_sync_leased_rows'), 0)
  // One latency observation per version that reached Azure (each successful PUT is one Azure version).
  const written = log.filter((r) => r.method === 'PUT' && r.status === 200 && r.path.startsWith('/secrets/')).length
  t.ok(written >= 13, `${written} versions written`)
  t.equal(total(m, 'vaultsync_sync_latency_seconds', type), written, 'latency histogram count == synced versions')
  t.equal(total(m, 'vaultsync_sync_operations_total', { operation: 'write', status: 'success' }), written)
  // Every request the SDK sent, each retry included, against the emulator's log.
  const throttled = log.filter((r) => r.status === 429).length
  t.equal(throttled, 6, 'the emulator throttled six writes')
  t.equal(total(m, 'vaultsync_azure_requests_total', { operation: 'set_secret', status: '429' }), 6, 'every 429 counted, though the SDK retried them')
  t.equal(total(m, 'vaultsync_azure_requests_total', { status: '403' }), log.filter((r) => r.family === 'vault' && r.status === 403).length, 'firewall refusals counted')
  const requests = (entra: boolean): number => samples(m, 'vaultsync_azure_requests_total')
    .filter((s) => ENTRA_OPERATIONS.includes(s.labels?.operation ?? '') === entra).reduce((n, s) => n + Number(s.value), 0)
  t.equal(requests(false), log.filter((r) => r.family === 'vault').length, 'every Key Vault request counted once')
  t.equal(requests(true), log.filter((r) => r.family === 'entra').length, 'Entra requests too')
  t.equal(total(m, 'vaultsync_azure_requests_total', { operation: 'other' }), 0, 'every request has its operation name')
  for (const family of m.values()) {
    for (const s of family.metrics) {
      for (const v of Object.values(s.labels ?? {})) t.notOk(/burst-|my-secret|walled/.test(v), `${family.name}: no secret path or name as a label value`)
    }
  }
})
