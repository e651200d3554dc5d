/**
 * Parameter constraints of a policy rule (`allowed_parameters`, `denied_parameters`,
 * `required_parameters`), checked as Vault's `acl.go` does for read, create, update and patch
 * operations against the request data (the JSON body, or the query for reads). Only top-level
 * keys are constrained, as in Vault.
 */
import { isDeepStrictEqual } from 'node:util'
import type { Operation, Permissions } from './acl.js'

const CHECKED: ReadonlySet<Operation> = new Set(['read', 'create', 'update', 'patch'])

/** A value matches a list when the list is empty (any value) or holds it (`*` globs on strings). */
function valueInList (value: unknown, list: unknown[]): boolean {
  if (list.length === 0) return true
  const values = Array.isArray(value) ? value : [value]
  return values.every((v) => list.some((allowed) => {
    if (typeof allowed === 'string' && typeof v === 'string') {
      if (allowed === '*') return true
      if (allowed.startsWith('*') && v.endsWith(allowed.slice(1))) return true
      if (allowed.endsWith('*') && v.startsWith(allowed.slice(0, -1))) return true
      return v === allowed
    }
    return isDeepStrictEqual(v, allowed) || String(v) === String(allowed)
  }))
}

/**
 * True when the request `data` satisfies the parameter constraints of `perms` for `operation`.
 * Operations other than read/create/update/patch are not constrained.
 */
export function parametersAllowed (perms: Permissions, operation: Operation, data: Record<string, unknown> | undefined): boolean {
  if (!CHECKED.has(operation)) return true
  const entries = Object.entries(data ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const)
  const keys = new Set(entries.map(([k]) => k))
  for (const required of perms.requiredParameters ?? []) if (!keys.has(required)) return false
  if (entries.length === 0) return true
  const denied = perms.deniedParameters
  if (denied !== undefined) {
    if (denied['*'] !== undefined) return false
    for (const [k, v] of entries) {
      const list = denied[k]
      if (list !== undefined && valueInList(v, list)) return false
    }
  }
  const allowed = perms.allowedParameters
  if (allowed === undefined || Object.keys(allowed).length === 0) return true
  const allowAll = allowed['*'] !== undefined
  for (const [k, v] of entries) {
    const list = allowed[k]
    if (list === undefined && !allowAll) return false
    if (list !== undefined && !valueInList(v, list)) return false
  }
  return true
}
