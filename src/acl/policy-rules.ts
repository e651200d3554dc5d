/**
 * The structure of an ACL policy once its text is parsed (spec/vault-core-kv-api.md §4.4):
 * validates the document produced by the HCL or JSON parser and turns it into `PathRule`s.
 * Follows Vault's `policy.go` (`parsePaths`): templating balance, allowed keys, capability
 * names, the legacy `policy = "read"` shorthand, `deny` wiping other capabilities (and, as in
 * Vault, the wrapping TTLs unparsed), `+*` forbidden, wrapping TTLs.
 */
import { parseDurationNs } from '../vault/duration.js'
import { templatingError } from './policy-templating.js'

/** Every capability name Vault accepts (the last two are newer additions). */
export const CAPABILITIES = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny', 'subscribe', 'recover'] as const
/** One capability name. */
export type Capability = typeof CAPABILITIES[number]

/** Parameter constraints: parameter name (lower-case) -> allowed/denied values (`[]` = any value). */
export type ParameterValues = Record<string, unknown[]>

/** One `path "<pattern>" { ... }` block. */
export interface PathRule {
  /** The pattern without a leading `/`: exact, trailing `*` glob, and/or `+` segments. */
  path: string
  /** Sorted capability names; exactly `["deny"]` when deny is present. */
  capabilities: Capability[]
  allowedParameters?: ParameterValues
  deniedParameters?: ParameterValues
  requiredParameters?: string[]
  /**
   * True when `min_wrapping_ttl` or `max_wrapping_ttl` is above zero: Vault then allows only a
   * response-wrapped request (acl.go `AllowOperation`), and vault-sync never wraps.
   */
  requiresWrapping?: boolean
}

/** A parse or validation problem; the policy endpoints answer 400 `failed to parse policy: <message>`. */
export class PolicyParseError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'PolicyParseError'
  }
}

const LEGACY: Record<string, Capability[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo']
}

const PATH_KEYS = new Set(['capabilities', 'policy', 'allowed_parameters', 'denied_parameters', 'required_parameters',
  'min_wrapping_ttl', 'max_wrapping_ttl', 'mfa_methods', 'control_group', 'subscribe_event_types'])
const UNSUPPORTED_KEYS = new Set(['mfa_methods', 'control_group'])
const TOP_KEYS = new Set(['path', 'name'])

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** HCL blocks come as arrays of objects (one per block), JSON as an object: both become a list. */
function blocks (value: unknown, where: string): Obj[] {
  if (isObj(value)) return [value]
  if (Array.isArray(value) && value.every(isObj)) return value
  throw new PolicyParseError(`${where}: expected a block`)
}

function stringList (value: unknown, where: string): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value
  throw new PolicyParseError(`${where}: expected a list of strings`)
}

function parameterValues (value: unknown, where: string): ParameterValues {
  const out: ParameterValues = {}
  for (const block of blocks(value, where)) {
    for (const [key, v] of Object.entries(block)) {
      // HCL nests lists of values once more when written as a block (`key = []` inside `{}`).
      const values = Array.isArray(v) ? v : v === null || v === undefined ? [] : [v]
      out[key.toLowerCase()] = [...(out[key.toLowerCase()] ?? []), ...values]
    }
  }
  return out
}

/**
 * `parseutil.ParseDurationSecond` of a wrapping TTL as HCL decodes it, in nanoseconds: HCL
 * numbers are Go `int`/`float64` (seconds, a float truncated), strings Vault's duration syntax.
 * @throws PolicyParseError `error parsing <key>: <Go's error>` (policy.go, no path prefix).
 */
function wrappingTtl (block: Obj, key: 'min_wrapping_ttl' | 'max_wrapping_ttl'): bigint {
  const value = block[key]
  try {
    if (typeof value === 'number' && Number.isFinite(value)) return parseDurationNs(String(Math.trunc(value)))
    return parseDurationNs(value)
  } catch (err) {
    throw new PolicyParseError(`error parsing ${key}: ${(err as Error).message}`)
  }
}

/**
 * The wrapping TTLs of a non-deny rule (policy.go): both parsed, and a max below a min
 * refused when both are set. True when either is above zero.
 * @throws PolicyParseError `max_wrapping_ttl cannot be less than min_wrapping_ttl`.
 */
function requiresWrapping (block: Obj): boolean {
  const min = wrappingTtl(block, 'min_wrapping_ttl')
  const max = wrappingTtl(block, 'max_wrapping_ttl')
  if (min !== 0n && max !== 0n && max < min) throw new PolicyParseError('max_wrapping_ttl cannot be less than min_wrapping_ttl')
  return min > 0n || max > 0n
}

/** Validates one path block's keys and values into a rule. */
function pathRule (pattern: string, block: Obj): PathRule {
  const path = pattern.replace(/^\/+/, '')
  const where = `path ${JSON.stringify(pattern)}`
  const templating = templatingError(pattern)
  if (templating !== undefined) throw new PolicyParseError(`failed to validate policy templating: ${templating}`)
  for (const key of Object.keys(block)) {
    if (!PATH_KEYS.has(key)) throw new PolicyParseError(`${where}: invalid key ${JSON.stringify(key)}`)
    if (UNSUPPORTED_KEYS.has(key)) throw new PolicyParseError(`${where}: ${JSON.stringify(key)} is a Vault Enterprise feature that vault-sync does not support`)
  }
  if (path.includes('+*')) throw new PolicyParseError(`path ${JSON.stringify(path)}: invalid use of wildcards ('+*' is forbidden)`)
  const caps = new Set<Capability>()
  if (block.policy !== undefined) {
    const legacy = typeof block.policy === 'string' ? LEGACY[block.policy] : undefined
    if (legacy === undefined) throw new PolicyParseError(`${where}: invalid policy ${JSON.stringify(block.policy)}`)
    for (const c of legacy) caps.add(c)
  }
  if (block.capabilities !== undefined) {
    for (const c of stringList(block.capabilities, `${where}: capabilities`)) {
      if (!(CAPABILITIES as readonly string[]).includes(c)) throw new PolicyParseError(`${where}: invalid capability ${JSON.stringify(c)}`)
      caps.add(c as Capability)
    }
  }
  const rule: PathRule = { path, capabilities: caps.has('deny') ? ['deny'] : [...caps].sort() }
  if (block.allowed_parameters !== undefined) rule.allowedParameters = parameterValues(block.allowed_parameters, `${where}: allowed_parameters`)
  if (block.denied_parameters !== undefined) rule.deniedParameters = parameterValues(block.denied_parameters, `${where}: denied_parameters`)
  if (block.required_parameters !== undefined) {
    rule.requiredParameters = stringList(block.required_parameters, `${where}: required_parameters`).map((p) => p.toLowerCase())
  }
  // Vault stops at deny (`goto PathFinished`): a deny rule's wrapping TTLs are not parsed.
  if (!caps.has('deny') && requiresWrapping(block)) rule.requiresWrapping = true
  return rule
}

/**
 * Turns a parsed policy document (`{"path": {"<pattern>": {...}}}`, HCL blocks as arrays) into
 * rules, in document order.
 * @throws PolicyParseError naming the offending key, capability or pattern.
 */
export function rulesFromDocument (doc: unknown): PathRule[] {
  if (!isObj(doc)) throw new PolicyParseError('policy must be an object')
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.has(key)) throw new PolicyParseError(`invalid key ${JSON.stringify(key)}`)
  }
  const rules: PathRule[] = []
  if (doc.path === undefined) return rules
  for (const group of blocks(doc.path, 'path')) {
    for (const [pattern, body] of Object.entries(group)) {
      for (const block of blocks(body, `path ${JSON.stringify(pattern)}`)) rules.push(pathRule(pattern, block))
    }
  }
  return rules
}
