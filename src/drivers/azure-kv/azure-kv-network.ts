/**
 * Outbound network rules for Key Vault connections (spec/vault-sync-api.md §5.4, decisions D-9):
 * by default no IANA special-purpose address and no port other than 80/443; a destination's
 * `allowed_ipv4_addresses` / `allowed_ipv6_addresses` / `allowed_ports` widen that,
 * `disable_strict_networking` lifts it. `VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS` (set by `-dev`)
 * allows 127.0.0.0/8 and ::1 on any port. Enforced in the https.Agent's `lookup`, before a
 * socket opens, on every resolved address.
 */
import { BlockList, isIP } from 'node:net'
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import type { NetworkRules } from '../target-ops.js'

const SPECIAL_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24',
  '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4']
// IPv4-mapped IPv6 (::ffff:0:0/96) is not listed: node's BlockList checks every IPv4 address
// against it; mapped addresses are unmapped and checked as IPv4 instead.
const SPECIAL_V6 = ['::/128', '::1/128', '64:ff9b::/96', '64:ff9b:1::/48', '100::/64', '2001::/23',
  '2001:db8::/32', '2002::/16', 'fc00::/7', 'fe80::/10', 'ff00::/8']
const DEFAULT_PORTS = [80, 443]

function subnetList (v4: string[], v6: string[]): BlockList {
  const list = new BlockList()
  const add = (cidr: string, type: 'ipv4' | 'ipv6'): void => {
    const [addr, bits] = cidr.split('/')
    if (bits === undefined) list.addAddress(addr, type)
    else list.addSubnet(addr, Number(bits), type)
  }
  for (const c of v4) add(c, 'ipv4')
  for (const c of v6) add(c, 'ipv6')
  return list
}

const SPECIAL = subnetList(SPECIAL_V4, SPECIAL_V6)
const LOOPBACK = subnetList(['127.0.0.0/8'], ['::1/128'])

/** Raised by the lookup when an address or port is refused; classified as CLIENT_SIDE_ERROR. */
export class NetworkPolicyError extends Error {
  /** The `code` the SDK copies onto the `RestError` it wraps this in. */
  static readonly CODE = 'VAULT_SYNC_NETWORK_POLICY'
  readonly code = NetworkPolicyError.CODE
}

export interface NetworkPolicy {
  /** Throws NetworkPolicyError unless `port` may be used. */
  checkPort: (port: number) => void
  /** Throws NetworkPolicyError unless `address` (an IP) may be connected to on `port`. */
  checkAddress: (address: string, port: number) => void
  /** A `dns.lookup`-compatible function that filters the resolved addresses through the rules. */
  lookup: (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void
}

/** Builds the policy of one destination. `allowLoopback` comes from operator configuration. */
export function createNetworkPolicy (rules: NetworkRules, allowLoopback: boolean, port: number): NetworkPolicy {
  const allowed = subnetList(rules.allowedIpv4, rules.allowedIpv6)
  const ports = rules.allowedPorts.length > 0 ? rules.allowedPorts : DEFAULT_PORTS
  const family = (a: string): 'ipv4' | 'ipv6' => (isIP(a) === 6 ? 'ipv6' : 'ipv4')
  const checkPort = (p: number): void => {
    if (rules.disableStrictNetworking) return
    if (!ports.includes(p)) throw new NetworkPolicyError(`port ${p} is not allowed for this destination (allowed_ports: ${ports.join(', ')})`)
  }
  const checkAddress = (raw: string, p: number): void => {
    if (rules.disableStrictNetworking) return
    const address = /^::ffff:/i.test(raw) && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw
    const type = family(address)
    if (allowLoopback && LOOPBACK.check(address, type)) return
    checkPort(p)
    if (SPECIAL.check(address, type) && !allowed.check(address, type)) {
      throw new NetworkPolicyError(`address ${address} is a special-purpose address and is not in allowed_${type}_addresses`)
    }
  }
  const lookup: NetworkPolicy['lookup'] = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) { callback(err, []); return }
      try {
        for (const a of addresses) checkAddress(a.address, port)
      } catch (e) {
        callback(e as NodeJS.ErrnoException, [])
        return
      }
      if (options.all === true) callback(null, addresses)
      else callback(null, addresses[0].address, addresses[0].family)
    })
  }
  return { checkPort, checkAddress, lookup }
}
