/**
 * Per-vault access policy the admin API can switch on (issue 4): RBAC denials (403
 * `ForbiddenByRbac`) by principal and/or data action, a network firewall (403
 * `ForbiddenByFirewall` for client addresses outside the allow list; like Key Vault's network
 * ACLs with default action Deny), and a governance policy requiring `contentType` on writes
 * (403 `ForbiddenByGovernancePolicy`, decisions D-31.3).
 */
import { BlockList, isIP } from 'node:net'

/** One RBAC deny: both fields absent denies everything; each present field narrows it. */
export interface RbacDeny {
  /** Client id (case-insensitive). */
  principal?: string
  /** e.g. `Microsoft.KeyVault/vaults/secrets/purge/action`. */
  dataAction?: string
}

/** The firewall: when enabled, only `allow` (IPv4/IPv6 addresses or CIDR ranges) may call the vault. */
export interface FirewallSettings {
  enabled: boolean
  allow: string[]
}

/** A vault's policy. */
export interface VaultPolicy {
  rbacDenies: RbacDeny[]
  firewall: FirewallSettings
  requireContentType: boolean
}

/** No restrictions. */
export const openPolicy = (): VaultPolicy => ({ rbacDenies: [], firewall: { enabled: false, allow: [] }, requireContentType: false })

/** Builds a BlockList from addresses and CIDRs; throws RangeError naming a bad entry. */
export function compileAllowList (allow: string[]): BlockList {
  const list = new BlockList()
  for (const entry of allow) {
    const [addr, prefix] = entry.split('/')
    const family = isIP(addr)
    if (family === 0) throw new RangeError(`firewall.allow: "${entry}" is not an IP address or CIDR range`)
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (prefix === undefined) {
      list.addAddress(addr, type)
    } else {
      const bits = Number(prefix)
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) throw new RangeError(`firewall.allow: "${entry}" has a bad prefix length`)
      list.addSubnet(addr, bits, type)
    }
  }
  return list
}

/** Strips the IPv4-mapped IPv6 prefix so `::ffff:127.0.0.1` matches `127.0.0.1` rules. */
export function normaliseAddress (ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip
}

/** Whether `ip` may pass the firewall. */
export function firewallAllows (fw: FirewallSettings, compiled: BlockList, ip: string): boolean {
  if (!fw.enabled) return true
  const addr = normaliseAddress(ip)
  const family = isIP(addr)
  if (family === 0) return false
  return compiled.check(addr, family === 4 ? 'ipv4' : 'ipv6')
}

/** Whether an RBAC deny applies to `principal` performing `dataAction`. */
export function rbacDenied (denies: RbacDeny[], principal: string, dataAction: string): boolean {
  return denies.some((d) =>
    (d.principal === undefined || d.principal.toLowerCase() === principal.toLowerCase()) &&
    (d.dataAction === undefined || d.dataAction.toLowerCase() === dataAction.toLowerCase()))
}
