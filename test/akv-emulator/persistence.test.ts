// A state directory keeps the CA (cached and reloaded, decisions D-11), the server certificate,
// and the state file: secrets, deleted secrets, principals, the token-signing key and the backup
// key survive a restart, so even a client holding a token from the first run keeps working.
import t from 'tap'
import { X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, access } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAkvEmulator } from '../../src/akv-emulator/index.js'
import { clientFor, credentialFor, POLL } from './helpers.js'

t.test('restart with the same state directory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'akv-state-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })

  const first = await startAkvEmulator({ stateDir: dir })
  const credential = credentialFor(first)
  const client = clientFor(first, credential)
  const kept = await client.setSecret('kept', 'value-1')
  await client.setSecret('gone', 'x')
  await (await client.beginDeleteSecret('gone', POLL)).pollUntilDone()
  const backup = (await client.backupSecret('kept'))!
  const extra = first.principals.add({ clientId: 'second-app', clientSecret: 'second-secret' })
  const info1 = first.info
  const port = Number(new URL(info1.vault_uri).port)
  const caPem = first.caPem
  const serverPem = await readFile(join(dir, 'server.pem'), 'utf8')
  await first.close()

  t.equal((await stat(join(dir, 'state.json'))).mode & 0o777, 0o600)
  t.equal((await stat(join(dir, 'ca-key.pem'))).mode & 0o777, 0o600)
  t.equal((await stat(join(dir, 'server-key.pem'))).mode & 0o777, 0o600)
  t.equal(info1.ca_file, join(dir, 'ca.pem'))
  t.ok(new X509Certificate(caPem).ca)

  const second = await startAkvEmulator({ stateDir: dir, port })
  t.teardown(async () => { await second.close() })
  t.equal(second.caPem, caPem, 'the CA is loaded, not regenerated')
  t.equal(await readFile(join(dir, 'server.pem'), 'utf8'), serverPem, 'a usable server certificate is kept')
  t.same(second.info, info1, 'tenant, client, secret and admin token are the same')

  t.equal((await client.getSecret('kept')).value, 'value-1', 'a token from the first run still verifies (signing key persisted)')
  t.equal((await client.getSecret('kept')).properties.version, kept.properties.version)
  t.equal((await client.getDeletedSecret('gone')).name, 'gone', 'deleted secrets stay deleted')
  t.ok(second.principals.list().some((p) => p.clientId === extra.clientId), 'added principals survive')
  await (await client.beginDeleteSecret('kept', POLL)).pollUntilDone()
  await client.purgeDeletedSecret('kept')
  t.equal((await client.restoreSecretBackup(backup)).name, 'kept', 'a backup from the first run restores (backup key persisted)')
})

t.test('stateDir with persistState: false caches certificates only; new names re-issue the server certificate', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'akv-certs-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const a = await startAkvEmulator({ stateDir: dir, persistState: false })
  await a.close()
  await t.rejects(access(join(dir, 'state.json')), 'no state file')
  const b = await startAkvEmulator({ stateDir: dir, persistState: false, hostnames: ['kv.test.local'] })
  t.teardown(async () => { await b.close() })
  t.equal(b.caPem, a.caPem)
  const leaf = new X509Certificate(await readFile(join(dir, 'server.pem'), 'utf8'))
  t.ok(leaf.checkHost('kv.test.local') !== undefined, 'the extra name is in the re-issued certificate')
  t.ok(leaf.checkIP('127.0.0.1') !== undefined && leaf.checkIP('::1') !== undefined && leaf.checkHost('localhost') !== undefined)
  t.ok(leaf.checkIssued(new X509Certificate(a.caPem)))
  t.not(a.info.tenant_id, b.info.tenant_id, 'without persistence identities are fresh')
})

t.test('a temporary certificate directory is removed on close', async (t) => {
  const emu = await startAkvEmulator()
  const caFile = emu.info.ca_file
  await access(caFile)
  await emu.close()
  await emu.close() // idempotent
  await t.rejects(access(caFile))
})
