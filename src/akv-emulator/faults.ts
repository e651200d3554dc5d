/**
 * Fault injection (decisions D-5). A rule is `{match, action, mode}`:
 * - `match`: `method?`, `pathRegex?` (tested against the path without query), `vault?` (name),
 *   `principal?` (client id). A rule without `pathRegex` applies to Key Vault calls only; with one
 *   it applies to any endpoint family whose path matches (so `/oauth2/v2.0/token` reaches Entra).
 *   Key Vault rules are checked after the bearer challenge, so the SDK's bodiless first request
 *   never consumes one.
 * - `action`: `status` + `code` (+ `innerCode`, `message`) answers an error in the family's body
 *   shape; `retryAfterSec` / `retryAfterMs` add `Retry-After` / `x-ms-retry-after-ms`; `reset`
 *   destroys the socket with no response; `latencyMs` delays (alone: then the request proceeds).
 * - `mode`: `{next: N}` (the next N matches, then the rule is gone), `{probability: p, seed: s}`
 *   (seeded, so a failing run can be replayed), `{untilCleared: true}`.
 * Rules are tried in order; the first that fires wins.
 */
import { randomInt, randomUUID } from 'node:crypto'

export interface FaultMatch {
  method?: string
  pathRegex?: string
  vault?: string
  principal?: string
}

export interface FaultAction {
  status?: number
  code?: string
  innerCode?: string
  message?: string
  retryAfterSec?: number
  retryAfterMs?: number
  reset?: boolean
  latencyMs?: number
}

export type FaultMode = { next: number } | { probability: number, seed?: number } | { untilCleared: true }

/** A rule as given by a caller. */
export interface FaultRuleInput {
  match?: FaultMatch
  action: FaultAction
  mode?: FaultMode
}

/** A stored rule: its id, the effective mode (seed filled in) and how often it fired. */
export interface FaultRule {
  id: string
  match: FaultMatch
  action: FaultAction
  mode: FaultMode
  hits: number
}

/** What a request looks like to the matcher. */
export interface FaultContext {
  family: 'vault' | 'entra'
  method: string
  path: string
  vault?: string
  principal?: string
}

/** mulberry32: a small, well-known seeded PRNG returning floats in [0, 1). */
function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function validate (input: FaultRuleInput): void {
  const a = input.action
  if (a === null || typeof a !== 'object') throw new TypeError('fault rule: action is required')
  const hasStatus = a.status !== undefined
  if (hasStatus && (!Number.isInteger(a.status) || a.status! < 400 || a.status! > 599)) throw new RangeError('fault rule: action.status must be an integer 400..599')
  if (!hasStatus && a.reset !== true && a.latencyMs === undefined) throw new TypeError('fault rule: action needs status, reset or latencyMs')
  for (const k of ['retryAfterSec', 'retryAfterMs', 'latencyMs'] as const) {
    const v = a[k]
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new RangeError(`fault rule: action.${k} must be a number >= 0`)
  }
  // eslint-disable-next-line no-new -- compiled only to throw SyntaxError on a bad pattern
  if (input.match?.pathRegex !== undefined) new RegExp(input.match.pathRegex)
  const m = input.mode
  if (m !== undefined) {
    if ('next' in m && (!Number.isInteger(m.next) || m.next < 1)) throw new RangeError('fault rule: mode.next must be an integer >= 1')
    if ('probability' in m && (!(m.probability >= 0 && m.probability <= 1) || (m.seed !== undefined && !Number.isInteger(m.seed)))) {
      throw new RangeError('fault rule: mode.probability must be 0..1 and mode.seed an integer')
    }
  }
}

/** The ordered rule list with its matcher. */
export class FaultRegistry {
  private rules: Array<FaultRule & { regex?: RegExp, rng?: () => number }> = []

  /** Validates and appends a rule (default mode `{next: 1}`); throws TypeError/RangeError/SyntaxError. */
  add (input: FaultRuleInput): FaultRule {
    validate(input)
    let mode: FaultMode = input.mode ?? { next: 1 }
    let rng: (() => number) | undefined
    if ('probability' in mode) {
      const seed = mode.seed ?? randomInt(0, 2 ** 31 - 1)
      mode = { probability: mode.probability, seed }
      rng = mulberry32(seed)
    }
    const rule = { id: randomUUID(), match: { ...input.match }, action: { ...input.action }, mode: { ...mode }, hits: 0 }
    this.rules.push({ ...rule, regex: input.match?.pathRegex !== undefined ? new RegExp(input.match.pathRegex) : undefined, rng })
    return structuredClone(rule)
  }

  /** The rules in order (copies). */
  list (): FaultRule[] {
    return this.rules.map(({ regex: _r, rng: _g, ...rule }) => structuredClone(rule))
  }

  /** Removes one rule; false if unknown. */
  remove (id: string): boolean {
    const before = this.rules.length
    this.rules = this.rules.filter((r) => r.id !== id)
    return this.rules.length !== before
  }

  /** Removes every rule. */
  clear (): void { this.rules = [] }

  /** The action of the first rule that matches and fires for `ctx`, consuming `next` counts. */
  take (ctx: FaultContext): FaultAction | undefined {
    for (const r of this.rules) {
      const m = r.match
      if (r.regex === undefined && ctx.family !== 'vault') continue
      if (r.regex !== undefined && !r.regex.test(ctx.path)) continue
      if (m.method !== undefined && m.method.toUpperCase() !== ctx.method.toUpperCase()) continue
      if (m.vault !== undefined && m.vault.toLowerCase() !== (ctx.vault ?? '').toLowerCase()) continue
      if (m.principal !== undefined && m.principal.toLowerCase() !== (ctx.principal ?? '').toLowerCase()) continue
      if ('probability' in r.mode && !(r.rng!() < r.mode.probability)) continue
      r.hits++
      if ('next' in r.mode) {
        r.mode.next--
        if (r.mode.next <= 0) this.remove(r.id)
      }
      return { ...r.action }
    }
    return undefined
  }
}
