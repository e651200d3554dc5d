/**
 * Parameter constraints of a policy rule (`allowed_parameters`, `denied_parameters`,
 * `required_parameters`), checked as Vault's `acl.go` `AllowOperation` does for read, create,
 * update and patch operations against the request data (the JSON body, or the query for reads).
 * Only top-level keys are constrained, as in Vault.
 *
 * Values are compared as Vault compares them (`valueInParameterList`): a policy string is a
 * glob (`strutil.GlobbedStringsMatch`) against a request string; `null` matches only `null`;
 * anything else is Go's `reflect.DeepEqual` between the policy value as HCL decodes it and the
 * request value as Vault's JSON decoder gives it. HCL numbers are Go `int`/`float64` while JSON
 * request numbers are `json.Number`, and HCL objects are lists of maps: so a number or an object
 * in a policy value never equals a request value in Vault, and never does here.
 */
import { commaStringSlice } from '../vault/field-decode.js'
import type { Operation, Permissions } from './acl.js'

const CHECKED: ReadonlySet<Operation> = new Set(['read', 'create', 'update', 'patch'])

/**
 * Go-secure-stdlib `strutil.GlobbedStringsMatch`: an item shorter than 2 characters matches
 * only itself (`"*"` is the literal `*`); `*x*` contains, `*x` suffix, `x*` prefix, else equal.
 */
export function globbedStringsMatch (item: string, val: string): boolean {
  if (item.length < 2) return val === item
  const hasPrefix = item.startsWith('*')
  const hasSuffix = item.endsWith('*')
  if (hasPrefix && hasSuffix) return val.includes(item.slice(1, -1))
  if (hasPrefix) return val.endsWith(item.slice(1))
  if (hasSuffix) return val.startsWith(item.slice(0, -1))
  return val === item
}

/**
 * `reflect.DeepEqual(el, v)` for a policy value `el` (HCL-decoded) and a request value `v`
 * (JSON-decoded with `UseNumber`): numbers and objects never compare equal (different Go
 * types), lists compare element-wise, strings, booleans and `null` by value.
 */
function goDeepEqual (el: unknown, v: unknown): boolean {
  if (Array.isArray(el)) return Array.isArray(v) && el.length === v.length && el.every((e, i) => goDeepEqual(e, v[i]))
  if (typeof el === 'string' || typeof el === 'boolean' || el === null) return el === v
  return false
}

/** Vault's `valueInParameterList`: `v` matches one element of `list`. */
function valueInParameterList (v: unknown, list: unknown[]): boolean {
  return list.some((el) => {
    if (el === null || el === undefined || v === null || v === undefined) return (el ?? null) === (v ?? null)
    if (typeof el === 'string') return typeof v === 'string' && globbedStringsMatch(el, v)
    return goDeepEqual(el, v)
  })
}

/**
 * Vault's `valueInAllowedParameterList` (non-legacy): an empty list allows anything; else the
 * whole value matches, or every element of a list value, or every item of a comma-separated
 * string, matches.
 */
export function valueInAllowedParameterList (v: unknown, list: unknown[]): boolean {
  if (list.length === 0 || valueInParameterList(v, list)) return true
  if (Array.isArray(v)) return v.every((e) => valueInParameterList(e, list))
  if (typeof v === 'string') return commaStringSlice(v).every((e) => valueInParameterList(e, list))
  return false
}

/**
 * Vault's `valueInDeniedParameterList` (non-legacy): an empty list denies anything; else the
 * whole value matches, or ANY element of a list value, or any item of a comma-separated string.
 */
export function valueInDeniedParameterList (v: unknown, list: unknown[]): boolean {
  if (list.length === 0 || valueInParameterList(v, list)) return true
  if (Array.isArray(v)) return v.some((e) => valueInParameterList(e, list))
  if (typeof v === 'string') return commaStringSlice(v).some((e) => valueInParameterList(e, list))
  return false
}

/**
 * True when the request `data` satisfies the parameter constraints of `perms` for `operation`
 * (the parameter part of Vault's `AllowOperation`). Required parameters are looked up by their
 * lower-cased name among the request's keys as sent (Vault: `req.Data[strings.ToLower(p)]`);
 * allowed and denied ones by the request key lower-cased. Operations other than
 * read/create/update/patch are not constrained.
 */
export function parametersAllowed (perms: Permissions, operation: Operation, data: Record<string, unknown> | undefined): boolean {
  if (!CHECKED.has(operation)) return true
  const given = data ?? {}
  for (const required of perms.requiredParameters ?? []) if (!Object.hasOwn(given, required.toLowerCase())) return false
  const entries = Object.entries(given).map(([k, v]) => [k.toLowerCase(), v] as const)
  if (entries.length === 0) return true
  const denied = perms.deniedParameters
  if (denied !== undefined && Object.keys(denied).length > 0) {
    if (Object.hasOwn(denied, '*')) return false
    for (const [k, v] of entries) {
      if (Object.hasOwn(denied, k) && valueInDeniedParameterList(v, denied[k])) return false
    }
  }
  const allowed = perms.allowedParameters
  if (allowed === undefined || Object.keys(allowed).length === 0) return true
  const allowAll = Object.hasOwn(allowed, '*')
  for (const [k, v] of entries) {
    const known = Object.hasOwn(allowed, k)
    if (!known && !allowAll) return false
    if (known && !valueInAllowedParameterList(v, allowed[k])) return false
  }
  return true
}
