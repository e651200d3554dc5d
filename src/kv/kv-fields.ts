/**
 * The KV v2 specific request checks (the scalar decoders are `vault/field-decode.ts`, shared by
 * every route): `options.cas` (spec/vault-core-kv-api.md §3.5), `data` (§3.5), and the
 * `custom_metadata` limits (§3.14). Every failure throws a 400 `VaultError` naming the field,
 * never quoting a submitted value.
 */
import { badRequest, multierror } from '../vault/errors.js'
import { fieldError, kindOf, weakInt } from '../vault/field-decode.js'
import { isJsonObject, type JsonObject } from './kv-json.js'

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
