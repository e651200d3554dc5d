/**
 * Scraping `sys/metrics?format=prometheus` in tests and reading it with a real Prometheus
 * text-format parser (`parse-prometheus-text-format`, prom2json's output shape).
 */
import type { FastifyInstance } from 'fastify'
// @ts-expect-error the package ships no types; its output shape is described below.
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { vault } from '../helper.js'

export interface Sample { value?: string, labels?: Record<string, string>, count?: string, sum?: string, buckets?: Record<string, string> }
export interface Family { name: string, help: string, type: string, metrics: Sample[] }

/**
 * Parses exposition text into families by name. The package folds a labelled histogram into one
 * sample without labels or count, so each histogram is also parsed with its HELP/TYPE lines
 * removed: its `<name>_count`, `<name>_sum` and `<name>_bucket` series then come out as untyped
 * families with their labels, under those names.
 */
export function parseMetrics (text: string): Map<string, Family> {
  const families = parsePrometheusTextFormat(text) as Family[]
  const byName = new Map(families.map((f) => [f.name, f]))
  const histograms = families.filter((f) => f.type === 'HISTOGRAM').map((f) => f.name)
  if (histograms.length > 0) {
    const untyped = text.split('\n').filter((line) => !histograms.some((h) => line.startsWith(`# HELP ${h} `) || line === `# TYPE ${h} histogram`)).join('\n')
    for (const f of parsePrometheusTextFormat(untyped) as Family[]) {
      if (histograms.some((h) => f.name === `${h}_count` || f.name === `${h}_sum` || f.name === `${h}_bucket`)) byName.set(f.name, f)
    }
  }
  return byName
}

/** Scrapes `sys/metrics?format=prometheus` with the root token (or `token`). @throws when not 200. */
export async function scrape (app: FastifyInstance, token?: string | null): Promise<Map<string, Family>> {
  const res = await vault(app, 'GET', '/v1/sys/metrics?format=prometheus', { token })
  if (res.statusCode !== 200) throw new Error(`sys/metrics: ${res.statusCode} ${res.body}`)
  return parseMetrics(res.body)
}

/** The samples of `name` whose labels include `labels`. */
export function samples (families: Map<string, Family>, name: string, labels: Record<string, string> = {}): Sample[] {
  return (families.get(name)?.metrics ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
}

/** Sum of the values (counters, gauges) or of the counts (histograms: `<name>_count`) of the matching samples. */
export function total (families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const series = families.get(name)?.type === 'HISTOGRAM' ? `${name}_count` : name
  return samples(families, series, labels).reduce((n, m) => n + Number(m.value ?? 0), 0)
}
