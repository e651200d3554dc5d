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
