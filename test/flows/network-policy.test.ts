// A destination whose Key Vault is a special-purpose address is refused before any connection
// (decisions D-9): CLIENT_SIDE_ERROR with the reason. (10.0.0.1 is never contacted: the policy
// refuses the literal address before a socket exists.)
import t from 'tap'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('private address refused before connecting', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { key_vault_uri: 'https://10.0.0.1' })
  await tb.put('app', { v: 1 })
  await tb.set('d1', 'app')
  await tb.settle()
  t.match(await tb.entry('d1', 'app'), { sync_status: 'CLIENT_SIDE_ERROR', message: /address 10\.0\.0\.1 is a special-purpose address and is not in allowed_ipv4_addresses/ })
})

// Issue 13 finding 5: the same refusal reached through a host NAME (the agent's DNS lookup,
// wrapped by the SDK) is CLIENT_SIDE_ERROR too, not a fast-retried EXTERNAL_SERVICE_ERROR.
// `localhost` resolves from /etc/hosts (no DNS server needed) to loopback, refused here.
t.test('a host name resolving to a refused address is CLIENT_SIDE_ERROR', async (t) => {
  const tb = await startSyncTestbed(t, { env: { VAULT_SYNC_ALLOW_LOOPBACK_DESTINATIONS: 'false' } })
  await tb.destination('d1', { key_vault_uri: 'https://localhost' })
  await tb.put('app', { v: 1 })
  await tb.set('d1', 'app')
  await tb.settle()
  t.match(await tb.entry('d1', 'app'), { sync_status: 'CLIENT_SIDE_ERROR', message: /address (127\.0\.0\.1|::1) is a special-purpose address/ })
})
