/**
 * Destination tags and Vault map/list fields (decisions D-3, D-19; FR-16, FR-25).
 *
 * Every external secret version vault-sync writes carries the custom tags plus exactly one
 * built-in tag, `hashicorp:vault` = `vault-sync:<destination_id>:<association_id>`, which
 * records ownership (`drivers/ownership-tag.ts`). The destination type's limits bound the
 * custom tags (Azure allows 15 tags per secret, so at most 14 custom tags).
 */
import type { DestinationLimits } from '../drivers/driver.js'
import { BUILTIN_TAG_KEY, OWNER_VALUE_PREFIX, isOwnedByVaultSync } from '../drivers/ownership-tag.js'

export { BUILTIN_TAG_KEY, OWNER_VALUE_PREFIX, isOwnedByVaultSync }

/** The limits `validateCustomTags` applies (from the destination type). */
export type TagLimits = Pick<DestinationLimits, 'label' | 'maxTags' | 'maxTagLength'>

/** Tags as destinations model them. */
export type Tags = Readonly<Record<string, string>>

/** The built-in tag value: `vault-sync:<destination_id>:<association_id>`. */
export function builtinTagValue (destinationId: string, associationId: string): string {
  return `${OWNER_VALUE_PREFIX}${destinationId}:${associationId}`
}

/**
 * Splits a built-in tag value into its ids; `null` when it is not exactly
 * `vault-sync:<destination_id>:<association_id>` with two non-empty ids without `:`.
 */
export function parseBuiltinTagValue (value: string): { destinationId: string, associationId: string } | null {
  if (!value.startsWith(OWNER_VALUE_PREFIX)) return null
  const parts = value.slice(OWNER_VALUE_PREFIX.length).split(':')
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return null
  return { destinationId: parts[0], associationId: parts[1] }
}

/** The tags of a version we write: the custom tags plus the built-in tag (D-3; FR-25 drops foreign tags). */
export function buildSecretTags (customTags: Tags, destinationId: string, associationId: string): Record<string, string> {
  return { ...customTags, [BUILTIN_TAG_KEY]: builtinTagValue(destinationId, associationId) }
}

/** True when the tags (of a secret's latest version) carry association `associationId`'s built-in tag. */
export function isOwnedBy (tags: Tags | undefined, associationId: string): boolean {
  const value = tags?.[BUILTIN_TAG_KEY]
  return value !== undefined && parseBuiltinTagValue(value)?.associationId === associationId
}

/**
 * Validates `custom_tags` against the destination type's limits (D-3, FR-16). Returns the 400
 * messages, `[]` when valid (texts for Azure's limits):
 * - `custom_tags: at most 14 tags are allowed (Azure allows 15 per secret, 1 is reserved for hashicorp:vault)`
 * - `custom_tags: tag key "HashiCorp:Vault" is reserved for vault-sync` (case-insensitive)
 * - `custom_tags: tag key "" must be 1-256 characters long`
 * - `custom_tags: tag key "a b" must not contain whitespace`
 * - `custom_tags: tag key "a\u0001" must not contain control characters`
 * - `custom_tags: the value of tag "k" must be 1-256 characters long`
 * - `custom_tags: the value of tag "k" must not contain control characters`
 * Keys are quoted as JSON strings; values are never echoed. Lengths count UTF-16 code units.
 */
export function validateCustomTags (tags: Tags, limits: TagLimits): string[] {
  const errors: string[] = []
  const keys = Object.keys(tags)
  const maxCustom = limits.maxTags - 1
  const maxLength = limits.maxTagLength
  if (keys.length > maxCustom) {
    errors.push(`custom_tags: at most ${maxCustom} tags are allowed (${limits.label} allows ${limits.maxTags} per secret, 1 is reserved for ${BUILTIN_TAG_KEY})`)
  }
  for (const key of keys) {
    const k = `custom_tags: tag key ${JSON.stringify(key)}`
    const v = `custom_tags: the value of tag ${JSON.stringify(key)}`
    const value = tags[key]
    if (key.toLowerCase() === BUILTIN_TAG_KEY) errors.push(`${k} is reserved for vault-sync`)
    if (key.length < 1 || key.length > maxLength) errors.push(`${k} must be 1-${maxLength} characters long`)
    if (/\s/u.test(key)) errors.push(`${k} must not contain whitespace`)
    if (/\p{Cc}/u.test(key)) errors.push(`${k} must not contain control characters`)
    if (value.length < 1 || value.length > maxLength) errors.push(`${v} must be 1-${maxLength} characters long`)
    if (/\p{Cc}/u.test(value)) errors.push(`${v} must not contain control characters`)
  }
  return errors
}

/**
 * Decodes a Vault `TypeKVPairs` field (D-19), as Vault's field decoder does: a JSON object
 * (values weakly turned into strings: numbers as written, `true`/`false` → `"1"`/`"0"`,
 * `null` → `""`), or a list of `"k=v"` strings, or one `"k=v"` string; each pair splits on the
 * first `=` (`"a=b=c"` → `a`: `b=c`), later duplicates win; a lone scalar counts as a
 * one-element list (Go's weak decoding). `""`, `null` and `[]` give `{}`.
 * Throws `TypeError`: `invalid key pair "x"` for a pair without `=` or with an empty key (Go's
 * text), `expected a map of strings, a list of "key=value" strings or one "key=value" string`
 * for other shapes (nested objects, lists inside lists…).
 */
export function parseKvPairs (input: unknown): Record<string, string> {
  const shape = 'expected a map of strings, a list of "key=value" strings or one "key=value" string'
  if (isPlainObject(input)) {
    const out: Record<string, string> = {}
    for (const [key, value] of Object.entries(input)) {
      const str = weakString(value)
      if (str === undefined) throw new TypeError(shape)
      out[key] = str
    }
    return out
  }
  if (input === null || input === undefined || input === '') return {}
  const list: unknown[] = Array.isArray(input) ? input : [input]
  const out: Record<string, string> = {}
  for (const item of list) {
    const pair = weakString(item)
    if (pair === undefined) throw new TypeError(shape)
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new TypeError(`invalid key pair ${JSON.stringify(pair)}`)
    out[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return out
}

/**
 * Decodes a Vault `TypeCommaStringSlice` field (D-19, `parseutil.ParseCommaStringSlice`): a JSON
 * array (elements weakly turned into strings) or a string split on `,`; every element is
 * trimmed, empty elements are kept (`"a, ,b"` → `["a","","b"]`); `""`, `null` and `[]` give `[]`.
 * A bare number counts as its text. Throws `TypeError` `expected a list of strings or a
 * comma-separated string` otherwise.
 */
export function parseStringList (input: unknown): string[] {
  const shape = 'expected a list of strings or a comma-separated string'
  if (input === null || input === undefined || input === '') return []
  if (typeof input === 'string') return input.split(',').map((s) => s.trim())
  if (typeof input === 'number') return [weakString(input) ?? ''].map((s) => s.trim())
  if (!Array.isArray(input)) throw new TypeError(shape)
  return input.map((item: unknown) => {
    const str = weakString(item)
    if (str === undefined) throw new TypeError(shape)
    return str.trim()
  })
}

/** mapstructure's weak decoding of a JSON scalar into a Go string; `undefined` if impossible. */
function weakString (value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (value === null) return ''
  return undefined
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
