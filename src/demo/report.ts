/**
 * Terminal output of `npm run demo`: numbered steps with timings, requests shown the way Vault's
 * API docs show them (a `payload.json`, then the `curl` command, then the response), Azure SDK
 * reads as small tables, and a closing summary. Credentials and secret values are masked unless
 * `showSecrets` is set. A failed expectation throws {@link DemoFailure}, which ends the run.
 */

/** A step expectation that did not hold; the demo stops and exits non-zero. */
export class DemoFailure extends Error {
  override name = 'DemoFailure'
}

/** Throws {@link DemoFailure} with `message` unless `condition` holds. */
export function expect (condition: unknown, message: string): asserts condition {
  if (condition === false || condition === undefined || condition === null || condition === 0 || condition === '') throw new DemoFailure(message)
}

/** Vault's redaction text. */
export const MASK = '*****'

/** Where the demo writes; defaults to stdout. */
export interface Output { write: (s: string) => unknown }

/** Demo options (the flags, parsed), for both demos. */
export interface DemoOptions {
  showSecrets?: boolean
  /** Bound on each wait for a sync status, ms (default 20,000). */
  timeoutMs?: number
  color?: boolean
  out?: Output
  /** Extra environment for the server processes. */
  serverEnv?: Record<string, string>
}

interface StepRecord { title: string, ms: number, ok: boolean }

/** Milliseconds as `12 ms` or `1.23 s`. */
export function fmtMs (ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`
}

/** Replaces every string and number leaf of `value` with the mask (keys and structure stay). */
export function maskLeaves (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskLeaves)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskLeaves(v)]))
  return typeof value === 'string' || typeof value === 'number' ? MASK : value
}

/** The reporter: prints steps, requests, results and the summary, and keeps the timings. */
export class Report {
  private readonly steps: StepRecord[] = []
  private readonly color: boolean
  private readonly started = performance.now()

  constructor (private readonly out: Output, readonly showSecrets: boolean, color: boolean, private readonly totalSteps: number) {
    this.color = color
  }

  private paint (code: string, s: string): string { return this.color ? `\x1b[${code}m${s}\x1b[0m` : s }
  /** Bold text. */
  bold (s: string): string { return this.paint('1', s) }
  /** Dimmed text. */
  dim (s: string): string { return this.paint('2', s) }

  /** Writes lines as they are. */
  line (s = ''): void { this.out.write(`${s}\n`) }

  /** A section heading (e.g. one destination's workflow). */
  section (title: string): void {
    this.line()
    this.line(this.bold(`=== ${title} ${'='.repeat(Math.max(3, 74 - title.length))}`))
  }

  /** Runs one numbered step, printing its heading, then its duration (or the failure). */
  async step<T>(title: string, fn: () => Promise<T>): Promise<T> {
    const n = this.steps.length + 1
    this.line()
    this.line(this.bold(`[${n}/${this.totalSteps}] ${title}`))
    const start = performance.now()
    try {
      const result = await fn()
      const ms = performance.now() - start
      this.steps.push({ title, ms, ok: true })
      this.line(this.paint('32', `  ✓ ${title}`) + this.dim(` (${fmtMs(ms)})`))
      return result
    } catch (err) {
      const ms = performance.now() - start
      this.steps.push({ title, ms, ok: false })
      this.line(this.paint('31', `  ✗ ${title}: ${(err as Error).message}`) + this.dim(` (${fmtMs(ms)})`))
      throw err
    }
  }

  /** A note inside the current step. */
  note (s: string): void { this.line(`  ${s}`) }

  /** A checked fact inside the current step. */
  check (s: string): void { this.line(this.paint('32', '  ✔ ') + s) }

  /** Prints a JSON document indented under the current step. */
  json (value: unknown, indent = '  '): void {
    for (const l of JSON.stringify(value, null, 2).split('\n')) this.line(`${indent}${l}`)
  }

  /** Prints a request the way Vault's API docs do: payload file, then the curl command. */
  request (method: string, url: string, token: string, payload: unknown | undefined): void {
    const shown = this.showSecrets ? token : `${token.slice(0, 4)}${MASK}`
    if (payload !== undefined) {
      this.line(this.dim('  payload.json:'))
      this.json(payload, '    ')
    }
    this.line('  $ curl \\')
    this.line(`      --header "X-Vault-Token: ${shown}" \\`)
    if (method !== 'GET') this.line(`      --request ${method} \\`)
    if (payload !== undefined) this.line('      --data @payload.json \\')
    this.line(`      ${url}`)
  }

  /** Prints a response status line and its body (if any). */
  response (status: number, ms: number, body: unknown): void {
    this.line(this.dim(`  HTTP ${status} (${fmtMs(ms)})`))
    if (body !== undefined) this.json(body, '    ')
  }

  /** Prints a table of `label: value` rows. */
  table (rows: Array<[string, string]>): void {
    const w = Math.max(...rows.map(([k]) => k.length))
    for (const [k, v] of rows) this.line(`    ${`${k}:`.padEnd(w + 2)}${v}`)
  }

  /** The closing summary: every step with its time, and the total; returns true when all passed. */
  summary (extra: string[] = []): boolean {
    const ok = this.steps.every((s) => s.ok) && this.steps.length === this.totalSteps
    this.section(ok ? 'Summary: every step held' : 'Summary: the demo FAILED')
    const w = Math.max(...this.steps.map((s) => s.title.length))
    for (const [i, s] of this.steps.entries()) {
      this.line(`  ${s.ok ? '✓' : '✗'} ${String(i + 1).padStart(2)}. ${s.title.padEnd(w)}  ${fmtMs(s.ms).padStart(8)}`)
    }
    if (this.steps.length < this.totalSteps) this.line(`  … ${this.totalSteps - this.steps.length} step(s) not run`)
    for (const e of extra) this.line(`  ${e}`)
    this.line(`  total ${fmtMs(performance.now() - this.started)}`)
    return ok
  }
}
