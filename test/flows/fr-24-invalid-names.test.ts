// FR-24: deterministic normalisation of rendered names; empty or over-long names are
// CLIENT_SIDE_ERROR with the rendered name, before any Azure call (also at set time).
import t from 'tap'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('invalid characters, unicode and over-long names', async (t) => {
  const tb = await startSyncTestbed(t)
  await tb.destination('d1', { secret_name_template: '{{ .SecretPath }}' })
  const long = `x/${'a'.repeat(200)}`
  for (const path of ['team a/db#1', 'ünïcode/key', long]) await tb.put(path, { v: path.length })
  const setLong = await tb.set('d1', long)
  t.equal(setLong.statusCode, 200, 'set never fails for a bad name')
  t.match(setLong.json().data.associated_secrets, { [Object.keys(setLong.json().data.associated_secrets)[0]]: { sync_status: 'CLIENT_SIDE_ERROR' } }, 'checked at set time')
  await tb.set('d1', 'team a/db#1')
  await tb.set('d1', 'ünïcode/key')
  await tb.settle()
  t.same(tb.names(), ['team-a-db-1', '-n-code-key'].sort())
  const e = await tb.entry('d1', long)
  t.equal(e?.sync_status, 'CLIENT_SIDE_ERROR')
  t.match(e?.message, /^external name "x\/a{200}" is invalid for Azure Key Vault: /)
  t.notOk(tb.emu.requestLog().some((r) => r.path.includes('aaaaaaaaaa')), 'no Azure call for the long name')
})
