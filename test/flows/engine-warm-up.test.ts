// Connections opened ahead of need (issue 17): when the worker starts, and when a destination is
// written, the azure-kv driver fetches the token, completes Key Vault's authentication challenge
// and opens keep-alive sockets, bounded by VAULT_SYNC_AZURE_MAX_CONCURRENCY and without any Key
// Vault operation; the first sync afterwards then sends no token request, no challenge and opens
// no TLS connection. Counted at the emulator (its request log and accepted TLS connections).
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { startAkvEmulator, type AkvEmulator } from '../../src/akv-emulator/index.js'
import { loadConfig } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { ROOT_TOKEN, tempDir, vault } from '../helper.js'
import { emulatorWorkerEnv } from '../sync-testbed.js'

/** What the emulator has seen so far. */
function counters (emu: AkvEmulator) {
  const log = emu.requestLog()
  return { seq: log.at(-1)?.seq ?? 0, tls: emu.tlsConnections() }
}

/** Requests since `from`: token requests, challenges (401), other Key Vault calls; new TLS connections. */
function since (emu: AkvEmulator, from: { seq: number, tls: number }) {
  const log = emu.requestLog({ since: from.seq })
  return {
    tokens: log.filter((e) => e.family === 'entra' && e.path.endsWith('/oauth2/v2.0/token')).length,
    challenges: log.filter((e) => e.family === 'vault' && e.status === 401).length,
    operations: log.filter((e) => e.family === 'vault' && e.status !== 401).map((e) => `${e.operation ?? e.method} ${e.status}`),
    tls: emu.tlsConnections() - from.tls
  }
}

async function start (t: Test, emu: AkvEmulator, dir: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const config = loadConfig({ dbPath: join(dir, 'vs.db'), listenAddress: '127.0.0.1:0', sealKeyFile: join(dir, 'seal.key') },
    { VAULT_SYNC_LOG_LEVEL: 'silent', VAULT_SYNC_WORKER: 'on', ...emulatorWorkerEnv(emu.info), ...env })
  const server = await startServer({ config, dev: { rootTokenId: ROOT_TOKEN } })
  let closed = false
  const close = async (): Promise<void> => { if (!closed) { closed = true; await server.close() } }
  t.teardown(close)
  return { ...server, close }
}

const must = async (server: RunningServer, method: 'POST' | 'PUT', url: string, body: unknown): Promise<void> => {
  const res = await vault(server.app, method, url, { body })
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
}

const destination = (emu: AkvEmulator) => ({
  key_vault_uri: emu.info.vault_uri, tenant_id: emu.info.tenant_id, client_id: emu.info.client_id,
  client_secret: emu.info.client_secret, secret_name_template: '{{ .SecretBaseName }}'
})

const latest = (emu: AkvEmulator, name: string): string | undefined => {
  const s = emu.vault().inspectSecret(name)
  return s?.state === 'active' ? s.secret.versions.at(-1)?.value : undefined
}

t.test('a restarted worker warms its destinations: the first sync pays no token, challenge or TLS handshake', async (t) => {
  const emu = await startAkvEmulator()
  t.teardown(async () => { await emu.close() })
  const dir = tempDir(t)

  const first = await start(t, emu, dir)
  await must(first, 'POST', '/v1/sys/sync/destinations/azure-kv/d1', destination(emu))
  await must(first, 'PUT', '/v1/secret/data/s1', { data: { v: 1 } })
  await must(first, 'PUT', '/v1/sys/sync/destinations/azure-kv/d1/associations/set', { mount: 'secret', secret_name: 's1' })
  await first.worker!.whenIdle()
  t.equal(latest(emu, 's1'), '{"v":1}')
  await first.close()

  const before = counters(emu)
  const second = await start(t, emu, dir)
  await second.worker!.whenWarm()
  const warm = since(emu, before)
  t.equal(warm.tokens, 1, 'the warm-up fetched one token')
  t.ok(warm.challenges >= 1 && warm.challenges <= 8, `the warm-up's unauthenticated requests open at most VAULT_SYNC_AZURE_MAX_CONCURRENCY (8) sockets: ${warm.challenges}`)
  t.same(warm.operations, [], 'the warm-up made no Key Vault operation')
  t.ok(warm.tls >= 2 && warm.tls <= 9, `TLS connections: the vault's sockets and one to the authority: ${warm.tls}`)

  const warmed = counters(emu)
  await must(second, 'PUT', '/v1/secret/data/s1', { data: { v: 2 } })
  await second.worker!.whenIdle()
  t.equal(latest(emu, 's1'), '{"v":2}')
  const sync = since(emu, warmed)
  t.same(sync, { tokens: 0, challenges: 0, operations: ['SetSecret 200'], tls: 0 }, 'the first sync only wrote, on a warm connection')
})

t.test('a destination is warmed when it is written, within VAULT_SYNC_AZURE_MAX_CONCURRENCY sockets', async (t) => {
  const emu = await startAkvEmulator()
  t.teardown(async () => { await emu.close() })
  const server = await start(t, emu, tempDir(t), { VAULT_SYNC_AZURE_MAX_CONCURRENCY: '3' })
  await server.worker!.whenWarm()
  const before = counters(emu)
  await must(server, 'POST', '/v1/sys/sync/destinations/azure-kv/d1', destination(emu))
  await server.worker!.whenWarm()
  const warm = since(emu, before)
  t.equal(warm.tokens, 1, 'one token')
  t.ok(warm.challenges >= 1 && warm.challenges <= 3, `at most 3 sockets: ${warm.challenges}`)
  t.same(warm.operations, [], 'no Key Vault operation')

  const warmed = counters(emu)
  await must(server, 'PUT', '/v1/secret/data/s1', { data: { v: 1 } })
  await must(server, 'PUT', '/v1/sys/sync/destinations/azure-kv/d1/associations/set', { mount: 'secret', secret_name: 's1' })
  await server.worker!.whenIdle()
  t.equal(latest(emu, 's1'), '{"v":1}')
  // The first write of a name reads it first (ownership, FR-25), then writes.
  t.same(since(emu, warmed), { tokens: 0, challenges: 0, operations: ['GetSecret 404', 'SetSecret 200'], tls: 0 }, 'the first sync used the warm connection')
})
