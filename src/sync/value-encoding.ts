/**
 * The value written to Azure for a KV secret (decisions D-19, FR-05, FR-14).
 *
 * - `secret-path`: one Azure secret whose value is the whole KV `data` object encoded exactly
 *   like Go's `json.Marshal` of the `map[string]interface{}` Vault holds, content type
 *   `application/json`. `{"value":"s3cr3t","n":5,"o":{"a":1}}` → `{"n":5,"o":{"a":1},"value":"s3cr3t"}`.
 * - `secret-key`: one Azure secret per top-level key. A string value is written raw with content
 *   type `text/plain` (`s3cr3t`); any other value (number, bool, list, map, `null`) is encoded
 *   as above with `application/json` (`5`, `true`, `{"a":1}`, `null`).
 * Vault is silent on Azure's `contentType`; FR-14 has us always send one so that Azure Policy's
 * "secrets should have content type set" passes.
 */

/** What to write: the Azure secret value and its `contentType`. */
export interface EncodedValue {
  readonly value: string
  readonly contentType: 'application/json' | 'text/plain'
}

/** Encodes a `secret-path` value: the whole KV data map, as Go's `json.Marshal`. */
export function encodeSecretPathValue (data: Record<string, unknown>): EncodedValue {
  return { value: goJsonMarshal(data), contentType: 'application/json' }
}

/** Encodes one top-level KV value for `secret-key`: strings raw, anything else as JSON. */
export function encodeSecretKeyValue (value: unknown): EncodedValue {
  if (typeof value === 'string') return { value, contentType: 'text/plain' }
  return { value: goJsonMarshal(value), contentType: 'application/json' }
}

/**
 * Encodes a JSON-decoded value exactly like Go's `encoding/json.Marshal` of the same value
 * decoded into `interface{}` (numbers are `float64`):
 * - object keys sorted by UTF-8 byte order (= code point order) at every level, no whitespace;
 * - strings: `"` `\` escaped; `\b \f \n \r \t` short forms; other bytes below 0x20 and `<` `>` `&`
 *   U+2028 U+2029 as `\u00XX`/`\u2028` (lower-case hex); other characters raw; a lone surrogate,
 *   which Go's decoder would have turned into U+FFFD, is written as U+FFFD;
 * - numbers as Go formats float64 for JSON (the ES6 rules, identical to `String(n)`), except
 *   `-0`, which Go writes as `-0`: `1e21` → `1e+21`, `1e-7` → `1e-7`, `0.000001` → `0.000001`,
 *   `2**53 + 2` → `9007199254740994`, `1e20` → `100000000000000000000`.
 * Throws `TypeError` for what Go cannot encode or JSON never yields: `NaN`/`±Infinity`
 * (`json: unsupported value: NaN`), `undefined`, functions, symbols, bigints, class instances,
 * and cycles (`json: unsupported value: encountered a cycle`).
 */
export function goJsonMarshal (value: unknown): string {
  return encode(value, new Set())
}

function encode (value: unknown, seen: Set<object>): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string': return quote(value)
    case 'boolean': return value ? 'true' : 'false'
    case 'number': return formatNumber(value)
    case 'object': break
    default: throw new TypeError(`json: unsupported type: ${typeof value}`)
  }
  if (seen.has(value)) throw new TypeError('json: unsupported value: encountered a cycle')
  seen.add(value)
  let out: string
  if (Array.isArray(value)) {
    out = `[${value.map((v: unknown) => encode(v, seen)).join(',')}]`
  } else {
    const proto: unknown = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`json: unsupported type: ${(value as object).constructor?.name ?? 'object'}`)
    }
    const record = value as Record<string, unknown>
    const entries = Object.keys(record).map((k) => [toWellFormed(k), record[k]] as const)
    entries.sort(([a], [b]) => compareCodePoints(a, b))
    out = `{${entries.map(([k, v]) => `${quote(k)}:${encode(v, seen)}`).join(',')}}`
  }
  seen.delete(value)
  return out
}

function formatNumber (n: number): string {
  if (Number.isNaN(n)) throw new TypeError('json: unsupported value: NaN')
  if (!Number.isFinite(n)) throw new TypeError(`json: unsupported value: ${n > 0 ? '+Inf' : '-Inf'}`)
  // Go: 'f' format for 1e-6 <= |n| < 1e21, else 'e' with the exponent's leading zero dropped;
  // that is exactly ECMAScript's Number::toString, except that Go keeps the sign of -0.
  return Object.is(n, -0) ? '-0' : String(n)
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t'
}
// eslint-disable-next-line no-control-regex -- Go's encoding/json escapes exactly these control characters
const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

function quote (s: string): string {
  return `"${s.replace(NEEDS_ESCAPE, (c) => {
    if (c.length === 1 && c >= '\ud800' && c <= '\udfff') return '\ufffd'
    return SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  })}"`
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

function toWellFormed (s: string): string {
  return s.replace(LONE_SURROGATE, '\ufffd')
}

/**
 * Compares by code point, which is UTF-8 byte order (Go's `strings.Compare`). UTF-16 order
 * differs only between a surrogate (a code point above U+FFFF) and U+E000–U+FFFF.
 */
function compareCodePoints (a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return rank(x) - rank(y)
  }
  return a.length - b.length
}

function rank (unit: number): number {
  if (unit < 0xd800) return unit
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000
}
