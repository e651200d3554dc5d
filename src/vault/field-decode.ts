/**
 * Vault's lenient field decoding (spec/vault-sync-api.md §1 "Lenient typing"): the framework
 * weakly converts request values, so `"true"` is a bool, `"42"` an int, `5` a string. Each
 * decoder returns `undefined` for an absent field and throws a 400 naming the field otherwise.
 * Lists and maps are decoded by `sync/tags.ts` (`parseStringList`, `parseKvPairs`).
 */
import { badRequest } from './errors.js'
import { parseGoBool } from './parse-bool.js'

function invalid (field: string, value: unknown, expected: string): Error {
  return badRequest(`Field validation failed: error converting input for field "${field}": ${JSON.stringify(value)} is not ${expected}`)
}

/**
 * A `TypeBool` field: JSON bool, Go ParseBool strings (`"true"`, `"1"`, `"F"`…), `""` (false)
 * or a number (non-zero is true). @throws VaultError 400 naming the field.
 */
export function decodeBool (value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'boolean') return value
  if (typeof value === 'number') return value !== 0
  if (typeof value === 'string') {
    if (value === '') return false
    const b = parseGoBool(value)
    if (b !== undefined) return b
  }
  throw invalid(field, value, 'a boolean')
}

/** A `TypeInt` field: an integral JSON number or a decimal string. @throws VaultError 400 naming the field. */
export function decodeInt (value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value
  if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) {
    const n = Number(value.trim())
    if (Number.isSafeInteger(n)) return n
  }
  throw invalid(field, value, 'an integer')
}

/** A `TypeString` field: a string, or a number/bool written as text. @throws VaultError 400 naming the field. */
export function decodeString (value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw invalid(field, value, 'a string')
}

/**
 * Vault's warning for request fields an endpoint does not know (they are ignored), or
 * `undefined` when every field is known.
 */
export function unknownFieldsWarning (body: Record<string, unknown>, known: ReadonlySet<string>): string | undefined {
  const unknown = Object.keys(body).filter((k) => !known.has(k)).sort()
  return unknown.length === 0 ? undefined : `Endpoint ignored these unrecognized parameters: [${unknown.join(' ')}]`
}
