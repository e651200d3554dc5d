// With loopback destinations allowed (`-dev`), a key_vault_uri naming `localhost` on the
// emulator's port syncs: the port rule is applied to the resolved addresses, where loopback is
// allowed on any port (decisions D-9).
import t from 'tap'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('a localhost key_vault_uri syncs when loopback destinations are allowed', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.put('app', { a: '1' })
  await tb.destination('lh', { key_vault_uri: tb.emu.info.vault_uri.replace('127.0.0.1', 'localhost') })
  await tb.set('lh', 'app')
  await tb.settle()
  const [entry] = Object.values(await tb.associations('lh'))
  t.equal(entry.sync_status, 'SYNCED', entry.message ?? '')
})
