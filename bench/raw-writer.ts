/**
 * Bench 1's reference writer, run as a child process (`fork`, IPC) so that the raw `setSecret`
 * round trip it measures crosses processes exactly as the worker's does: the emulator lives in the
 * harness, the worker in the server child. It builds its client with the worker's own client
 * factory (`createAzureKvClients`: the same secure context, keep-alive agent, socket pool, SDK
 * policies and warm-up), so the only thing the reference leaves out is vault-sync itself.
 *
 *   fork('dist/bench/raw-writer.js', [JSON config]) with config
 *   `{vaultUri, tenantId, clientId, clientSecret, authorityHost, caFile, maxConcurrency}`.
 *
 * Messages in: `{id, name, value}`; out: `{id, startHr, ms}` once `setSecret` returned
 * (`startHr`: `process.hrtime.bigint()` at the call, as a string; CLOCK_MONOTONIC, so the
 * harness can place it on its own clock), or `{id, error}`. It sends `{ready: true}` when warm.
 */
import { createAzureKvClients, type AzureKvConnection } from '../src/drivers/azure-kv/azure-kv-client.js'

export interface RawWriterConfig {
  vaultUri: string
  tenantId: string
  clientId: string
  clientSecret: string
  authorityHost: string
  caFile: string
  /** The server's `VAULT_SYNC_AZURE_MAX_CONCURRENCY` (its pool: twice this, warmed: this). */
  maxConcurrency: number
}

export type RawWriterReply = { id: number, startHr: string, ms: number } | { id: number, error: string } | { ready: true }

async function main (): Promise<void> {
  const cfg = JSON.parse(process.argv[2]) as RawWriterConfig
  // As src/drivers/azure-kv/index.ts builds them for the worker.
  const clients = createAzureKvClients({
    authorityHost: cfg.authorityHost,
    caFile: cfg.caFile,
    disableInstanceDiscovery: true,
    disableChallengeResourceVerification: true,
    allowLoopback: true,
    sdkMaxRetries: 0,
    maxSockets: 2 * cfg.maxConcurrency,
    warmSockets: cfg.maxConcurrency
  })
  const conn: AzureKvConnection = {
    keyVaultUri: cfg.vaultUri, tenantId: cfg.tenantId, clientId: cfg.clientId, clientSecret: cfg.clientSecret, cloud: 'public', network: { allowedIpv4: [], allowedIpv6: [], allowedPorts: [], disableStrictNetworking: false }
  }
  await clients.warm(conn)
  const { client } = await clients.clientFor(conn)
  process.on('message', (m: { id: number, name: string, value: string }) => {
    const startHr = process.hrtime.bigint()
    client.setSecret(m.name, m.value).then(() => {
      process.send!({ id: m.id, startHr: String(startHr), ms: Number(process.hrtime.bigint() - startHr) / 1e6 } satisfies RawWriterReply)
    }, (err: unknown) => { process.send!({ id: m.id, error: String((err as Error)?.message ?? err) } satisfies RawWriterReply) })
  })
  process.send!({ ready: true } satisfies RawWriterReply)
}

main().catch((err) => { process.stderr.write(`raw-writer: ${(err as Error).stack ?? String(err)}\n`); process.exit(1) })
