/**
 * The destination options every sync type shares (spec/vault-sync-api.md §4, §5; decisions
 * D-15.7, D-15.9, D-18): `granularity`, `secret_name_template`, `custom_tags` (+ `tags_to_remove`
 * on PATCH), the SSRF allow-lists (§5.4) and vault-sync's `purge_on_unsync`.
 *
 * `applyOptions` merges a request into stored options the way each verb does: a create starts
 * from defaults; POST/PUT on an existing destination replaces the options as a whole (an option
 * left out takes its default, as on create: Terraform's `vault_secrets_sync_azure_destination`
 * sends only the fields set in its configuration and reads the destination back, and its
 * networking acceptance test expects a dropped `allowed_ipv4_addresses` to read back empty),
 * keeping only vault-sync's own `purge_on_unsync`, which Vault clients do not know; PATCH keeps
 * what it leaves out, merges `custom_tags` and drops `tags_to_remove`. The result is validated
 * as a whole (the template against the merged granularity, the tags against the type's limits);
 * every problem is a 400 whose message names the field, and nothing is stored.
 */
import { isIPv4, isIPv6 } from 'node:net'
import type { StoredConnection, WriteMode } from '../drivers/driver.js'
import type { NetworkRules } from '../drivers/target-ops.js'
import { badRequest, VaultError } from '../vault/errors.js'
import { decodeBool, decodeKvPairs, decodeString, decodeStringList } from '../vault/field-decode.js'
import { effectiveNameTemplate, parseNameTemplateFor, TemplateError } from './name-template.js'
import { GRANULARITIES, type Granularity } from './sync-types.js'

/** Options as stored (JSON) and read back; `secret_name_template` `""` means the default. */
export interface DestinationOptions {
  granularity: Granularity
  secret_name_template: string
  custom_tags: Record<string, string>
  allowed_ipv4_addresses: string[]
  allowed_ipv6_addresses: string[]
  allowed_ports: number[]
  disable_strict_networking: boolean
  /** vault-sync extension (D-18): also purge soft-deleted Azure secrets on unsync. */
  purge_on_unsync: boolean
}

/** A destination's configuration in memory: its type's connection, and the shared options. */
export interface DestinationConfig extends StoredConnection {
  options: DestinationOptions
}

export type { WriteMode }

/** The outbound network rules of a destination's options (spec §5.4), as drivers take them. */
export function networkRules (options: DestinationOptions): NetworkRules {
  return {
    allowedIpv4: options.allowed_ipv4_addresses,
    allowedIpv6: options.allowed_ipv6_addresses,
    allowedPorts: options.allowed_ports,
    disableStrictNetworking: options.disable_strict_networking
  }
}

/** The request fields `applyOptions` reads. */
export const OPTION_FIELDS: readonly string[] = [
  'granularity', 'secret_name_template', 'custom_tags', 'tags_to_remove', 'allowed_ipv4_addresses',
  'allowed_ipv6_addresses', 'allowed_ports', 'disable_strict_networking', 'purge_on_unsync'
]

/** Options of a new destination before the request applies. */
export function defaultOptions (): DestinationOptions {
  return {
    granularity: 'secret-path',
    secret_name_template: '',
    custom_tags: {},
    allowed_ipv4_addresses: [],
    allowed_ipv6_addresses: [],
    allowed_ports: [],
    disable_strict_networking: false,
    purge_on_unsync: false
  }
}

/** Checks `custom_tags` against the destination type's limits; returns the 400 messages. */
export type TagValidator = (tags: Readonly<Record<string, string>>) => string[]

function field (message: string): VaultError { return badRequest(message) }

function granularityOf (value: unknown): Granularity | undefined {
  const g = decodeString(value, 'granularity')
  if (g === undefined || g === '') return undefined
  if (!(GRANULARITIES as readonly string[]).includes(g)) {
    throw field('granularity: invalid value: must be "secret-path" or "secret-key"')
  }
  return g as Granularity
}

function tagsOf (value: unknown): Record<string, string> | undefined {
  return value === undefined ? undefined : decodeKvPairs(value, 'custom_tags')
}

function listOf (value: unknown, name: string): string[] | undefined {
  return value === undefined ? undefined : decodeStringList(value, name).filter((s) => s !== '')
}

/** True for `a.b.c.d` or `a.b.c.d/n` (n 0-32), or the IPv6 forms with n 0-128. */
function isCidr (value: string, family: 4 | 6): boolean {
  const slash = value.indexOf('/')
  const addr = slash < 0 ? value : value.slice(0, slash)
  const ok = family === 4 ? isIPv4(addr) : isIPv6(addr)
  if (!ok || slash < 0) return ok
  const bits = value.slice(slash + 1)
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)
}

function cidrsOf (value: unknown, name: string, family: 4 | 6): string[] | undefined {
  const list = listOf(value, name)
  if (list === undefined) return undefined
  const bad = list.findIndex((c) => !isCidr(c, family))
  if (bad >= 0) throw field(`${name}: element ${bad + 1} is not a valid IPv${family} address or CIDR block`)
  return list
}

function portsOf (value: unknown): number[] | undefined {
  const list = listOf(typeof value === 'number' ? [value] : value, 'allowed_ports')
  if (list === undefined) return undefined
  return list.map((p, i) => {
    const n = /^\d{1,5}$/.test(p) ? Number(p) : NaN
    if (!(n >= 1 && n <= 65535)) throw field(`allowed_ports: element ${i + 1} is not a port between 1 and 65535`)
    return n
  })
}

/**
 * Applies the option fields of `body` to `stored` for `mode` (`update`: to the defaults, see
 * above) and validates the result.
 * @throws VaultError 400 naming the field (`granularity: …`, `secret name template is invalid: …`,
 *   `custom_tags: …`, `allowed_ipv4_addresses: …`, `allowed_ports: …`).
 */
export function applyOptions (stored: DestinationOptions, body: Record<string, unknown>, mode: WriteMode, validateTags: TagValidator): DestinationOptions {
  const base = mode === 'update' ? { ...defaultOptions(), purge_on_unsync: stored.purge_on_unsync } : stored
  const next: DestinationOptions = { ...base, custom_tags: { ...base.custom_tags } }
  next.granularity = granularityOf(body.granularity) ?? next.granularity
  next.secret_name_template = decodeString(body.secret_name_template, 'secret_name_template') ?? next.secret_name_template
  const tags = tagsOf(body.custom_tags)
  if (tags !== undefined) next.custom_tags = mode === 'patch' ? { ...next.custom_tags, ...tags } : tags
  if (mode === 'patch') {
    for (const key of listOf(body.tags_to_remove, 'tags_to_remove') ?? []) delete next.custom_tags[key]
  }
  next.allowed_ipv4_addresses = cidrsOf(body.allowed_ipv4_addresses, 'allowed_ipv4_addresses', 4) ?? next.allowed_ipv4_addresses
  next.allowed_ipv6_addresses = cidrsOf(body.allowed_ipv6_addresses, 'allowed_ipv6_addresses', 6) ?? next.allowed_ipv6_addresses
  next.allowed_ports = portsOf(body.allowed_ports) ?? next.allowed_ports
  next.disable_strict_networking = decodeBool(body.disable_strict_networking, 'disable_strict_networking') ?? next.disable_strict_networking
  next.purge_on_unsync = decodeBool(body.purge_on_unsync, 'purge_on_unsync') ?? next.purge_on_unsync

  try {
    parseNameTemplateFor(effectiveNameTemplate(next.secret_name_template, next.granularity), next.granularity)
  } catch (err) {
    if (err instanceof TemplateError) throw badRequest(err.message)
    throw err
  }
  const tagErrors = validateTags(next.custom_tags)
  if (tagErrors.length > 0) throw new VaultError(400, tagErrors)
  return next
}

/** The `options` block of a read (§3.7, D-15.7): granularity as `granularity_level`, the effective template. */
export function readOptions (options: DestinationOptions): Record<string, unknown> {
  return {
    custom_tags: options.custom_tags,
    granularity_level: options.granularity,
    secret_name_template: effectiveNameTemplate(options.secret_name_template, options.granularity),
    allowed_ipv4_addresses: options.allowed_ipv4_addresses,
    allowed_ipv6_addresses: options.allowed_ipv6_addresses,
    allowed_ports: options.allowed_ports,
    disable_strict_networking: options.disable_strict_networking,
    purge_on_unsync: options.purge_on_unsync
  }
}

/** Parses stored options JSON, filling fields an older row may lack. */
export function parseStoredOptions (json: string): DestinationOptions {
  return { ...defaultOptions(), ...(JSON.parse(json) as Partial<DestinationOptions>) }
}
