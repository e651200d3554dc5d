/**
 * The mount and secret path an association request names (spec/vault-sync-api.md §3.10, §9.17):
 * decoded and normalised once, as the association service stores them and the ACL judges them.
 */
import { badRequest } from '../vault/errors.js'
import { decodeString } from '../vault/field-decode.js'

/** Mount path as the API takes it: no leading/trailing `/`, no `//` (spec §3.10, §9.17). */
export const normalizeMount = (mount: string): string => mount.replace(/\/{2,}/g, '/').replace(/^\/+|\/+$/g, '')

/**
 * The mount and secret path an `associations/set` body names, decoded and normalised exactly
 * as `set` uses them; the ACL's read check (`acl/enforce.ts`) judges these same values.
 * @throws VaultError 400 for a missing or wrong-typed field.
 */
export function associationSetTarget (body: Record<string, unknown>): { mount: string, secretPath: string } {
  return {
    mount: normalizeMount(requiredString(body, 'mount')),
    secretPath: requiredString(body, 'secret_name').replace(/^\/+/, '')
  }
}

function requiredString (body: Record<string, unknown>, field: string): string {
  const v = decodeString(body[field], field)
  if (v === undefined || v === '') throw badRequest(`missing required field "${field}"`)
  return v
}
