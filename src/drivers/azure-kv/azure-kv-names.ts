/**
 * Azure Key Vault secret names (decisions D-20, FR-03, FR-12, FR-24).
 *
 * Azure allows 1–127 characters from `[0-9A-Za-z-]` and compares names case-insensitively.
 * A rendered template name is normalised by replacing each Unicode code point outside that set
 * with one `-` (no collapsing, no trimming, case kept, no truncation), then checked for length;
 * a bad name is a `CLIENT_SIDE_ERROR` reported before any Azure call, with the message
 * `external name "<rendered>" is invalid for Azure Key Vault: <reason>`.
 */

import { findCollisions, type NameCollision, type NamedTarget } from '../driver.js'

export type { NameCollision, NamedTarget }

/** Azure's maximum secret name length. */
export const AZURE_NAME_MAX_LENGTH = 127

/** Azure compares secret names case-insensitively: the collision key is the lower-cased name. */
export const azureCollisionKey = (name: string): string => name.toLowerCase()

/**
 * Normalises a rendered name: every code point outside `[0-9A-Za-z-]` (including a lone
 * surrogate) becomes exactly one `-`. `vault/kv_1234/my-secret` → `vault-kv-1234-my-secret`,
 * `ünïcode/key` → `-n-code-key`, `a😀b` → `a-b`.
 */
export function normalizeAzureName (rendered: string): string {
  return rendered.replace(/[^0-9A-Za-z-]/gu, '-')
}

/**
 * Checks a normalised name; returns `null` when Azure accepts it, else the reason: `the name
 * is empty`, `the name is 200 characters long; the limit is 127`, or (for a name that was not
 * normalised) `the name contains characters other than 0-9, a-z, A-Z and -`.
 */
export function checkAzureName (name: string): string | null {
  if (name === '') return 'the name is empty'
  if (name.length > AZURE_NAME_MAX_LENGTH) {
    return `the name is ${name.length} characters long; the limit is ${AZURE_NAME_MAX_LENGTH}`
  }
  if (!/^[0-9A-Za-z-]+$/.test(name)) return 'the name contains characters other than 0-9, a-z, A-Z and -'
  return null
}

/** The D-20 status message for an invalid name; `rendered` is the name before normalisation. */
export function invalidAzureNameMessage (rendered: string, reason: string): string {
  return `external name ${JSON.stringify(rendered)} is invalid for Azure Key Vault: ${reason}`
}

/**
 * Normalises and checks in one step: `{ name }` when valid, else `{ error }` with the full
 * D-20 message.
 */
export function toAzureName (rendered: string): { name: string } | { error: string } {
  const name = normalizeAzureName(rendered)
  const reason = checkAzureName(name)
  return reason === null ? { name } : { error: invalidAzureNameMessage(rendered, reason) }
}

/**
 * Groups targets whose names collide in Azure (equal after lower-casing). Returns only groups
 * of two or more, each sorted by key and the groups by name (code unit order), so the result
 * and any message built from it do not depend on input order.
 */
export function findNameCollisions (targets: readonly NamedTarget[]): NameCollision[] {
  return findCollisions(targets, azureCollisionKey)
}

/**
 * The `CLIENT_SIDE_ERROR` message for a collision inside one association (D-20, FR-03):
 * `keys "API_KEY" and "api_key" map to the same Azure Key Vault name "api-key"`; with three or
 * more keys, `keys "a", "b" and "c" map …`. The name shown is the lower-cased shared name.
 */
export function nameCollisionMessage (collision: NameCollision): string {
  const keys = collision.targets.map((t) => JSON.stringify(t.key))
  const list = `${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1]}`
  return `keys ${list} map to the same Azure Key Vault name ${JSON.stringify(collision.name)}`
}
