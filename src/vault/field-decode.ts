/**
 * The ONE request-field decoder of every route: Vault's lenient `framework.FieldData` /
 * `mapstructure.WeakDecode` conversion rules (spec/vault-sync-api.md §1 "Lenient typing",
 * spec/vault-core-kv-api.md §1.4), in one place:
 * - TypeBool: a bool; a Go ParseBool string (`"true"`, `"1"`, `"F"`…); `""` is false; a
 *   number is true when non-zero.
 * - TypeInt: an integral number; a bool (1/0); `""` (0); a string in Go's `ParseInt(s, 0, 64)`
 *   syntax (`"42"`, `"-7"`, `"0x1f"`, `"0o17"`, `"017"` octal, `"0b101"`).
 * - TypeString: a string; a number as written; a bool as `"1"`/`"0"`.
 * - TypeDurationSecond: `parseDurationSeconds` (seconds, Go durations, `d` days).
 * - TypeCommaIntSlice, TypeCommaStringSlice, TypeKVPairs: below.
 * JSON null means "not provided" (the body parser drops it). Every failure is a 400 that names
 * the field and the expected type, NEVER the submitted value (issue 13 finding 2): the text of
 * an error reaches the client and the audit log in clear.
 */
import { parseDurationSeconds } from './duration.js'
import { VaultError, badRequest } from './errors.js'
import { parseGoBool } from './parse-bool.js'

/** The 400 of Vault's framework for a field that cannot be converted; `reason` must not quote the value. */
export function fieldError (field: string, reason: string): VaultError {
  return badRequest(`Field validation failed: error converting input for field "${field}": ${reason}`)
}

/** Go's name for the JSON kind of `value` (never the value itself). */
export function kindOf (value: unknown): string {
  if (Array.isArray(value)) return 'slice'
  if (value === null) return 'nil'
  if (typeof value === 'object') return 'map'
  return typeof value === 'number' ? 'float64' : typeof value === 'boolean' ? 'bool' : 'string'
}

/** The conversion error of `field`: expected `type`, got the kind of `value`. */
export function typeError (field: string, value: unknown, type: string): VaultError {
  return fieldError(field, `expected ${type}, got ${kindOf(value)}`)
}

const GO_INT = /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO]?(?:_?[0-7])+|[1-9](?:_?\d)*|0)$/

/** mapstructure's weak int, or undefined when it is not one (or not a safe integer). */
export function weakInt (value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value !== 'string') return undefined
  const s = value.trim()
  if (s === '') return 0
  if (!GO_INT.test(s)) return undefined
  const neg = s.startsWith('-')
  let digits = s.replace(/^[+-]/, '').replace(/_/g, '')
  let base = 10
  if (/^0[xX]/.test(digits)) { base = 16; digits = digits.slice(2) } else if (/^0[bB]/.test(digits)) { base = 2; digits = digits.slice(2) } else if (/^0[oO]/.test(digits)) { base = 8; digits = digits.slice(2) } else if (digits.length > 1 && digits.startsWith('0')) { base = 8; digits = digits.slice(1) }
  const n = parseInt(digits, base) * (neg ? -1 : 1)
  return Number.isSafeInteger(n) ? n : undefined
}

/** mapstructure's weak string (numbers as written, bools `"1"`/`"0"`), or undefined. */
export function weakString (value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value === 'boolean') return value ? '1' : '0'
  return undefined
}

/** A TypeBool field. @returns undefined when absent. @throws VaultError 400 naming the field. */
export function decodeBool (value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'boolean') return value
  if (typeof value === 'number') return value !== 0
  if (typeof value === 'string') {
    const b = value === '' ? false : parseGoBool(value)
    if (b !== undefined) return b
  }
  throw typeError(field, value, 'bool')
}

/** A TypeInt field. @returns undefined when absent. @throws VaultError 400 naming the field. */
export function decodeInt (value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined
  const n = weakInt(value)
  if (n === undefined) throw typeError(field, value, 'int')
  return n
}

/** A non-negative int that fits a uint32 (`max_versions`). @throws VaultError 400 naming the field. */
export function decodeUint (value: unknown, field: string): number | undefined {
  const n = decodeInt(value, field)
  if (n !== undefined && (n < 0 || n > 0xffffffff)) throw fieldError(field, 'cannot provide a negative or out of range value for uint32')
  return n
}

/** A TypeString field. @returns undefined when absent. @throws VaultError 400 naming the field. */
export function decodeString (value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined
  const s = weakString(value)
  if (s === undefined) throw typeError(field, value, 'string')
  return s
}

/**
 * A duration field in whole seconds.
 * @param signed false for `TypeDurationSecond` (negative is a 400), true for
 *   `TypeSignedDurationSecond`. @throws VaultError 400 naming the field.
 */
export function decodeDuration (value: unknown, field: string, signed = false): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' && typeof value !== 'number') throw typeError(field, value, 'duration')
  try {
    return parseDurationSeconds(value, { nonNegative: !signed })
  } catch {
    throw fieldError(field, signed ? 'expected a duration (seconds or a Go duration string)' : 'expected a non-negative duration (seconds or a Go duration string)')
  }
}

/**
 * TypeCommaIntSlice (`versions`): `[1,2]`, `["1","2"]`, `"1,2"`, or one number; absent → `[]`.
 * @throws VaultError 400 naming the field.
 */
export function decodeIntList (value: unknown, field: string): number[] {
  if (value === undefined) return []
  const items: unknown[] = Array.isArray(value)
    ? value
    : typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : [value]
  return items.map((item) => {
    const n = typeof item === 'string' && item.trim() === '' ? undefined : weakInt(item)
    if (n === undefined) throw typeError(field, item, 'a list of int')
    return n
  })
}

/** `parseutil.ParseCommaStringSlice` of a string: `""` → `[]`, else split on `,`, each trimmed (empty ones kept). */
export function commaStringSlice (s: string): string[] {
  return s === '' ? [] : s.split(',').map((p) => p.trim())
}

/**
 * TypeCommaStringSlice (`parseutil.ParseCommaStringSlice`): an array (elements weakly
 * strings) or a string split on `,`; elements trimmed, empty ones kept; `""` and `[]` → `[]`;
 * a bare number is its text. @throws VaultError 400 naming the field.
 */
export function decodeStringList (value: unknown, field: string): string[] {
  if (value === undefined || value === null || value === '') return []
  if (typeof value === 'string') return commaStringSlice(value)
  if (typeof value === 'number') return [String(value)]
  if (!Array.isArray(value)) throw typeError(field, value, 'a list of strings or a comma-separated string')
  return value.map((item: unknown) => {
    const s = item === null ? '' : weakString(item)
    if (s === undefined) throw typeError(field, item, 'a list of strings or a comma-separated string')
    return s.trim()
  })
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * TypeKVPairs (decisions D-19): an object (values weakly strings, null → `""`), a list of
 * `"k=v"` strings, or one `"k=v"` string; split on the first `=`; later duplicates win; `""`,
 * null and `[]` → `{}`. @throws VaultError 400 naming the field (never the pair).
 */
export function decodeKvPairs (value: unknown, field: string): Record<string, string> {
  const shape = 'a map of strings, a list of "key=value" strings or one "key=value" string'
  const out: Record<string, string> = {}
  const put = (k: string, v: string): void => { Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true }) }
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const s = v === null ? '' : weakString(v)
      if (s === undefined) throw typeError(field, v, shape)
      put(k, s)
    }
    return out
  }
  if (value === null || value === undefined || value === '') return out
  for (const item of Array.isArray(value) ? value as unknown[] : [value]) {
    const pair = item === null ? '' : weakString(item)
    if (pair === undefined) throw typeError(field, item, shape)
    const eq = pair.indexOf('=')
    if (eq <= 0) throw fieldError(field, 'invalid key pair: expected "key=value" with a non-empty key')
    put(pair.slice(0, eq), pair.slice(eq + 1))
  }
  return out
}

/**
 * Vault's warning for request fields an endpoint does not know (they are ignored), or
 * `undefined` when every field is known.
 */
export function unknownFieldsWarning (body: Record<string, unknown>, known: ReadonlySet<string>): string | undefined {
  const unknown = Object.keys(body).filter((k) => !known.has(k)).sort()
  return unknown.length === 0 ? undefined : `Endpoint ignored these unrecognized parameters: [${unknown.join(' ')}]`
}
