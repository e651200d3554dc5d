/**
 * The structure of an ACL policy once its text is parsed (spec/vault-core-kv-api.md §4.4):
 * validates the document produced by the HCL or JSON parser and turns it into `PathRule`s.
 * Follows Vault's `policy.go` (`parsePaths`): allowed keys, capability names, the legacy
 * `policy = "read"` shorthand, `deny` wiping other capabilities, `+*` forbidden.
 */

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
  /** True when `min_wrapping_ttl` is set: the request must be response-wrapped (vault-sync never wraps). */
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

const isZeroDuration = (v: unknown): boolean => v === 0 || v === '' || v === '0' || v === '0s' || v === null || v === undefined

/** Validates one path block's keys and values into a rule. */
function pathRule (pattern: string, block: Obj): PathRule {
  const path = pattern.replace(/^\/+/, '')
  const where = `path ${JSON.stringify(pattern)}`
  if (path.includes('+*')) throw new PolicyParseError(`${where}: invalid use of wildcards ('+*' is forbidden)`)
  for (const key of Object.keys(block)) {
    if (!PATH_KEYS.has(key)) throw new PolicyParseError(`${where}: invalid key ${JSON.stringify(key)}`)
    if (UNSUPPORTED_KEYS.has(key)) throw new PolicyParseError(`${where}: ${JSON.stringify(key)} is a Vault Enterprise feature that vault-sync does not support`)
  }
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
  if (!isZeroDuration(block.min_wrapping_ttl)) rule.requiresWrapping = true
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
