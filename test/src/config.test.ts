// src/config.ts: defaults (decisions D-18), validation naming the variable, dev defaults vs explicit env.
import t from 'tap'
import { loadConfig, parseListenAddress } from '../../src/config.js'
import { settingsNeedingRestart } from '../../src/config/restart-settings.js'

t.test('defaults', async (t) => {
  const c = loadConfig({}, {})
  t.equal(c.dbPath, './data/vault-sync.db')
  t.same(c.listen, { host: '127.0.0.1', port: 8200 })
  t.equal(c.sealKeyFile, 'data/seal.key')
  t.equal(c.maxRequestBytes, 33554432)
  t.equal(c.worker, true)
  t.same([c.reconcileIntervalMs, c.backoffBaseMs, c.backoffMaxMs, c.clientErrorRetryMs, c.unsyncedRetentionMs], [300000, 1000, 300000, 600000, 600000])
  t.equal(c.minWriteIntervalMs, 500, 'minimum interval between attempts of one association (issue 17)')
  t.same(c.azure, {
    authorityHost: undefined, caFile: undefined, disableInstanceDiscovery: false, disableChallengeResourceVerification: false,
    allowLoopbackDestinations: false, maxConcurrency: 8, sdkMaxRetries: 0, pollIntervalMs: 2000, pollTimeoutMs: 60000, requestTimeoutMs: 30000
  })
  t.ok(Object.isFrozen(c))
})

t.test('values, and every bad value names its variable', async (t) => {
  const c = loadConfig({}, { VAULT_SYNC_BACKOFF_BASE: '10ms', VAULT_SYNC_WORKER: 'off', VAULT_SYNC_LISTEN_ADDRESS: '[::1]:9000', VAULT_SYNC_AZURE_POLL_INTERVAL: '10ms' })
  t.equal(c.backoffBaseMs, 10)
  t.equal(c.worker, false)
  t.same(c.listen, { host: '::1', port: 9000 })
  t.equal(c.azure.pollIntervalMs, 10)
  t.equal(loadConfig({}, { VAULT_SYNC_LOG_LEVEL: ' DEBUG\n' }).logLevel, 'debug', 'the log level trimmed and lower-cased, as Vault')
  t.same(c.drift, { mode: 'detect', intervalMs: 3_600_000, repairMissing: false, budgetShare: 0.1, maxCallsPerSweep: 2_400, pageSize: 25 }, 'drift defaults (issue 21)')
  for (const [variable, value] of [
    ['VAULT_SYNC_LISTEN_ADDRESS', 'nope'], ['VAULT_SYNC_LISTEN_ADDRESS', '1.2.3.4:99999'], ['VAULT_SYNC_MAX_REQUEST_BYTES', '0'],
    ['VAULT_SYNC_BACKOFF_MAX', 'soon'], ['VAULT_SYNC_BACKOFF_BASE', '-1s'], ['VAULT_SYNC_WORKER', 'maybe'],
    ['VAULT_SYNC_LOG_LEVEL', 'loud'], ['VAULT_SYNC_AZURE_SDK_MAX_RETRIES', '-1'], ['VAULT_SYNC_MIN_WRITE_INTERVAL', 'often'],
    ['VAULT_SYNC_DRIFT_MODE', 'fix'], ['VAULT_SYNC_DRIFT_INTERVAL', '30s'], ['VAULT_SYNC_DRIFT_INTERVAL', 'hourly'],
    ['VAULT_SYNC_DRIFT_REPAIR_MISSING', 'maybe'], ['VAULT_SYNC_DRIFT_BUDGET_PERCENT', '60'], ['VAULT_SYNC_DRIFT_PAGE_SIZE', '26'], ['VAULT_SYNC_DRIFT_MAX_CALLS', '0'],
    ['VAULT_SYNC_AZURE_REQUEST_TIMEOUT', '0s'], ['VAULT_SYNC_AZURE_REQUEST_TIMEOUT', 'never'], ['VAULT_SYNC_AZURE_REQUEST_TIMEOUT', '30d']
  ]) {
    t.throws(() => loadConfig({}, { [variable]: value }), { name: 'ConfigError', message: new RegExp(`^${variable}: `) }, `${variable}=${value}`)
  }
  t.throws(() => loadConfig({}, { VAULT_SYNC_TLS_CERT_FILE: '/x.pem' }), { message: /^VAULT_SYNC_TLS_KEY_FILE: TLS needs both/ }, 'names the missing half')
  t.throws(() => parseListenAddress('x', '-dev-listen-address'), /^-dev-listen-address: /)
})

t.test('dev defaults for the emulator yield to explicit VAULT_SYNC_AZURE_* settings', async (t) => {
  const azureDefaults = { authorityHost: 'https://127.0.0.1:1', caFile: '/emu/ca.pem', disableInstanceDiscovery: true, disableChallengeResourceVerification: true, allowLoopbackDestinations: true }
  const dev = loadConfig({ azureDefaults }, {})
  t.match(dev.azure, azureDefaults)
  const explicit = loadConfig({ azureDefaults }, { VAULT_SYNC_AZURE_AUTHORITY_HOST: 'https://login.example', VAULT_SYNC_AZURE_DISABLE_INSTANCE_DISCOVERY: 'false' })
  t.equal(explicit.azure.authorityHost, 'https://login.example')
  t.equal(explicit.azure.disableInstanceDiscovery, false)
  t.equal(explicit.azure.caFile, '/emu/ca.pem')
})

t.test('storage: sqlite by default; postgresql needs VAULT_PG_CONNECTION_URL, never echoed', async (t) => {
  const d = loadConfig({}, {})
  t.equal(d.storage, 'sqlite')
  t.equal(d.postgres, undefined)
  const url = 'postgresql://vs:s3cret@db.example:5432/vs?sslmode=require'
  const p = loadConfig({}, { VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: url, VAULT_SYNC_PG_MAX_PARALLEL: '32' })
  t.same(p.postgres, { connectionUrl: url, maxParallel: 32 })
  t.equal(loadConfig({}, { VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: url }).postgres?.maxParallel, 10)
  t.throws(() => loadConfig({}, { VAULT_SYNC_STORAGE: 'mysql' }), { message: /^VAULT_SYNC_STORAGE: "mysql" is not one of sqlite, postgresql/ })
  t.throws(() => loadConfig({}, { VAULT_SYNC_STORAGE: 'postgresql' }), { message: /^VAULT_PG_CONNECTION_URL: is required/ })
  t.throws(() => loadConfig({}, { VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: 'mysql://u:s3cret@h/d' }), { message: /^VAULT_PG_CONNECTION_URL: is not a postgresql:\/\/ URL$/ })
  t.throws(() => loadConfig({}, { VAULT_SYNC_PG_MAX_PARALLEL: '0' }), { message: /^VAULT_SYNC_PG_MAX_PARALLEL: / })
})

t.test('server -dev turns Prometheus output on as vault server -dev does; explicit settings win', async (t) => {
  const plain = loadConfig({}, {})
  t.equal(plain.telemetry.prometheusRetentionMs, 0, 'no telemetry stanza: Prometheus off (PG-8)')
  const dev = loadConfig({ devTelemetry: true }, {})
  t.equal(dev.telemetry.prometheusRetentionMs, 24 * 3600 * 1000, 'prometheus_retention_time = "24h"')
  t.equal(dev.telemetry.disableHostname, true, 'disable_hostname = true')
  const explicit = loadConfig({ devTelemetry: true }, { VAULT_SYNC_PROMETHEUS_RETENTION_TIME: '0s', VAULT_SYNC_TELEMETRY_DISABLE_HOSTNAME: 'false' })
  t.equal(explicit.telemetry.prometheusRetentionMs, 0)
  t.equal(explicit.telemetry.disableHostname, false)
})

t.test('SIGHUP: the changed settings a reload cannot apply, by their config-file names, never their values', async (t) => {
  const running = loadConfig({}, { VAULT_PG_CONNECTION_URL: 'postgresql://u:secret@db/x' })
  const next = loadConfig({}, {
    VAULT_PG_CONNECTION_URL: 'postgresql://u:secret@db/x', VAULT_SYNC_LOG_LEVEL: 'debug', VAULT_SYNC_LISTEN_ADDRESS: '127.0.0.1:9999',
    VAULT_SYNC_RECONCILE_INTERVAL: '2m', VAULT_SYNC_AZURE_REQUEST_TIMEOUT: '10s', VAULT_SYNC_DRIFT_MODE: 'repair'
  })
  t.same(settingsNeedingRestart(running, next), ['address', 'reconcile_interval', 'azure_* (sync)', 'drift_* (sync)'], 'log_level is reloaded: not listed')
  t.same(settingsNeedingRestart(running, running), [])
})
