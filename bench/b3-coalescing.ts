/**
 * Bench 3, coalescing: 1,000 updates of one synced secret within 1 s (one PUT every 1 ms,
 * open loop, sent by a child process so the harness's event loop, which hosts the emulator,
 * stays free). Reported: the Azure writes vault-sync issued for it, whether the final Azure value
 * equals the final KV value (read through the SDK), and how long after the last update Azure
 * held it. The vault is throttled like real Key Vault (300 writes / 10 s).
 *
 * Reference, same run, its own vault: naive write-through, the same 1,000 values sent straight
 * to Key Vault with the raw SDK on the same 1 ms schedule (no retries): one write per update,
 * and what the limit makes of it.
 */
import { azureValueOf } from './lib/azure.js'
import { round, sleep, waitFor } from './lib/common.js'
import { runBurst } from './lib/child-processes.js'
import { ROOT_TOKEN } from './lib/server-process.js'
import type { BenchContext } from './lib/context.js'
import type { BenchOutput } from './lib/report.js'
import { destinationStatuses, type VaultHttp } from './lib/vault-http.js'

const UPDATES = 1000
const SPREAD_MS = 1000
const DEST = 'b3-hot'
const PATH = 'b3/hot'
const NAME = 'hot'

export async function benchCoalescing (ctx: BenchContext, api: VaultHttp): Promise<BenchOutput> {
  const { azure } = ctx
  await azure.createDestination(api, DEST, 'hot')
  await api.must('PUT', `secret/data/${PATH}`, { data: { v: -1 } })
  await api.must('PUT', `sys/sync/destinations/azure-kv/${DEST}/associations/set`, { mount: 'secret', secret_name: PATH })
  const synced = async (): Promise<boolean> => [...(await destinationStatuses(api, DEST)).values()].every((s) => s === 'SYNCED')
  await waitFor('bench 3: hot secret synced', async () => await synced() ? true : undefined, 60_000, 20)
  const before = azure.emu.requestLog({ vault: 'hot' }).length

  ctx.log(`bench 3: ${UPDATES} updates of one secret within ${SPREAD_MS / 1000} s`)
  const burst = await runBurst(ctx.dir, 'b3', { mode: 'vault', address: api.address, token: ROOT_TOKEN, path: `secret/data/${PATH}`, count: UPDATES, spreadMs: SPREAD_MS })
  const kv = (await api.must('GET', `secret/data/${PATH}`)).json.data.data.v as number
  const expected = azureValueOf(kv)
  await waitFor('bench 3: final value in Azure and SYNCED', async () =>
    azure.latestValue('hot', NAME) === expected && await synced() ? true : undefined, 120_000, 5)
  const convergeMs = Date.now() - burst.lastResponseWall
  await sleep(500) // nothing may follow
  const sdkValue = (await azure.probeClient('hot').getSecret(NAME)).value
  const log = azure.emu.requestLog({ vault: 'hot' }).slice(before)
  const writes = log.filter((e) => e.operation === 'SetSecret' && e.secretName?.toLowerCase() === NAME)
  const figures = {
    updates: UPDATES,
    updates_failed: burst.failed,
    burst_s: round((burst.lastResponseWall - burst.startWall) / 1000, 3),
    azure_writes_issued: writes.length,
    azure_writes_ok: writes.filter((e) => e.status === 200).length,
    azure_429s: log.filter((e) => e.status === 429).length,
    final_value_correct: sdkValue === expected,
    final_kv_version_value: kv,
    azure_write_times_ms: writes.map((e) => Date.parse(e.time) - burst.startWall),
    converged_after_last_update_ms: round(convergeMs, 1)
  }

  ctx.log('bench 3: reference write-through of the same 1,000 values')
  const info = azure.emu.info
  const ref = await runBurst(ctx.dir, 'b3-ref', {
    mode: 'sdk', vaultUri: azure.uri('hotref'), tenantId: info.tenant_id, clientId: info.client_id, clientSecret: info.client_secret,
    authorityHost: info.authority_host, caFile: info.ca_file, name: NAME, count: UPDATES, spreadMs: SPREAD_MS
  })
  const refFinal = (await azure.probeClient('hotref').getSecret(NAME)).value
  const refFigures = {
    updates: UPDATES,
    burst_s: round((ref.lastResponseWall - ref.startWall) / 1000, 3),
    azure_writes_issued: UPDATES,
    azure_writes_ok: ref.ok,
    azure_429s: ref.throttled,
    errors: ref.failed,
    final_value_correct: refFinal === azureValueOf(UPDATES - 1)
  }
  const ratio = round(figures.azure_writes_issued / UPDATES, 4)
  return {
    result: {
      name: 'coalescing',
      description: `${UPDATES} updates to one secret within ${SPREAD_MS / 1000} s: Azure writes issued, final value correct`,
      parameters: { updates: UPDATES, spread_s: SPREAD_MS / 1000, schedule: 'open loop, one PUT every 1 ms', vault_limit: '300 writes / 10 s (sliding)' },
      figures,
      reference: { description: 'naive write-through: the same values sent with the raw SDK, one setSecret per update, same schedule, no retries, from a child process', figures: refFigures },
      ratio: { definition: 'Azure writes issued by vault-sync / updates (the write-through reference issues 1.0)', values: { writes_per_update: ratio } },
      notes: []
    },
    tables: [{
      title: `3. Coalescing: ${UPDATES} updates of one secret in ${SPREAD_MS / 1000} s`,
      columns: ['client', 'burst s', 'Azure writes', '429s', 'final value ok', 'converged ms'],
      rows: [
        ['vault-sync', figures.burst_s, figures.azure_writes_issued, figures.azure_429s, String(figures.final_value_correct), figures.converged_after_last_update_ms],
        ['reference (write-through)', refFigures.burst_s, refFigures.azure_writes_issued, ref.throttled, String(refFigures.final_value_correct), '-'],
        ['ratio (writes per update)', '', ratio, '', '', '']
      ]
    }]
  }
}
