/**
 * What an association rule covers (issue 22): its request fields, decoded with Vault's lenient
 * types (`field-decode.ts`) into a `RuleSpec`, and the matcher that decides whether a KV secret
 * falls under it. Globs are picomatch globs (`dot: true`) matched against the secret's path
 * relative to `path_prefix`; `recursive: false` covers only the prefix's direct children.
 */
import picomatch from 'picomatch'
import type { RuleRow } from '../../db/rules-repo.js'
import { badRequest } from '../vault/errors.js'
import { decodeBool, decodeKvPairs, decodeString, decodeStringList } from '../vault/field-decode.js'

/** A rule's coverage, as stored (`db/rules-repo.ts`) and as matched. */
export interface RuleSpec {
  /** `""` or a folder ending in `/`. */
  pathPrefix: string
  recursive: boolean
  include: string[]
  exclude: string[]
  customMetadata: Record<string, string>
}

/** The fields of a rule create request. */
export const RULE_FIELDS: ReadonlySet<string> = new Set(['mount', 'path_prefix', 'recursive', 'include', 'exclude', 'custom_metadata'])

/** Rule names: as destination names are used in URLs, letters, digits, `_`, `-`, `.`; at most 128. */
const RULE_NAME = /^[A-Za-z0-9_.-]{1,128}$/
const MAX_GLOBS = 64

/** @throws VaultError 400 `rule: ...` for a name that cannot be a rule's. */
export function checkRuleName (name: string): void {
  if (!RULE_NAME.test(name)) throw badRequest('rule: the name must be 1-128 letters, digits, "_", "-" or "."')
}

function globs (body: Record<string, unknown>, field: string): string[] {
  const list = decodeStringList(body[field], field)
  if (list.length > MAX_GLOBS) throw badRequest(`${field}: at most ${MAX_GLOBS} globs`)
  for (const g of list) {
    if (g === '') throw badRequest(`${field}: a glob may not be empty`)
    try { picomatch(g, { dot: true }) } catch (err) { throw badRequest(`${field}: invalid glob ${JSON.stringify(g)}: ${(err as Error).message}`) }
  }
  return list
}

/**
 * Decodes a create request: `mount` (required), `path_prefix` (`""`; a trailing `/` is added),
 * `recursive` (false), `include` / `exclude` (glob lists), `custom_metadata` (pairs to equal).
 * @throws VaultError 400 naming the field.
 */
export function decodeRuleBody (body: Record<string, unknown>): { mount: string, spec: RuleSpec } {
  const mount = decodeString(body.mount, 'mount')
  if (mount === undefined || mount.trim() === '') throw badRequest('missing required field "mount"')
  let pathPrefix = (decodeString(body.path_prefix, 'path_prefix') ?? '').replace(/^\/+/, '')
  if (pathPrefix !== '' && !pathPrefix.endsWith('/')) pathPrefix += '/'
  if (pathPrefix.split('/').includes('..') || pathPrefix.includes('//')) throw badRequest('path_prefix: ".." and empty segments are not allowed')
  return {
    mount,
    spec: {
      pathPrefix,
      recursive: decodeBool(body.recursive, 'recursive') ?? false,
      include: globs(body, 'include'),
      exclude: globs(body, 'exclude'),
      customMetadata: decodeKvPairs(body.custom_metadata, 'custom_metadata')
    }
  }
}

/** The spec stored in `row`. */
export function specOf (row: RuleRow): RuleSpec {
  return {
    pathPrefix: row.path_prefix,
    recursive: row.recursive === 1,
    include: JSON.parse(row.include_globs) as string[],
    exclude: JSON.parse(row.exclude_globs) as string[],
    customMetadata: JSON.parse(row.custom_metadata) as Record<string, string>
  }
}

/** A compiled rule: `pathMatches` on the secret path alone, `metadataMatches` on its custom metadata. */
export interface RuleMatcher {
  pathMatches: (secretPath: string) => boolean
  /** True when the rule has no `custom_metadata` filter (the metadata need not be read). */
  ignoresMetadata: boolean
  metadataMatches: (custom: Record<string, string>) => boolean
}

/** Compiles `spec` once (picomatch regexps). */
export function compileRule (spec: RuleSpec): RuleMatcher {
  const include = spec.include.length === 0 ? undefined : picomatch(spec.include, { dot: true })
  const exclude = spec.exclude.length === 0 ? undefined : picomatch(spec.exclude, { dot: true })
  const wanted = Object.entries(spec.customMetadata)
  return {
    pathMatches (secretPath) {
      if (!secretPath.startsWith(spec.pathPrefix) || secretPath.endsWith('/')) return false
      const rel = secretPath.slice(spec.pathPrefix.length)
      if (rel === '' || (!spec.recursive && rel.includes('/'))) return false
      return (include === undefined || include(rel)) && (exclude === undefined || !exclude(rel))
    },
    ignoresMetadata: wanted.length === 0,
    metadataMatches: (custom) => wanted.every(([k, v]) => Object.hasOwn(custom, k) && custom[k] === v)
  }
}
