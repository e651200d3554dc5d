/**
 * Decoding of KV v2 request fields the way Vault's field parser does it (weakly: `"5"` is an int,
 * `"true"` a bool; JSON null means "not provided"; spec/vault-core-kv-api.md §1.4) plus the KV
 * specific checks: `versions` lists (§3.8), `options.cas` (§3.5), `data` (§3.5), and the
 * `custom_metadata` limits (§3.14). Every failure throws a 400 `VaultError` naming the field.
 */
import { parseDurationSeconds } from '../vault/duration.js'
import { VaultError, badRequest, multierror } from '../vault/errors.js'
import { parseGoBool } from '../vault/parse-bool.js'
import { isJsonObject, type JsonObject } from './kv-json.js'

/** The 400 of Vault's framework for a value that cannot be converted to the field's type. */
export function fieldError (field: string, reason: string): VaultError {
  return badRequest(`Field validation failed: error converting input for field "${field}": ${reason}`)
}

function kindOf (value: unknown): string {
  if (Array.isArray(value)) return 'slice'
  if (value === null) return 'nil'
  if (typeof value === 'object') return 'map'
  return typeof value === 'number' ? 'float64' : typeof value === 'boolean' ? 'bool' : 'string'
}

/** Weak int decoding, or undefined when it is not an integer. */
function weakInt (value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'string') {
    const s = value.trim() === '' ? '0' : value.trim()
    if (!/^[+-]?\d{1,15}$/.test(s)) return undefined
    return Number(s)
  }
  return undefined
}

/**
 * An int field (`max_versions`, `version`, `depth`): integer numbers, numeric strings, bools.
 * @returns undefined when `value` is undefined (not provided). @throws VaultError 400.
 */
export function decodeInt (value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined
  const n = weakInt(value)
  if (n === undefined) throw fieldError(field, `cannot parse '${kindOf(value)}' as an integer`)
  return n
}

/** A non-negative int field (`max_versions` is a uint32 in Vault). @throws VaultError 400. */
export function decodeUint (value: unknown, field: string): number | undefined {
  const n = decodeInt(value, field)
  if (n !== undefined && (n < 0 || n > 0xffffffff)) throw fieldError(field, `cannot provide negative or out of range value '${n}'`)
  return n
}

/** A bool field: booleans, Go ParseBool strings, numbers (non-zero = true). @throws VaultError 400. */
export function decodeBool (value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'boolean') return value
  if (typeof value === 'number') return value !== 0
  if (typeof value === 'string') {
    const b = value === '' ? false : parseGoBool(value)
    if (b !== undefined) return b
  }
  throw fieldError(field, `cannot parse '${kindOf(value)}' as bool`)
}

/**
 * A duration field in whole seconds (integer seconds, numeric strings, Go durations, `d` days).
 * @param signed false for Vault's `TypeDurationSecond` (a negative value is a 400), true for
 *   `TypeSignedDurationSecond` (engine config). @throws VaultError 400.
 */
export function decodeDuration (value: unknown, field: string, signed: boolean): number | undefined {
  if (value === undefined) return undefined
  try {
    return parseDurationSeconds(value, { nonNegative: !signed })
  } catch (err) {
    throw fieldError(field, (err as Error).message)
  }
}

/**
 * `versions` of delete/undelete/destroy (Vault's `TypeCommaIntSlice`): `[1,2]`, `["1","2"]` (the
 * Vault CLI), `"1,2"`, or one number. Missing gives `[]`. @throws VaultError 400 for non-integers.
 */
export function decodeVersions (value: unknown): number[] {
  if (value === undefined) return []
  const items: unknown[] = Array.isArray(value)
    ? value
    : typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : [value]
  return items.map((item) => {
    const n = typeof item === 'string' && item.trim() === '' ? undefined : weakInt(item)
    if (n === undefined) throw fieldError('versions', `cannot parse '${kindOf(item)}' as an integer version number`)
    return n
  })
}

/**
 * `options.cas` of a data write or patch: undefined when `options` or `cas` is absent; a JSON null
 * `cas` is 0, as Go decodes it. @throws VaultError 400 `error parsing check-and-set parameter`, or
 * a field error when `options` is not an object.
 */
export function decodeCas (options: unknown): number | undefined {
  if (options === undefined) return undefined
  if (!isJsonObject(options)) throw fieldError('options', `'' expected a map, got '${kindOf(options)}'`)
  if (!Object.hasOwn(options, 'cas')) return undefined
  if (options.cas === null) return 0
  const n = weakInt(options.cas)
  if (n === undefined) throw badRequest('error parsing check-and-set parameter')
  return n
}

/** The required `data` object of a data write or patch. @throws VaultError 400 `no data provided` or a field error. */
export function decodeData (value: unknown): JsonObject {
  if (value === undefined) throw badRequest('no data provided')
  if (!isJsonObject(value)) throw fieldError('data', `'' expected a map, got '${kindOf(value)}'`)
  return value
}

const MAX_KEYS = 64
const MAX_KEY_BYTES = 128
const MAX_VALUE_BYTES = 512
const PREFIX = 'custom_metadata validation failed'

/** Go's `strutil.Printable`: every rune is a letter, mark, number, punctuation, symbol or ASCII space. */
function printable (s: string): boolean {
  return /^(?:[\p{L}\p{M}\p{N}\p{P}\p{S}]| )*$/u.test(s)
}

/**
 * `custom_metadata` (§3.14): a map whose values are weakly decoded to strings. With
 * `patch`, a JSON null value means "remove this key" and is kept as null. Limits: at most 64 keys,
 * key 1-128 bytes, value 1-512 bytes, printable characters only.
 * @throws VaultError 400 whose text is `custom_metadata validation failed: …` (one error per
 *   problem, joined in go-multierror format, as Vault).
 */
export function decodeCustomMetadata (value: unknown, patch: boolean): Record<string, string | null> | undefined {
  if (value === undefined) return undefined
  if (!isJsonObject(value)) throw fieldError('custom_metadata', `'' expected a map, got '${kindOf(value)}'`)
  const out: Record<string, string | null> = {}
  for (const [k, v] of Object.entries(value)) {
    let s: string | null
    if (v === null) s = patch ? null : ''
    else if (typeof v === 'string') s = v
    else if (typeof v === 'number') s = String(v)
    else if (typeof v === 'boolean') s = v ? '1' : '0'
    else throw badRequest(`${PREFIX}: '' expected type 'string', got unconvertible type '${kindOf(v)}'`)
    Object.defineProperty(out, k, { value: s, enumerable: true, writable: true, configurable: true })
  }
  const kept = Object.entries(out).filter((e): e is [string, string] => e[1] !== null)
  const errors: string[] = []
  if (kept.length > MAX_KEYS) {
    errors.push(`${PREFIX}: payload must contain at most ${MAX_KEYS} keys, provided ${kept.length}`)
  } else {
    for (const [k, v] of kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const kl = Buffer.byteLength(k)
      const vl = Buffer.byteLength(v)
      if (kl === 0 || kl > MAX_KEY_BYTES) errors.push(`${PREFIX}: length of key ${JSON.stringify(k)} is ${kl} but must be 0 < len(key) <= ${MAX_KEY_BYTES}`)
      if (vl === 0 || vl > MAX_VALUE_BYTES) errors.push(`${PREFIX}: length of value for key ${JSON.stringify(k)} is ${vl} but must be 0 < len(value) <= ${MAX_VALUE_BYTES}`)
      if (!printable(k)) errors.push(`${PREFIX}: key ${JSON.stringify(k)} (${k}) contains unprintable characters`)
      if (!printable(v)) errors.push(`${PREFIX}: value for key ${JSON.stringify(k)} contains unprintable characters`)
    }
  }
  if (errors.length > 0) throw badRequest(multierror(errors))
  return out
}
