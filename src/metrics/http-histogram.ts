/**
 * `vaultsync_http_request_duration_seconds`: the one metric observed on every request, so it is
 * kept lean. prom-client's `Histogram.labels(...).observe()` validates and hashes the labels and
 * searches the buckets on each call (about 1.4 µs of a 53 µs KV read in a profile of bench 4's
 * server, issue 16/19); here one request is three nested map lookups by its label values, a bucket
 * search and three additions. The exposition is prom-client's own: this object is registered on the
 * registry as a metric (`registerMetric`) and answers `getForPromString()`/`get()` with the
 * values a prom-client histogram gives (cumulative `_bucket` series with `le` first, then `+Inf`,
 * `_sum`, `_count` per label set, in first-seen order; buckets carry prom-client's `exemplar: null`), so the text and JSON formats are unchanged.
 */
import type { Metric, Registry } from 'prom-client'

interface Series {
  labels: { method: string, route: string, status_code: string }
  /** Observations per bucket (not cumulative), one slot per upper bound. */
  counts: number[]
  sum: number
  count: number
}

interface ValuePair { labels: Record<string, string | number>, sharedLabels?: Record<string, string>, value: number, metricName: string, exemplar?: null }

/** A histogram labelled by method, route template and status code; durations in seconds. */
export class HttpDurationHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  /** Every series, in first-seen order (the exposition's order). */
  private readonly series = new Set<Series>()
  /**
   * The series by route, method and status: nested maps of the label values themselves, so a
   * request joins no key string (the route template and method are the same string objects on
   * every request, their hashes cached).
   */
  private readonly index = new Map<string, Map<string, Map<number, Series>>>()

  /** `buckets`: upper bounds in seconds, ascending (as prom-client's `buckets`). */
  constructor (readonly name: string, readonly help: string, private readonly buckets: readonly number[]) {}

  /** Records one request of `seconds`; `status` is the HTTP status code. */
  observe (method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.index.get(route)
    if (byMethod === undefined) this.index.set(route, byMethod = new Map())
    let byStatus = byMethod.get(method)
    if (byStatus === undefined) byMethod.set(method, byStatus = new Map())
    let s = byStatus.get(status)
    if (s === undefined) {
      s = { labels: { method, route, status_code: String(status) }, counts: this.buckets.map(() => 0), sum: 0, count: 0 }
      byStatus.set(status, s)
      this.series.add(s)
    }
    const b = this.buckets
    for (let i = 0; i < b.length; i++) {
      if (seconds <= b[i]) { s.counts[i]++; break }
    }
    s.sum += seconds
    s.count++
  }

  /** prom-client's text-format view: `le` as the value's own label, the series' labels shared. */
  async getForPromString (): Promise<{ name: string, help: string, type: string, aggregator: string, values: ValuePair[] }> {
    const values: ValuePair[] = []
    const bucketName = `${this.name}_bucket`
    for (const s of this.series.values()) {
      let acc = 0
      for (let i = 0; i < this.buckets.length; i++) {
        acc += s.counts[i]
        values.push({ labels: { le: this.buckets[i] }, sharedLabels: s.labels, value: acc, metricName: bucketName, exemplar: null })
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucketName, exemplar: null })
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` })
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  /** prom-client's JSON view (`getMetricsAsJSON`): each value's labels with the series' merged in. */
  async get (): Promise<{ name: string, help: string, type: string, aggregator: string, values: ValuePair[] }> {
    const data = await this.getForPromString()
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }))
    return data
  }

  /** Forgets every observation (`registry.resetMetrics()`). */
  reset (): void { this.series.clear(); this.index.clear() }

  /** Registers this histogram on `registry` as prom-client's own metrics are. */
  registerOn (registry: Registry): this {
    registry.registerMetric(this as unknown as Metric)
    return this
  }
}
