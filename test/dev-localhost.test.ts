// Known driver bug (reported, not fixed here: src/drivers/ belongs to the sync engine work):
// with loopback destinations allowed (`-dev`), a key_vault_uri naming `localhost` on the
// emulator's port is refused before DNS, because `clientFor` checks a host name's port against
// allowed_ports (80, 443) eagerly instead of leaving it to the lookup, which would admit
// loopback on any port (decisions D-9). `127.0.0.1` works; README and the demo use it.
import t from 'tap'
import { startSyncTestbed } from './sync-testbed.js'

t.test('a localhost key_vault_uri syncs when loopback destinations are allowed', { todo: 'azure-kv-client.ts checks the port of a host name before the loopback rule applies' }, async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.put('app', { a: '1' })
  await tb.destination('lh', { key_vault_uri: tb.emu.info.vault_uri.replace('127.0.0.1', 'localhost') })
  await tb.set('lh', 'app')
  await tb.settle()
  const [entry] = Object.values(await tb.associations('lh'))
  t.equal(entry.sync_status, 'SYNCED', entry.message ?? '')
})
