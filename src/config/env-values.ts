/**
 * The value readers of `src/config.ts` (decisions D-18): each takes the environment (or the
 * config file's layer over it), a variable name and a fallback, and returns the parsed value or
 * throws a `ConfigError` naming the variable. Only `src/config.ts` and `src/config/*` call them.
 */
import { parseDurationMs } from '../vault/duration.js'

/** A bad setting: `variable` names the environment variable (or flag) and `problem` what is wrong. */
export class ConfigError extends Error {
  /** The variable (or flag) that holds the bad value; `problem` says what is wrong with it. */
  readonly variable: string
  readonly problem: string
  constructor (variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
    this.variable = variable
    this.problem = problem
  }
}

/** A parsed `host:port` (IPv6 hosts in brackets: `[::1]:8200`). */
export interface ListenAddress { host: string, port: number }

/** Environment variables by name (`process.env`, or a config file layered over it). */
export type Env = Record<string, string | undefined>

/**
 * Parses `host:port`.
 * @throws ConfigError naming `variable` when the value is not a host and a port 0-65535.
 */
export function parseListenAddress (value: string, variable: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value.trim())
  const port = m === null ? NaN : Number(m[3])
  if (m === null || port > 65535) throw new ConfigError(variable, `"${value}" is not a host:port address`)
  return { host: m[1] ?? m[2], port }
}

/** A whole number > 0; `fallback` when unset or empty. @throws ConfigError otherwise. */
export function positiveInt (env: Env, variable: string, fallback: number): number {
  const raw = env[variable]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim()) || Number(raw) <= 0) throw new ConfigError(variable, `"${raw}" is not a positive integer`)
  return Number(raw)
}

/** A Vault duration (`30s`, `5m`, a number of seconds) in ms, ≥ 0. @throws ConfigError otherwise. */
export function duration (env: Env, variable: string, fallback: string): number {
  const raw = env[variable] ?? fallback
  try {
    return parseDurationMs(raw === '' ? fallback : raw, { nonNegative: true })
  } catch (err) {
    throw new ConfigError(variable, `"${raw}" is not a duration (${(err as Error).message})`)
  }
}

/** The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647

/** A duration above 0 and within a timer's range (ms). @throws ConfigError otherwise. */
export function positiveDuration (env: Env, variable: string, fallback: string): number {
  const ms = duration(env, variable, fallback)
  if (ms <= 0) throw new ConfigError(variable, `"${env[variable] ?? ''}" is not above 0`)
  if (ms > MAX_TIMER_MS) throw new ConfigError(variable, `"${env[variable] ?? ''}" is longer than ${MAX_TIMER_MS}ms, the longest timer Node can set`)
  return ms
}

/** true/false, on/off, yes/no, 1/0 (any case). @throws ConfigError otherwise. */
export function bool (env: Env, variable: string, fallback: boolean): boolean {
  const raw = env[variable]
  if (raw === undefined || raw === '') return fallback
  const v = raw.trim().toLowerCase()
  if (['1', 'true', 'on', 'yes'].includes(v)) return true
  if (['0', 'false', 'off', 'no'].includes(v)) return false
  throw new ConfigError(variable, `"${raw}" is not a boolean (true/false, on/off)`)
}

/** A whole number ≥ 0; `fallback` when unset or empty. @throws ConfigError otherwise. */
export function nonNegativeInt (env: Env, variable: string, fallback: number): number {
  const raw = env[variable]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(variable, `"${raw}" is not a non-negative integer`)
  return Number(raw)
}

/** A whole number from `min` to `max`; `fallback` when unset or empty. @throws ConfigError otherwise. */
export function intInRange (env: Env, variable: string, min: number, max: number, fallback: number): number {
  const raw = optional(env, variable)?.trim()
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ConfigError(variable, `"${raw}" is not an integer from ${min} to ${max}`)
  return Number(raw)
}

/** The variable's value, `undefined` when unset or empty. */
export function optional (env: Env, variable: string): string | undefined {
  const v = env[variable]
  return v === undefined || v === '' ? undefined : v
}
