// Outbound network rules (spec/vault-sync-api.md §5.4, decisions D-9): checked before any socket opens.
import t from 'tap'
import { createNetworkPolicy } from '../../../../src/drivers/azure-kv/azure-kv-network.js'

const strict = { allowedIpv4: [], allowedIpv6: [], allowedPorts: [], disableStrictNetworking: false }

t.test('strict defaults: no special-purpose address, ports 80 and 443 only', async (t) => {
  const p = createNetworkPolicy(strict, false, 443)
  for (const a of ['10.0.0.1', '127.0.0.1', '169.254.169.254', '192.168.1.1', '100.64.0.1', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1']) {
    t.throws(() => p.checkAddress(a, 443), { code: 'VAULT_SYNC_NETWORK_POLICY', message: /special-purpose address/ }, a)
  }
  t.doesNotThrow(() => p.checkAddress('20.38.98.1', 443))
  t.doesNotThrow(() => p.checkAddress('2603:1030::1', 80))
  t.throws(() => p.checkAddress('20.38.98.1', 8443), { message: /port 8443 is not allowed/ })
})

t.test('allow lists, loopback for dev, and disable_strict_networking', async (t) => {
  const allowed = createNetworkPolicy({ ...strict, allowedIpv4: ['10.1.0.0/16'], allowedIpv6: ['fd00::/8'], allowedPorts: [8443] }, false, 8443)
  t.doesNotThrow(() => allowed.checkAddress('10.1.2.3', 8443))
  t.doesNotThrow(() => allowed.checkAddress('fd12::1', 8443))
  t.throws(() => allowed.checkAddress('10.2.0.1', 8443), /not in allowed_ipv4_addresses/)
  t.throws(() => allowed.checkAddress('10.1.2.3', 443), /port 443 is not allowed/)
  const dev = createNetworkPolicy(strict, true, 18443)
  t.doesNotThrow(() => dev.checkAddress('127.0.0.1', 18443), 'dev: loopback on any port')
  t.doesNotThrow(() => dev.checkAddress('::1', 1))
  t.throws(() => dev.checkAddress('10.0.0.1', 443), 'dev allows loopback only')
  const open = createNetworkPolicy({ ...strict, disableStrictNetworking: true }, false, 1)
  t.doesNotThrow(() => open.checkAddress('10.0.0.1', 1))
})
