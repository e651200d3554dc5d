/** The result shape written to `bench/results/latest.json`, and the plain-text table for stdout. */

/** One benchmark's outcome (one object per benchmark in the JSON). */
export interface BenchResult {
  /** Stable id: `propagation-latency`, `bulk-sync`, `coalescing`, `api-overhead`, `footprint`. */
  name: string
  description: string
  parameters: Record<string, unknown>
  figures: Record<string, unknown>
  /** What the figures are compared with, measured in the same run. */
  reference: { description: string, figures: Record<string, unknown> }
  /** vault-sync relative to its reference; `values` keyed by series. */
  ratio: { definition: string, values: Record<string, number> }
  notes: string[]
  /** Measurement health: the harness's event-loop delay (it hosts the emulator) and the machine's load while this ran. */
  harness?: { event_loop_delay_ms: { p50: number, p99: number, max: number }, load_average_at_end: number[], duration_s: number }
}

/** A small table for stdout. */
export interface Table {
  title: string
  columns: string[]
  rows: Array<Array<string | number>>
}

export interface BenchOutput {
  result: BenchResult
  tables: Table[]
}

const cell = (v: string | number): string => typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '-') : v

/** Renders `t` as an aligned plain-text table. */
export function renderTable (t: Table): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map(cell))]
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]): string => r.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ').trimEnd()
  const sep = widths.map((w) => '-'.repeat(w)).join('  ')
  return [t.title, line(cells[0]), sep, ...cells.slice(1).map(line)].join('\n')
}
