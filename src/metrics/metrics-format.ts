/**
 * `sys/metrics` answers as Vault's `http/sys_metrics.go` and `helper/metricsutil` do (case
 * PG-8): `format` from the query, else from the Accept header (`application/openmetrics-text`
 * as the first value, or `prometheus/telemetry` anywhere, select Prometheus); `prometheus` is
 * the text exposition format 0.0.4, or 400 `prometheus is not enabled` (text/plain) without
 * telemetry; no format is Vault's in-memory summary as JSON; anything else is 400
 * `metric response format "<f>" unknown` (text/plain).
 */
import type { Metrics } from './metrics.js'

/** What the route sends: status, Content-Type and the raw body. */
export interface MetricsAnswer { status: number, contentType: string, body: string }

const TEXT = 'text/plain'
/** The text exposition format's media type, as Vault's `expfmt.FmtText`. */
export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8'

/** Vault's `FormatFromRequest`: the format an Accept header selects (`prometheus` or ''). */
export function formatFromAccept (accept: string | string[] | undefined): string {
  const values = accept === undefined ? [] : Array.isArray(accept) ? accept : [accept]
  if (values.length === 0) return ''
  if (values[0].startsWith('application/openmetrics-text')) return 'prometheus'
  return values.some((v) => v.includes('prometheus/telemetry')) ? 'prometheus' : ''
}

/** Vault's dotted name of a metric: `vault_secrets_sync_x_y` -> `vault.secrets-sync.x.y`; others as they are. */
function vaultName (name: string): string {
  const m = /^vault_(?:.+_)?secrets_sync_(.+)$/.exec(name)
  return m === null ? name : `vault.secrets-sync.${m[1].replace(/_/g, '.')}`
}

/** One value of `getMetricsAsJSON()` (histograms name their series in `metricName`). */
interface JsonValue { value: number, labels: Record<string, string | number>, metricName?: string }
interface JsonMetric { name: string, type: string, values: JsonValue[] }

/** Vault's in-memory sink summary (`DisplayMetrics`): Gauges, Counters, Samples, Points. */
async function summary (metrics: Metrics): Promise<Record<string, unknown>> {
  const all = await metrics.registry.getMetricsAsJSON() as unknown as JsonMetric[]
  const gauges: unknown[] = []
  const counters: unknown[] = []
  const samples: unknown[] = []
  for (const m of all) {
    // NaN (an event-loop mean before any sample) has no JSON form: left out.
    const values = m.values.filter((v) => Number.isFinite(v.value))
    if (m.type === 'gauge') for (const v of values) gauges.push({ Name: vaultName(m.name), Value: v.value, Labels: v.labels })
    else if (m.type === 'counter') {
      for (const v of values) counters.push({ Name: vaultName(m.name), Count: v.value, Rate: 0, Sum: v.value, Min: 0, Max: 0, Mean: 0, Stddev: 0, Labels: v.labels })
    } else if (m.type === 'histogram') {
      const byLabels = new Map<string, { Name: string, Count: number, Sum: number, Labels: Record<string, string | number> }>()
      for (const v of values) {
        const { le: _le, ...labels } = v.labels
        const key = JSON.stringify(labels)
        const entry = byLabels.get(key) ?? { Name: m.name, Count: 0, Sum: 0, Labels: labels }
        if (v.metricName?.endsWith('_count') === true) entry.Count = v.value
        if (v.metricName?.endsWith('_sum') === true) entry.Sum = v.value
        byLabels.set(key, entry)
      }
      for (const e of byLabels.values()) samples.push({ ...e, Rate: 0, Mean: e.Count === 0 ? 0 : e.Sum / e.Count })
    }
  }
  // Go's time.Time text, as Vault's summary shows it: `2026-01-01 10:00:00 +0000 UTC`.
  const timestamp = `${new Date().toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`
  return { Timestamp: timestamp, Gauges: gauges, Points: [], Counters: counters, Samples: samples }
}

/** Vault's `ResponseForFormat`. */
export async function metricsAnswer (metrics: Metrics, format: string): Promise<MetricsAnswer> {
  switch (format) {
    case 'prometheus':
      if (!metrics.prometheusEnabled) return { status: 400, contentType: TEXT, body: 'prometheus is not enabled' }
      return { status: 200, contentType: PROMETHEUS_TEXT, body: await metrics.registry.metrics() }
    case '':
      return { status: 200, contentType: 'application/json', body: JSON.stringify(await summary(metrics)) }
    default:
      return { status: 400, contentType: TEXT, body: `metric response format "${format}" unknown` }
  }
}
