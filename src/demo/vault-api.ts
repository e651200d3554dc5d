/**
 * The demo's Vault API client: plain `fetch` against the dev server, every call printed through
 * the {@link Report} (payload masked as the caller says, token masked), plus the waits the
 * workflow needs ("read the associations until every entry is SYNCED").
 */
import { DemoFailure, MASK, expect, fmtMs, type Report } from './report.js'

/** A parsed response. */
export interface ApiResult { status: number, body: any }

/** One `associated_secrets` entry (spec/vault-sync-api.md §3.9). */
export interface AssociationEntry {
  accessor: string
  mount: string
  secret_name: string
  sub_key?: string
  sync_status: string
  updated_at: string
  message?: string
}

/** Statuses that end a wait with a failure: the entry will not reach the wanted status by itself soon. */
const ERROR_STATUSES = new Set(['CLIENT_SIDE_ERROR', 'EXTERNAL_SERVICE_ERROR', 'INTERNAL_VAULT_ERROR', 'UNKNOWN'])

/** How a payload is shown: `mask` lists top-level fields to mask, `maskData` masks the values under `data`. */
export interface ShowOptions { mask?: string[], maskData?: boolean }

/** Creates the client for `address` with `token`. */
export function createVaultApi (report: Report, address: string, token: string) {
  function shown (payload: Record<string, unknown> | undefined, opts: ShowOptions): unknown {
    if (payload === undefined || report.showSecrets) return payload
    const copy: Record<string, unknown> = { ...payload }
    for (const f of opts.mask ?? []) if (f in copy) copy[f] = MASK
    if (opts.maskData === true && copy.data !== null && typeof copy.data === 'object') {
      copy.data = Object.fromEntries(Object.keys(copy.data).map((k) => [k, MASK]))
    }
    return copy
  }

  /** Sends a request without printing it. */
  async function send (method: string, path: string, payload?: Record<string, unknown>): Promise<ApiResult & { ms: number }> {
    const start = performance.now()
    const res = await fetch(`${address}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': token, ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: payload === undefined ? undefined : JSON.stringify(payload)
    })
    const text = await res.text()
    const ms = performance.now() - start
    let body: unknown
    try { body = text === '' ? undefined : JSON.parse(text) } catch { body = text }
    return { status: res.status, body, ms }
  }

  /** Sends and prints a request; fails the step unless the status is `expectStatus`. */
  async function call (method: string, path: string, payload?: Record<string, unknown>, opts: ShowOptions & { expectStatus?: number } = {}): Promise<ApiResult> {
    report.request(method, `${address}/v1/${path}`, token, shown(payload, opts))
    const r = await send(method, path, payload)
    report.response(r.status, r.ms, r.body)
    const want = opts.expectStatus ?? 200
    expect(r.status === want, `${method} /v1/${path} answered ${r.status}, expected ${want}: ${JSON.stringify(r.body)}`)
    return r
  }

  /**
   * Reads `GET sys/sync/destinations/azure-kv/<dest>/associations` until every entry of
   * `secret` has `status` (and, if given, changed after `after`), printing each status change
   * and the final response. Fails at once on an error status, or after `timeoutMs`.
   */
  async function waitForStatus (dest: string, secret: string, status: 'SYNCED' | 'UNSYNCED', opts: { after?: string, timeoutMs: number, minEntries?: number }): Promise<AssociationEntry[]> {
    const path = `sys/sync/destinations/azure-kv/${dest}/associations`
    report.request('GET', `${address}/v1/${path}`, token, undefined)
    const start = performance.now()
    let reads = 0
    let last = ''
    for (;;) {
      const r = await send('GET', path)
      reads++
      expect(r.status === 200, `GET /v1/${path} answered ${r.status}: ${JSON.stringify(r.body)}`)
      const entries = Object.values(r.body.data.associated_secrets as Record<string, AssociationEntry>).filter((e) => e.secret_name === secret)
      // Vault drops trailing zeros of fractions, so compare parsed times, not strings.
      const fresh = (e: AssociationEntry): boolean => opts.after === undefined || Date.parse(e.updated_at) >= Date.parse(opts.after)
      const seen = entries.map((e) => `${e.sub_key === undefined ? '' : `${e.sub_key}=`}${e.sync_status}${fresh(e) ? '' : ' (from before the write)'}`).join(', ')
      if (seen !== last) {
        report.line(report.dim(`  … read ${reads} after ${fmtMs(performance.now() - start)}: ${seen === '' ? '(no entry)' : seen}`))
        last = seen
      }
      const failed = entries.find((e) => ERROR_STATUSES.has(e.sync_status))
      if (failed !== undefined) {
        report.response(r.status, r.ms, r.body)
        throw new DemoFailure(`${failed.secret_name}${failed.sub_key === undefined ? '' : `/${failed.sub_key}`} is ${failed.sync_status}: ${failed.message ?? '(no message)'}`)
      }
      if (entries.length >= (opts.minEntries ?? 1) && entries.every((e) => e.sync_status === status && fresh(e))) {
        report.response(r.status, r.ms, r.body)
        report.check(`${status} after ${fmtMs(performance.now() - start)} (${reads} read${reads === 1 ? '' : 's'})`)
        return entries
      }
      if (performance.now() - start > opts.timeoutMs) {
        report.response(r.status, r.ms, r.body)
        throw new DemoFailure(`not ${status} after ${fmtMs(opts.timeoutMs)}: ${seen}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  return { call, send, waitForStatus }
}

export type VaultApi = ReturnType<typeof createVaultApi>
