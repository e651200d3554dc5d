/**
 * A token's compiled ACL (spec/vault-core-kv-api.md §4.5, decisions D-7), after Vault's
 * `acl.go`: the rules of all its policies merged per pattern (union of capabilities, `deny`
 * on that pattern wins), then for a request path the single best rule decides, in
 * `AllowOperation`'s order: an exact rule; for lists the exact rule without the trailing `/`;
 * for lists of a path ending in `/`, the glob/`+` rules of the path with and without the slash,
 * where the most specific `deny` wins over a less specific `list` (Vault's SECVULN-45175 fix);
 * else the most specific glob/`+` rule of the path. A less specific `deny` never overrides a
 * more specific allow. Templated paths are populated as for a token without an
 * identity entity (`policy-templating.ts`): identity ones are dropped, `time.*` ones follow the
 * clock.
 */
import type { Capability, ParameterValues, PathRule } from './policy-rules.js'
import { isTemplated, populatePolicyPath, unixNowNs } from './policy-templating.js'

/** Vault's logical operations (`read`, `list`, `create`, `update`, `patch`, `delete`). */
export type Operation = 'read' | 'list' | 'create' | 'update' | 'patch' | 'delete'

/** The merged permissions of one pattern. */
export interface Permissions {
  capabilities: Set<Capability>
  allowedParameters?: ParameterValues
  deniedParameters?: ParameterValues
  requiredParameters?: string[]
  /** A `min_wrapping_ttl` or `max_wrapping_ttl` above zero: only a response-wrapped request passes (vault-sync never wraps). */
  requiresWrapping: boolean
}

interface Candidate { firstWildcard: number, isPrefix: boolean, wildcards: number, pattern: string, perms: Permissions }

/** The merged rules by kind, as Vault's `exactRules`, `prefixRules` and `segmentWildcardPaths`. */
interface Tables {
  exact: Map<string, Permissions>
  /** Glob rules keyed by their prefix (the pattern without `*`). */
  prefix: Map<string, Permissions>
  /** Rules with `+` segments, keyed by the full pattern (maybe ending in `*`). */
  segment: Map<string, Permissions>
}

function mergeValues (a: ParameterValues | undefined, b: ParameterValues | undefined): ParameterValues | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  const out: ParameterValues = { ...a }
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k]
    // An empty list means "any value": it absorbs a value list from another policy.
    out[k] = prev === undefined ? v : prev.length === 0 || v.length === 0 ? [] : [...prev, ...v]
  }
  return out
}

function merge (into: Permissions | undefined, rule: PathRule): Permissions {
  const caps = new Set<Capability>([...(into?.capabilities ?? []), ...rule.capabilities])
  if (caps.has('deny')) return { capabilities: new Set(['deny']), requiresWrapping: false }
  const required = [...new Set([...(into?.requiredParameters ?? []), ...(rule.requiredParameters ?? [])])]
  return {
    capabilities: caps,
    allowedParameters: mergeValues(into?.allowedParameters, rule.allowedParameters),
    deniedParameters: mergeValues(into?.deniedParameters, rule.deniedParameters),
    requiredParameters: required.length > 0 ? required : undefined,
    requiresWrapping: (into?.requiresWrapping ?? false) || rule.requiresWrapping === true
  }
}

/** Vault's `NewACL`: rules merged per pattern into the three kinds. */
function buildTables (rules: PathRule[]): Tables {
  const t: Tables = { exact: new Map(), prefix: new Map(), segment: new Map() }
  for (const rule of rules) {
    if (rule.path.includes('+')) t.segment.set(rule.path, merge(t.segment.get(rule.path), rule))
    else if (rule.path.endsWith('*')) {
      const key = rule.path.slice(0, -1)
      t.prefix.set(key, merge(t.prefix.get(key), rule))
    } else t.exact.set(rule.path, merge(t.exact.get(rule.path), rule))
  }
  return t
}

/** Vault's ordering of non-exact candidates: the last one after sorting wins. */
function lessSpecific (a: Candidate, b: Candidate): number {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard - b.firstWildcard
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1
  if (a.wildcards !== b.wildcards) return b.wildcards - a.wildcards
  if (a.pattern.length !== b.pattern.length) return a.pattern.length - b.pattern.length
  return a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0
}

/** The glob and `+` rules matching `path`, unordered (Vault's `prefixAndWCCandidatesForPath`). */
function candidatesFor ({ prefix, segment }: Tables, path: string): Candidate[] {
  const candidates: Candidate[] = []
  let best: string | undefined
  for (const key of prefix.keys()) {
    if (path.startsWith(key) && (best === undefined || key.length > best.length)) best = key
  }
  if (best !== undefined) candidates.push({ firstWildcard: best.length, isPrefix: true, wildcards: 0, pattern: best, perms: prefix.get(best)! })
  const parts = path.split('/')
  for (const [full, perms] of segment) {
    const isPrefix = full.endsWith('*')
    const pattern = isPrefix ? full.slice(0, -1) : full
    const ruleParts = pattern.split('/')
    if (parts.length < ruleParts.length || (!isPrefix && parts.length !== ruleParts.length)) continue
    let wildcards = 0
    const matches = ruleParts.every((rp, i) => {
      if (rp === '+') { wildcards++; return true }
      if (rp === parts[i]) return true
      return isPrefix && i === ruleParts.length - 1 && parts[i].startsWith(rp)
    })
    if (matches) candidates.push({ firstWildcard: full.indexOf('+'), isPrefix, wildcards, pattern, perms })
  }
  return candidates
}

/** The most specific of `candidates`, or `undefined` when there are none. */
function mostSpecific (candidates: readonly Candidate[], keep: (c: Candidate) => boolean = () => true): Candidate | undefined {
  let best: Candidate | undefined
  for (const c of candidates) if (keep(c) && (best === undefined || lessSpecific(best, c) < 0)) best = c
  return best
}

/** The most specific glob or `+` rule for `path`, or `undefined` (Vault's `CheckAllowedFromNonExactPaths`). */
function nonExact (tables: Tables, path: string): Permissions | undefined {
  return mostSpecific(candidatesFor(tables, path))?.perms
}

/**
 * The rule deciding a LIST of `path` ending in `/` (Vault's `resolveACLPermsForListOp`, the fix
 * of SECVULN-45175 in Vault 2.x: a broader rule reached through the path without its slash no
 * longer hides a more specific `deny` keyed with it): the candidates of both forms; the most
 * specific `deny` wins unless a more specific rule grants `list`; else the most specific rule
 * granting `list`; else the most specific of all; `undefined` when none matches.
 */
function listWithSlash (tables: Tables, path: string): Permissions | undefined {
  const all = [...candidatesFor(tables, path.slice(0, -1)), ...candidatesFor(tables, path)]
  const deny = mostSpecific(all, (c) => c.perms.capabilities.has('deny'))
  const list = mostSpecific(all, (c) => c.perms.capabilities.has('list'))
  if (deny !== undefined && (list === undefined || lessSpecific(list, deny) < 0)) return deny.perms
  return (list ?? mostSpecific(all))?.perms
}

/** The compiled ACL of one set of policies. */
export class Acl {
  /** True for a token carrying the `root` policy: every check passes. */
  readonly root: boolean
  /** Rules without templating, and templated rules that depend only on the clock (`time.*`). */
  private readonly fixedRules: PathRule[] = []
  private readonly timedRules: PathRule[] = []
  private tables: Tables | undefined
  /** The tables of the clock-dependent rules as last populated, by their populated paths. */
  private timed: { key: string, tables: Tables } | undefined

  /**
   * Compiles `rules` (all rules of all the token's policies); `root` bypasses them. Templated
   * rules are populated as Vault's `parsePaths` does for a token without entity or groups:
   * dropped unless they use only `time.*` (see `policy-templating.ts`).
   */
  constructor (rules: PathRule[], root = false) {
    this.root = root
    for (const rule of rules) {
      if (!isTemplated(rule.path)) this.fixedRules.push(rule)
      // Whether population fails does not depend on the time: drop such rules once and for all.
      else if (populatePolicyPath(rule.path, 0n) !== undefined) this.timedRules.push(rule)
    }
    if (this.timedRules.length === 0) this.tables = buildTables(this.fixedRules)
  }

  /** The merged rules now: fixed, or rebuilt when a `time.*` template's output changed. */
  private current (): Tables {
    if (this.tables !== undefined) return this.tables
    const now = unixNowNs()
    const populated = this.timedRules.map((r) => ({ ...r, path: populatePolicyPath(r.path, now)! }))
    const key = populated.map((r) => r.path).join('\n')
    if (this.timed?.key !== key) this.timed = { key, tables: buildTables([...this.fixedRules, ...populated]) }
    return this.timed.tables
  }

  /**
   * The permissions that decide `operation` on `path` (path after `/v1/`, lists with their
   * trailing `/`), or `undefined` when no rule matches (denied). Vault's `AllowOperation`
   * lookup: exact; for a list the exact path without one trailing `/`; for a list of a path
   * ending in `/` the non-exact rules of both forms, a more specific `deny` winning
   * (`listWithSlash`); else the non-exact rules of the path itself.
   */
  permissionsFor (path: string, operation: Operation): Permissions | undefined {
    const tables = this.current()
    const exact = tables.exact.get(path)
    if (exact !== undefined) return exact
    const isList = operation === 'list'
    const trimmed = path.endsWith('/') ? path.slice(0, -1) : path
    if (isList && tables.exact.has(trimmed)) return tables.exact.get(trimmed)
    if (isList && path.endsWith('/')) return listWithSlash(tables, path)
    return nonExact(tables, path)
  }

  /**
   * Whether the capabilities (not the parameters) allow `operation` on `path`; `sudo` also
   * requires the `sudo` capability (root-protected paths).
   */
  allows (operation: Operation, path: string, sudo = false): boolean {
    if (this.root) return true
    const caps = this.permissionsFor(path, operation)?.capabilities
    if (caps === undefined || caps.has('deny')) return false
    return caps.has(operation) && (!sudo || caps.has('sudo'))
  }

  /**
   * Vault's `ACL.Capabilities(path)` for `sys/capabilities-self`: the permissions found by a
   * list-operation lookup (acl.go: "use List to trigger fallback behavior"), sorted names,
   * `["root"]` for root, `["deny"]` when nothing matches or the rule denies.
   */
  capabilities (path: string): string[] {
    if (this.root) return ['root']
    const caps = this.permissionsFor(path, 'list')?.capabilities
    if (caps === undefined || caps.size === 0 || caps.has('deny')) return ['deny']
    return [...caps].sort()
  }

  /**
   * The preflight rule of `sys/internal/ui/mounts` (§2.7, Vault's `hasMountAccess`): some
   * non-deny capability on the mount path itself or on any rule under it.
   * @param mountPath the mount path with its trailing `/` (`secret/`).
   */
  hasMountAccess (mountPath: string): boolean {
    if (this.root) return true
    if (!this.capabilities(mountPath).includes('deny')) return true
    const grants = (p: Permissions): boolean => p.capabilities.size > 0 && !p.capabilities.has('deny')
    const { exact, prefix, segment } = this.current()
    for (const [k, p] of [...exact, ...prefix]) if (k.startsWith(mountPath) && grants(p)) return true
    const mountParts = mountPath.split('/').slice(0, -1)
    for (const [full, p] of segment) {
      const parts = full.replace(/\*$/, '').split('/')
      const under = mountParts.every((mp, i) => parts[i] === '+' || parts[i] === mp ||
        (i === parts.length - 1 && full.endsWith('*') && mp.startsWith(parts[i])))
      if (under && grants(p)) return true
    }
    return false
  }
}
