// FR-14: a governance policy requiring contentType never blocks vault-sync (it always sends a
// native contentType); a policy refusal for another reason is CLIENT_SIDE_ERROR, no hot retry.
import t from 'tap'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('contentType is always set, so a contentType policy passes', async (t) => {
  const tb = await startSyncTestbed(t)
  tb.emu.vault().updateSettings({ policy: { requireContentType: true } })
  await tb.destination('path', { secret_name_template: 'p-{{ .SecretBaseName }}' })
  await tb.destination('keys', { granularity: 'secret-key', secret_name_template: 'k-{{ .SecretKey }}' })
  await tb.put('app', { s: 'x', n: 1 })
  await tb.set('path', 'app')
  await tb.set('keys', 'app')
  await tb.settle()
  t.same(tb.names(), ['k-n', 'k-s', 'p-app'])
  t.equal(tb.latest('p-app')!.contentType, 'application/json')
  t.equal(tb.latest('k-s')!.contentType, 'text/plain')
  t.equal(tb.latest('k-n')!.contentType, 'application/json')
})

t.test('another policy refusal: CLIENT_SIDE_ERROR with Azure\'s message, retried only slowly', async (t) => {
  const tb = await startSyncTestbed(t, { env: { VAULT_SYNC_CLIENT_ERROR_RETRY: '1h' } })
  tb.emu.faults.add({
    match: { method: 'PUT', pathRegex: '^/secrets/' },
    action: { status: 403, code: 'Forbidden', innerCode: 'ForbiddenByGovernancePolicy', message: 'Operation "set" is denied by policy: secret expiry is required' },
    mode: { untilCleared: true }
  })
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('app', { v: 1 })
  await tb.set('d1', 'app')
  await tb.settle()
  const e = await tb.entry('d1', 'app')
  t.equal(e?.sync_status, 'CLIENT_SIDE_ERROR')
  t.match(e?.message, /ForbiddenByGovernancePolicy: Operation "set" is denied by policy: secret expiry is required/)
  const puts = tb.emu.requestLog().filter((r) => r.method === 'PUT').length
  await tb.advance(300)
  t.equal(tb.emu.requestLog().filter((r) => r.method === 'PUT').length, puts, 'no hot retry')
  await tb.advance(3_600_000)
  t.ok(tb.emu.requestLog().filter((r) => r.method === 'PUT').length > puts, 'retried once VAULT_SYNC_CLIENT_ERROR_RETRY (1h) passed')
})
