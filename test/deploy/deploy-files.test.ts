// The operations files in deploy/: the Prometheus alert rules parse and every metric they use is
// one a real server exports; the same for the Grafana dashboard; the systemd unit starts the
// server with the example configuration's path and the env file names only known variables.
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { startTestServer, vault } from '../helper.js'
import { scrape } from '../metrics/prom-scrape.js'

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy')
const read = (p: string): string => readFileSync(join(DEPLOY, p), 'utf8')

/** Metric names in a PromQL expression (identifiers followed by `{`, `[`, `)` or an operator, not label names or functions). */
function metricNames (expr: string): string[] {
  return [...expr.matchAll(/\b((?:vault|vaultsync|nodejs|process)_[a-z0-9_]+|up)\b(?!\s*\()/g)].map((m) => m[1])
}

async function exportedNames (t: Test): Promise<Set<string>> {
  const { app } = await startTestServer(t, {
    VAULT_SYNC_PROMETHEUS_RETENTION_TIME: '1h', VAULT_SYNC_TELEMETRY_DISABLE_HOSTNAME: 'true', VAULT_SYNC_WORKER: 'on', VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS: 'true'
  })
  await vault(app, 'POST', '/v1/sys/sync/destinations/azure-kv/d1', { body: { key_vault_uri: 'https://127.0.0.1:1', tenant_id: 't', client_id: 'c', client_secret: 's' } })
  await vault(app, 'GET', '/v1/sys/health')
  const families = await scrape(app)
  const names = new Set<string>(['up'])
  for (const [name, f] of families) {
    names.add(name)
    if (f.type === 'HISTOGRAM') for (const s of ['_bucket', '_count', '_sum']) names.add(`${name}${s}`)
  }
  return names
}

const balanced = (s: string): boolean => {
  let depth = 0
  for (const c of s) { depth += c === '(' ? 1 : c === ')' ? -1 : 0; if (depth < 0) return false }
  return depth === 0
}

t.test('alert rules: valid structure, only exported metrics', async (t) => {
  const names = await exportedNames(t)
  const doc = parse(read('prometheus/vault-sync-alerts.yml')) as { groups: Array<{ name: string, rules: Array<Record<string, any>> }> }
  t.equal(doc.groups.length, 1)
  const rules = doc.groups[0].rules
  t.ok(rules.length >= 8, `${rules.length} rules`)
  const seen = new Set<string>()
  for (const r of rules) {
    t.match(r, { alert: /^VaultSync[A-Za-z]+$/, expr: String, labels: { severity: /^(critical|warning|info)$/ }, annotations: { summary: String, description: String } }, r.alert)
    t.notOk(seen.has(r.alert), `${r.alert}: unique`)
    seen.add(r.alert)
    if (r.for !== undefined) t.match(r.for, /^\d+[smh]$/, `${r.alert}: for is a duration`)
    t.ok(balanced(r.expr), `${r.alert}: balanced parentheses`)
    const used = metricNames(r.expr)
    t.ok(used.length > 0, `${r.alert}: uses a metric`)
    for (const n of used) t.ok(names.has(n), `${r.alert}: ${n} is exported`)
  }
})

t.test('Grafana dashboard: valid JSON, only exported metrics', async (t) => {
  const names = await exportedNames(t)
  const dash = JSON.parse(read('grafana/vault-sync-dashboard.json')) as { uid: string, panels: Array<{ id: number, title: string, targets: Array<{ expr: string }> }> }
  t.equal(dash.uid, 'vault-sync')
  t.ok(dash.panels.length >= 10)
  t.equal(new Set(dash.panels.map((p) => p.id)).size, dash.panels.length, 'panel ids are unique')
  for (const p of dash.panels) {
    for (const target of p.targets) {
      t.ok(balanced(target.expr), `${p.title}: balanced parentheses`)
      for (const n of metricNames(target.expr)) t.ok(names.has(n), `${p.title}: ${n} is exported`)
    }
  }
})

t.test('systemd unit and env file', async (t) => {
  const unit = read('systemd/vault-sync.service')
  t.match(unit, /^ExecStart=.* server -config=\/etc\/vault-sync\/vault-sync\.hcl$/m)
  t.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m, 'reload is SIGHUP')
  t.match(unit, /^EnvironmentFile=-\/etc\/vault-sync\/vault-sync\.env$/m)
  t.match(unit, /^ReadWritePaths=\/var\/lib\/vault-sync$/m, 'only the database directory is writable')
  t.match(unit, /^UMask=0077$/m)
  const hcl = read('vault-sync.hcl')
  t.match(hcl, /path = "\/var\/lib\/vault-sync\/vault-sync\.db"/, 'the example config keeps the database where the unit lets it write')
  const known = new Set([...readFileSync(join(import.meta.dirname, '..', '..', 'src', 'config.ts'), 'utf8').matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]))
  for (const m of read('systemd/vault-sync.env').matchAll(/^#?([A-Z_]+)=/gm)) {
    t.ok(known.has(m[1]) || m[1] === 'NODE_OPTIONS', `${m[1]} is a variable vault-sync reads`)
  }
})
