// FR-23: a managed (certificate-backed) secret is never written or deleted: CLIENT_SIDE_ERROR.
import t from 'tap'
import { startSyncTestbed } from '../sync-testbed.js'

t.test('a name taken by a certificate', async (t) => {
  const tb = await startSyncTestbed(t)
  tb.emu.vault().putManagedSecret('tls-web', { value: 'MIIC...', contentType: 'application/x-pkcs12' })
  await tb.destination('d1', { secret_name_template: '{{ .SecretBaseName }}' })
  await tb.put('tls-web', { v: 1 })
  await tb.set('d1', 'tls-web')
  await tb.settle()
  t.match(await tb.entry('d1', 'tls-web'), { sync_status: 'CLIENT_SIDE_ERROR', message: 'name "tls-web" is taken by a certificate in Azure Key Vault' })
  const s = tb.azure('tls-web')!
  t.equal(s.versions.length, 1)
  t.equal(tb.latest('tls-web')!.value, 'MIIC...', 'untouched')
  t.notOk(tb.emu.requestLog().some((r) => r.method === 'PUT' && r.path.startsWith('/secrets/tls-web')), 'no write tried')
  await tb.remove('d1', 'tls-web')
  await tb.settle()
  t.ok(tb.azure('tls-web'), 'never deleted')
})
