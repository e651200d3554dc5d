/**
 * The load generator of bench 3, run as a child process so that sending 1,000 requests a second
 * does not compete with the in-process emulator for the harness's event loop:
 *   node dist/bench/burst-client.js <job.json>
 * job `{mode: "vault", address, token, path, count, spreadMs}` PUTs `{data: {v: i}}` to
 * `/v1/<path>`; `{mode: "sdk", vaultUri, tenantId, clientId, clientSecret, authorityHost, caFile,
 * name, count, spreadMs}` calls `setSecret(name, '{"v":i}')` (no retries). Request i starts at
 * `start + i * spreadMs / count`. Prints one JSON line: `{startWall, lastResponseWall, ok, throttled, failed}`
 * (wall-clock ms, comparable with the harness).
 */
import { readFileSync } from 'node:fs'
import { Agent } from 'node:https'
import { ClientSecretCredential } from '@azure/identity'
import { SecretClient } from '@azure/keyvault-secrets'

interface VaultJob { mode: 'vault', address: string, token: string, path: string, count: number, spreadMs: number }
interface SdkJob { mode: 'sdk', vaultUri: string, tenantId: string, clientId: string, clientSecret: string, authorityHost: string, caFile: string, name: string, count: number, spreadMs: number }
export type BurstJob = VaultJob | SdkJob
export interface BurstResult { startWall: number, lastResponseWall: number, ok: number, throttled: number, failed: number }

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))) }

async function main (): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2], 'utf8')) as BurstJob
  let send: (i: number) => Promise<'ok' | 'throttled' | 'failed'>
  if (job.mode === 'vault') {
    send = async (i) => {
      const res = await fetch(`${job.address}/v1/${job.path}`, {
        method: 'PUT', headers: { 'X-Vault-Token': job.token, 'Content-Type': 'application/json' }, body: JSON.stringify({ data: { v: i } })
      })
      await res.arrayBuffer()
      return res.status === 200 ? 'ok' : 'failed'
    }
    await send(-1) // warm the connection pool
  } else {
    const ca = readFileSync(job.caFile, 'utf8')
    const credential = new ClientSecretCredential(job.tenantId, job.clientId, job.clientSecret, {
      authorityHost: job.authorityHost, disableInstanceDiscovery: true, tlsOptions: { ca }
    })
    const client = new SecretClient(job.vaultUri, credential, {
      disableChallengeResourceVerification: true, agent: new Agent({ keepAlive: true, ca }), retryOptions: { maxRetries: 0 }
    })
    send = async (i) => {
      try {
        await client.setSecret(job.name, JSON.stringify({ v: i }))
        return 'ok'
      } catch (err) {
        return (err as { statusCode?: number }).statusCode === 429 ? 'throttled' : 'failed'
      }
    }
    await send(-1) // token, TLS session
  }
  const counts = { ok: 0, throttled: 0, failed: 0 }
  const start = performance.now() + 20
  const startWall = Date.now() + 20
  let lastResponseWall = 0
  await Promise.all(Array.from({ length: job.count }, async (_, i) => {
    await sleep(start + (i * job.spreadMs) / job.count - performance.now())
    counts[await send(i)]++
    lastResponseWall = Math.max(lastResponseWall, Date.now())
  }))
  const result: BurstResult = { startWall, lastResponseWall, ...counts }
  process.stdout.write(JSON.stringify(result) + '\n')
}

main().catch((err) => { process.stderr.write(`burst-client: ${String(err)}\n`); process.exit(1) })
