// R2-4: every documented `-config` key reaches the setting it names (a file with only that key,
// against the defaults), environment variables win over the file, and bad files fail with the
// file, the line and the key.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../../src/config.js'
import { loadConfigWithFile, parseConfigText, readConfigFile } from '../../src/config/config-file.js'
import { LISTENER_KEYS, SEAL_FILE_KEYS, STORAGE_SQLITE_KEYS, SYNC_KEYS, TELEMETRY_KEYS, TOP_KEYS } from '../../src/config/config-keys.js'
import { tempDir } from '../helper.js'

type Probe = [hcl: string, read: (c: Readonly<Config>) => unknown, expected: unknown]
const PLAIN = 'listener "tcp" {\n  tls_disable = true\n}\n'

/** One probe per documented key: the file text and where its value must show in the Config. */
const PROBES: Record<string, Probe> = {
  api_addr: ['api_addr = "https://sync.example:8200"\n', (c) => c.apiAddr, 'https://sync.example:8200'],
  log_level: ['log_level = "debug"\n', (c) => c.logLevel, 'debug'],
  log_format: ['log_format = "standard"\n', (c) => c.logFormat, 'standard'],
  log_requests_level: ['log_requests_level = "info"\n', (c) => c.logRequestsLevel, 'info'],
  audit_file: ['audit_file = "/tmp/audit.log"\n', (c) => c.auditFile, '/tmp/audit.log'],
  'storage.path': ['storage "sqlite" {\n  path = "/srv/x.db"\n}\n', (c) => c.dbPath, '/srv/x.db'],
  'seal.path': ['seal "file" {\n  path = "/srv/seal.key"\n}\n', (c) => c.sealKeyFile, '/srv/seal.key'],
  'listener.address': ['listener "tcp" {\n  address = "0.0.0.0:8300"\n  tls_disable = true\n}\n', (c) => c.listen, { host: '0.0.0.0', port: 8300 }],
  'listener.tls_cert_file': ['listener "tcp" {\n  tls_cert_file = "/c.pem"\n  tls_key_file = "/k.pem"\n}\n', (c) => [c.tlsCertFile, c.tlsKeyFile], ['/c.pem', '/k.pem']],
  'listener.max_request_size': ['listener "tcp" {\n  tls_disable = true\n  max_request_size = 1024\n}\n', (c) => c.maxRequestBytes, 1024],
  'telemetry.prometheus_retention_time': ['telemetry {\n  prometheus_retention_time = "30s"\n}\n', (c) => c.telemetry.prometheusRetentionMs, 30_000],
  'telemetry.disable_hostname': ['telemetry {\n  disable_hostname = true\n}\n', (c) => c.telemetry.disableHostname, true],
  'telemetry.unauthenticated_metrics_access': ['telemetry {\n  unauthenticated_metrics_access = true\n}\n', (c) => c.telemetry.unauthenticatedMetricsAccess, true],
  'listener.telemetry.unauthenticated_metrics_access': ['listener "tcp" {\n  tls_disable = true\n  telemetry {\n    unauthenticated_metrics_access = true\n  }\n}\n', (c) => c.telemetry.unauthenticatedMetricsAccess, true],
  'sync.worker': ['sync {\n  worker = false\n}\n', (c) => c.worker, false],
  'sync.reconcile_interval': ['sync {\n  reconcile_interval = "2m"\n}\n', (c) => c.reconcileIntervalMs, 120_000],
  'sync.backoff_base': ['sync {\n  backoff_base = 3\n}\n', (c) => c.backoffBaseMs, 3000],
  'sync.backoff_max': ['sync {\n  backoff_max = "7m"\n}\n', (c) => c.backoffMaxMs, 420_000],
  'sync.client_error_retry': ['sync {\n  client_error_retry = "1h"\n}\n', (c) => c.clientErrorRetryMs, 3_600_000],
  'sync.unsynced_retention': ['sync {\n  unsynced_retention = "1m"\n}\n', (c) => c.unsyncedRetentionMs, 60_000],
  'sync.allow_loopback_destinations': ['sync {\n  allow_loopback_destinations = true\n}\n', (c) => c.azure.allowLoopbackDestinations, true],
  'sync.azure_authority_host': ['sync {\n  azure_authority_host = "https://login.example"\n}\n', (c) => c.azure.authorityHost, 'https://login.example'],
  'sync.azure_ca_file': ['sync {\n  azure_ca_file = "/ca.pem"\n}\n', (c) => c.azure.caFile, '/ca.pem'],
  'sync.azure_disable_instance_discovery': ['sync {\n  azure_disable_instance_discovery = true\n}\n', (c) => c.azure.disableInstanceDiscovery, true],
  'sync.azure_disable_challenge_resource_verification': ['sync {\n  azure_disable_challenge_resource_verification = true\n}\n', (c) => c.azure.disableChallengeResourceVerification, true],
  'sync.azure_max_concurrency': ['sync {\n  azure_max_concurrency = 3\n}\n', (c) => c.azure.maxConcurrency, 3],
  'sync.azure_sdk_max_retries': ['sync {\n  azure_sdk_max_retries = 2\n}\n', (c) => c.azure.sdkMaxRetries, 2],
  'sync.azure_poll_interval': ['sync {\n  azure_poll_interval = "500ms"\n}\n', (c) => c.azure.pollIntervalMs, 500],
  'sync.azure_poll_timeout': ['sync {\n  azure_poll_timeout = "2m"\n}\n', (c) => c.azure.pollTimeoutMs, 120_000],
  'sync.azure_request_timeout': ['sync {\n  azure_request_timeout = "45s"\n}\n', (c) => c.azure.requestTimeoutMs, 45_000],
  'sync.drift_mode': ['sync {\n  drift_mode = "repair"\n}\n', (c) => c.drift.mode, 'repair'],
  'sync.drift_interval': ['sync {\n  drift_interval = "15m"\n}\n', (c) => c.drift.intervalMs, 900_000],
  'sync.drift_repair_missing': ['sync {\n  drift_repair_missing = true\n}\n', (c) => c.drift.repairMissing, true],
  'sync.drift_budget_percent': ['sync {\n  drift_budget_percent = 5\n}\n', (c) => c.drift.budgetShare, 0.05],
  'sync.drift_max_calls': ['sync {\n  drift_max_calls = 500\n}\n', (c) => c.drift.maxCallsPerSweep, 500],
  'sync.drift_page_size': ['sync {\n  drift_page_size = 10\n}\n', (c) => c.drift.pageSize, 10]
}

/** Settings other parts of vault-sync add to config.ts: probed once config.ts reads their variable. */
const LATER: Record<string, Probe> = {
  ui: ['ui = true\n', (c) => (c as any).ui, true],
  'listener.max_json_depth': ['listener "tcp" {\n  tls_disable = true\n  max_json_depth = 7\n}\n', (c) => (c as any).http?.json?.maxDepth, 7],
  'listener.max_json_string_value_length': ['listener "tcp" {\n  tls_disable = true\n  max_json_string_value_length = 77\n}\n', (c) => (c as any).http?.json?.maxStringValueLength, 77],
  'listener.max_json_object_entry_count': ['listener "tcp" {\n  tls_disable = true\n  max_json_object_entry_count = 7\n}\n', (c) => (c as any).http?.json?.maxObjectEntryCount, 7],
  'listener.max_json_array_element_count': ['listener "tcp" {\n  tls_disable = true\n  max_json_array_element_count = 7\n}\n', (c) => (c as any).http?.json?.maxArrayElementCount, 7],
  'listener.max_json_token': ['listener "tcp" {\n  tls_disable = true\n  max_json_token = 77\n}\n', (c) => (c as any).http?.json?.maxTokens, 77],
  'listener.http_read_header_timeout': ['listener "tcp" {\n  tls_disable = true\n  http_read_header_timeout = "3s"\n}\n', (c) => (c as any).http?.timeouts?.headersMs, 3000],
  'listener.http_read_timeout': ['listener "tcp" {\n  tls_disable = true\n  http_read_timeout = "33s"\n}\n', (c) => (c as any).http?.timeouts?.requestMs, 33_000],
  'listener.http_idle_timeout': ['listener "tcp" {\n  tls_disable = true\n  http_idle_timeout = "333s"\n}\n', (c) => (c as any).http?.timeouts?.idleMs, 333_000],
  'sync.min_write_interval': ['sync {\n  min_write_interval = "3s"\n}\n', (c) => (c as any).minWriteIntervalMs, 3000]
}

const CONFIG_SOURCE = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'config.ts'), 'utf8')

/** A file must give the storage (as in Vault): probes without a storage stanza get this one. */
const STORAGE = 'storage "sqlite" {\n  path = "/srv/data/default.db"\n}\n'

async function configOf (hcl: string, env: Record<string, string> = {}): Promise<Readonly<Config>> {
  const text = `${hcl}${hcl.includes('listener') ? '' : PLAIN}${hcl.includes('storage') ? '' : STORAGE}`
  return loadConfigWithFile(await parseConfigText('test.hcl', text), {}, env)
}

t.test('every documented key takes effect', async (t) => {
  const documented = [
    ...Object.keys(TOP_KEYS), ...Object.keys(STORAGE_SQLITE_KEYS).map((k) => `storage.${k}`), ...Object.keys(SEAL_FILE_KEYS).map((k) => `seal.${k}`),
    ...Object.keys(LISTENER_KEYS).filter((k) => k !== 'tls_key_file').map((k) => `listener.${k}`),
    ...Object.keys(TELEMETRY_KEYS).map((k) => `telemetry.${k}`), 'listener.telemetry.unauthenticated_metrics_access',
    ...Object.keys(SYNC_KEYS).map((k) => `sync.${k}`)
  ]
  const envOf = (key: string): string => {
    const [block, ...rest] = key.split('.')
    const table: Record<string, Record<string, { env: string }>> = { storage: STORAGE_SQLITE_KEYS, seal: SEAL_FILE_KEYS, listener: LISTENER_KEYS, telemetry: TELEMETRY_KEYS, sync: SYNC_KEYS }
    return rest.length === 0 ? TOP_KEYS[block].env : (table[block][rest[rest.length - 1]] ?? TELEMETRY_KEYS[rest[rest.length - 1]]).env
  }
  for (const key of documented) {
    if (LATER[key] !== undefined && !CONFIG_SOURCE.includes(`'${envOf(key)}'`)) { t.comment(`${key}: ${envOf(key)} is not read by this build's config.ts yet`); continue }
    const probe = PROBES[key] ?? LATER[key]
    if (probe === undefined) { t.fail(`${key} has no probe`); continue }
    const [hcl, read, expected] = probe
    const defaults = await configOf('')
    t.notSame(read(defaults), expected, `${key}: the probe value is not the default`)
    t.same(read(await configOf(hcl)), expected, `${key} takes effect`)
  }
  const json = loadConfigWithFile(await parseConfigText('c.json', JSON.stringify({
    storage: { sqlite: { path: '/srv/j.db' } }, listener: [{ tcp: { address: '127.0.0.1:9', tls_disable: true } }], telemetry: { disable_hostname: true }
  })))
  t.match(json, { dbPath: '/srv/j.db', listen: { port: 9 }, telemetry: { disableHostname: true, prometheusRetentionMs: 86_400_000 } }, 'JSON files too; a telemetry stanza means 24h of Prometheus retention')
  t.equal((await configOf('')).telemetry.prometheusRetentionMs, 0, 'no telemetry stanza: Prometheus off')
})

t.test('environment variables win over the file', async (t) => {
  const c = await configOf('log_level = "debug"\nsync {\n  worker = false\n}\n', { VAULT_SYNC_LOG_LEVEL: 'warn', VAULT_SYNC_WORKER: '' })
  t.equal(c.logLevel, 'warn')
  t.equal(c.worker, false, 'an empty variable does not hide the file')
})

t.test('bad files fail with the file, the line and the key', async (t) => {
  const dir = tempDir(t)
  const cases: Array<[string, RegExp]> = [
    [`${PLAIN}sync {\n  reconcile_intervall = "1m"\n}\n`, /^bad\.hcl:5: sync reconcile_intervall: unknown key$/],
    [`${PLAIN}cluster_addr = "https://x:8201"\n`, /^bad\.hcl:4: cluster_addr: Vault has this setting, but vault-sync does not support it$/],
    ['listener "tcp" {\n  tls_disable = true\n  tls_min_version = "tls12"\n}\n', /^bad\.hcl:3: listener "tcp" tls_min_version: Vault has this setting/],
    ['listener "tcp" {\n  address = "0.0.0.0:8200"\n}\n', /^bad\.hcl:1: listener "tcp": TLS is on unless tls_disable = true/],
    [`${PLAIN}storage "raft" {\n  path = "/x"\n}\n`, /^bad\.hcl:4: storage "raft": not supported/],
    [`${PLAIN}storage "postgresql" {\n  connection_url = "postgresql://db/vs"\n  ha_enabled = "false"\n}\n`, /^bad\.hcl:6: storage "postgresql" ha_enabled: replicas on PostgreSQL always run highly available/],
    [`${PLAIN}storage "postgresql" {\n  connection_url = "postgresql://db/vs"\n  ha_table = "locks"\n}\n`, /^bad\.hcl:6: storage "postgresql" ha_table: Vault has this setting, but vault-sync does not support it$/],
    [`${PLAIN}storage "postgresql" {\n  max_parallel = "4"\n}\n`, /^VAULT_PG_CONNECTION_URL: is required when VAULT_SYNC_STORAGE=postgresql$/],
    [`${PLAIN}telemetry {\n  disable_hostname = "maybe"\n}\n`, /^bad\.hcl:5: telemetry disable_hostname: must be true or false$/],
    ['listener "tcp" {\n  tls_disable = true\n  max_request_size = -1\n}\n', /^bad\.hcl:3: listener "tcp" max_request_size: "-1" is not a positive integer$/],
    [`${PLAIN}log_level = "loud"\n`, /^bad\.hcl:4: log_level: "loud" is not one of/],
    [`${PLAIN}sync {\n  backoff_max = "soon"\n}\n`, /^bad\.hcl:5: sync backoff_max: "soon" is not a duration/],
    ['listener "tcp" {\n  tls_disable = true\n', /^bad\.hcl:\d+: cannot parse the configuration/],
    // A stanza written without its type label is refused, never dropped (it was ignored).
    [`${PLAIN}seal {\n  path = "/etc/vault-sync/seal.key"\n}\n`, /^bad\.hcl:4: seal: the stanza needs its type as a label: seal "file"/],
    ['listener {\n  address = "127.0.0.1:8300"\n  tls_disable = true\n}\n', /^bad\.hcl:1: listener: the stanza needs its type as a label: listener "tcp"/],
    [`${PLAIN}storage {\n  path = "/var/lib/vs.db"\n}\n`, /^bad\.hcl:4: storage: the stanza needs its type as a label/],
    ['{"listener": {"address": "127.0.0.1:8300", "tls_disable": true}}', /^bad\.hcl:\d+: listener: the stanza needs its type as a label/]
  ]
  for (const [text, expected] of cases) {
    const file = join(dir, 'bad.hcl')
    writeFileSync(file, text)
    const err = await (async () => { loadConfigWithFile(await readConfigFile(file)) })().then(() => undefined, (e: Error) => e)
    t.match(err?.message.replace(`${dir}/`, ''), expected, text.split('\n').slice(-3).join(' | '))
  }
  await t.rejects(readConfigFile(join(dir, 'missing.hcl')), /missing\.hcl: cannot read the configuration file: ENOENT/)
})

t.test('storage "postgresql": Vault\'s connection_url and max_parallel; VAULT_PG_CONNECTION_URL wins over the file', async (t) => {
  const hcl = 'storage "postgresql" {\n  connection_url = "postgresql://vs@db:5432/vs?sslmode=require"\n  max_parallel = "4"\n  ha_enabled = "true"\n}\n'
  t.match(await configOf(hcl), { storage: 'postgresql', postgres: { connectionUrl: 'postgresql://vs@db:5432/vs?sslmode=require', maxParallel: 4 } })
  t.match(await configOf(hcl, { VAULT_PG_CONNECTION_URL: 'postgresql://other/vs' }), { storage: 'postgresql', postgres: { connectionUrl: 'postgresql://other/vs', maxParallel: 4 } })
  t.match(await configOf('storage "sqlite" {\n  path = "/srv/x.db"\n}\n'), { storage: 'sqlite', postgres: undefined })
})

t.test('a file must give the storage, as Vault\'s: a stanza with a path, or the environment', async (t) => {
  const load = async (hcl: string, env: Record<string, string> = {}, overrides = {}): Promise<unknown> =>
    await (async () => loadConfigWithFile(await parseConfigText('s.hcl', `${PLAIN}${hcl}`), overrides, env))().catch((e: Error) => e)
  t.match(await load(''), { message: /^s\.hcl: A storage backend must be specified \(as in Vault\)/ })
  t.match(await load('storage "sqlite" {\n}\n'), { message: /^s\.hcl:4: storage "sqlite": path must be set/ })
  t.match(await load('storage "sqlite" {\n}\n', { VAULT_SYNC_STORAGE: 'sqlite' }), { message: /path must be set/ }, 'naming the engine is not naming the file')
  t.match(await load('', { VAULT_SYNC_DB_PATH: '/srv/e.db' }), { dbPath: '/srv/e.db', storage: 'sqlite' }, 'VAULT_SYNC_DB_PATH gives it')
  t.match(await load('storage "sqlite" {\n}\n', { VAULT_SYNC_DB_PATH: '/srv/e.db' }), { dbPath: '/srv/e.db' })
  t.match(await load('', { VAULT_SYNC_STORAGE: 'postgresql', VAULT_PG_CONNECTION_URL: 'postgresql://db/vs' }), { storage: 'postgresql' }, 'so does VAULT_SYNC_STORAGE=postgresql')
  t.match(await load('storage "postgresql" {\n  connection_url = "postgresql://db/vs"\n}\n'), { storage: 'postgresql' })
  t.match(await load('', {}, { dbPath: ':memory:' }), { dbPath: ':memory:', dbPathSetting: '-dev-db' }, '-dev runs in memory or on -dev-db')
})

t.test('the example files in deploy/ parse and load', async (t) => {
  for (const name of ['vault-sync.hcl', 'vault-sync.json']) {
    const layer = await readConfigFile(join(import.meta.dirname, '..', '..', 'deploy', name))
    const c = loadConfigWithFile(layer, {}, {})
    t.equal(c.dbPath, '/var/lib/vault-sync/vault-sync.db', `${name}: storage path`)
    t.equal(c.sealKeyFile, '/etc/vault-sync/seal.key', `${name}: seal key apart from the database`)
    t.ok(c.telemetry.prometheusRetentionMs > 0 && c.telemetry.disableHostname, `${name}: Prometheus metrics on, Vault's recommended disable_hostname`)
  }
})
