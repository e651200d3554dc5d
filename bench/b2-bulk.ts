/**
 * Bench 2, bulk sync at Key Vault's real limits: the emulated vault admits 300 writes and 4,000
 * other calls per sliding 10 s (decisions D-12; 429 without Retry-After, as real Key Vault
 * answers). Associate N secrets (N = 600 quick, 3,000 full) with the worker held
 * (`sys/sync/config disabled=true`: the API's pace, O(N) per `associations/set` since its answer
 * lists the destination, is not the engine's), release it, and time until the API shows every
 * association `SYNCED` (issue 17; earlier runs timed from the first `associations/set`, so the
 * API bounded them: 170 s for 3,000 on an idle machine). Reported: throughput as a
 * fraction of the limit (30 writes/s), the 429s the emulator sent, and errors. Then the same with
 * two destinations sharing one vault (N split between them; they share its limiter ledger).
 *
 * Reference, same run, its own vault: a raw Azure SDK client that writes the same number of
 * secrets as fast as the limit admits (an exact client-side sliding window of 300 per 10 s,
 * concurrency 8, a 429 retried after 100 ms; a write holds its slot until 10 s after its response): the best any client can do against this vault.
 */
import type { SecretClient } from '@azure/keyvault-secrets'
import { mapLimit, now, round, sleep, waitFor } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import type { BenchOutput } from './lib/report.js'
import { statusCounts, type VaultHttp } from './lib/vault-http.js'
import { onReplicas, REPLICAS } from './b2-replicas.js'

const LIMIT = 300
const WINDOW_MS = 10_000
const DEST = 'b2-bulk'
/** The vaults vault-sync writes to in this benchmark. */
export type BulkVault = 'bulk' | 'bulkshared' | 'bulkpg'

/** Successful SetSecret times (ms) of `vault` from the emulator's request log. */
function writeTimes (ctx: BenchContext, vault: BulkVault | 'bulkref'): number[] {
  return ctx.azure.emu.requestLog({ vault }).filter((e) => e.operation === 'SetSecret' && e.status === 200).map((e) => Date.parse(e.time))
}

/**
 * How close writes at `times` came to the limit: their number / the most the sliding limit
 * admits from the first to the last, `LIMIT × (span / window + 1)`; with the span in seconds.
 */
function limitFraction (times: number[]): { spanS: number, fraction: number, firstWindowS: number } {
  if (times.length === 0) return { spanS: NaN, fraction: NaN, firstWindowS: NaN }
  const sorted = [...times].sort((a, b) => a - b)
  const span = sorted[sorted.length - 1] - sorted[0]
  // How long the first window's budget took to spend: every later window starts that much later.
  const firstWindowS = round((sorted[Math.min(LIMIT, sorted.length) - 1] - sorted[0]) / 1000, 2)
  return { spanS: round(span / 1000, 2), fraction: round(times.length / (LIMIT * (span / WINDOW_MS + 1)), 3), firstWindowS }
}

/**
 * Writes `names` through `client` at the limit; returns elapsed ms and the 429s seen. A write
 * occupies a slot from its start until 10 s after its response (the server admitted it at some
 * point in between), so the client never exceeds the server's sliding window.
 */
async function idealWriter (client: SecretClient, names: string[]): Promise<{ elapsedMs: number, throttled: number, errors: number }> {
  const done: number[] = [] // response times of admitted writes, ascending
  let inFlight = 0
  let throttled = 0
  let errors = 0
  const started = now()
  await mapLimit(names, 8, async (name, i) => {
    for (;;) {
      for (;;) {
        const t = now()
        while (done.length > 0 && done[0] <= t - WINDOW_MS) done.shift()
        if (done.length + inFlight < LIMIT) break
        await sleep(done.length > 0 ? done[0] + WINDOW_MS - t : 1)
      }
      inFlight++
      try {
        await client.setSecret(name, `bulk-ref-${i}`)
        done.push(now())
        return
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 429) { throttled++; await sleep(100); continue }
        errors++
        return
      } finally {
        inFlight--
      }
    }
  })
  return { elapsedMs: now() - started, throttled, errors }
}

/**
 * Seeds N KV secrets under `prefix`, associates them (split evenly over `dests`, all on `vault`)
 * and times until every association is SYNCED; figures from the emulator's request log. With
 * several `apis` (replicas on one database), seeding and associating go round-robin over them;
 * the worker is held and released, the destinations made and the statuses read through the first.
 */
export async function workerRun (ctx: BenchContext, apis: VaultHttp | VaultHttp[], vault: BulkVault, dests: string[], prefix: string, n: number) {
  const { azure } = ctx
  const all = Array.isArray(apis) ? apis : [apis]
  const api = all[0]
  const via = (i: number): VaultHttp => all[i % all.length]
  const limitPerS = LIMIT / (WINDOW_MS / 1000)
  for (const d of dests) await azure.createDestination(api, d, vault)
  const idx = Array.from({ length: n }, (_, i) => i)
  const destOf = (i: number): string => dests[i % dests.length]
  const seedStart = now()
  await mapLimit(idx, 8, async (i) => await via(i).must('PUT', `secret/data/${prefix}/s${i}`, { data: { v: `bulk-${i}` } }))
  const seedMs = now() - seedStart

  ctx.log(`bench 2: associating ${n} secrets (${dests.length} destination(s)) against a vault throttled at ${LIMIT} writes / 10 s, worker held`)
  const seen = new Set<string>()
  // The worker is held (sys/sync/config disabled) while the associations are made, so the
  // figure is the engine's pace, not that of associations/set (whose answer lists the whole
  // destination: O(N) per request, issue 16).
  await api.must('PATCH', 'sys/sync/config', { disabled: true })
  const tSet = now()
  await mapLimit(idx, 4, async (i) => await via(i).must('PUT', `sys/sync/destinations/azure-kv/${destOf(i)}/associations/set`, { mount: 'secret', secret_name: `${prefix}/s${i}` }))
  const setPhaseMs = now() - tSet
  ctx.log(`bench 2: ${n} associations queued in ${(setPhaseMs / 1000).toFixed(1)} s; worker released`)
  const t0 = now()
  await api.must('PATCH', 'sys/sync/config', { disabled: false })
  const timeout = ctx.quick ? 150_000 : 900_000
  await waitFor('bench 2: every secret written to the emulator', () => azure.emu.vault(vault).counts().active >= n ? true : undefined, timeout, 50)
  const final = await waitFor('bench 2: every association SYNCED', async () => {
    let synced = 0
    for (const d of dests) {
      const counts = await statusCounts(api, d)
      for (const s of Object.keys(counts)) seen.add(s)
      synced += counts.SYNCED ?? 0
    }
    return synced === n ? { SYNCED: synced } : undefined
  }, timeout, 100)
  const elapsedMs = now() - t0
  const log = azure.emu.requestLog({ vault })
  const writesOk = log.filter((e) => e.operation === 'SetSecret' && e.status === 200).length
  const throttled = log.filter((e) => e.status === 429).length
  // Expected non-2xx: 401 bearer challenges, 404 of the first-write ownership read (D-8), 429.
  const unexpected = log.filter((e) => e.status >= 400 && e.status !== 401 && e.status !== 429 && !(e.status === 404 && e.operation === 'GetSecret'))
  const byOperation: Record<string, number> = {}
  for (const e of log) {
    const k = `${e.operation ?? e.method} ${e.status}`
    byOperation[k] = (byOperation[k] ?? 0) + 1
  }
  const throughput = n / (elapsedMs / 1000)
  // The worker's own pace: from its first to its last successful write.
  const times = writeTimes(ctx, vault)
  const { spanS, fraction, firstWindowS } = limitFraction(times)
  // Wall clock of the release (the emulator logs ISO times): release -> first successful write.
  const releasedAt = Date.now() - (now() - t0)
  return {
    secrets: n,
    destinations: dests.length,
    association_phase_s: round(setPhaseMs / 1000, 2),
    association_requests_per_s: round(n / (setPhaseMs / 1000), 1),
    sync_phase_s: round(elapsedMs / 1000, 2),
    release_to_first_write_s: round((Math.min(...times) - releasedAt) / 1000, 2),
    azure_write_span_s: spanS,
    first_window_writes_s: firstWindowS,
    fraction_of_limit: fraction,
    throughput_release_to_synced_writes_per_s: round(throughput, 2),
    fraction_of_limit_release_to_synced: round(throughput / limitPerS, 3),
    azure_writes_ok: writesOk,
    azure_calls_by_operation_and_status: byOperation,
    azure_429s: throttled,
    azure_429s_pct_of_writes: round(100 * throttled / Math.max(1, writesOk + throttled), 2),
    errors: unexpected.length + (n - (final.SYNCED ?? 0)),
    error_examples: unexpected.slice(0, 3).map((e) => `${e.method} ${e.path} ${e.status}`),
    statuses_seen_while_waiting: [...seen].sort(),
    kv_seed_s: round(seedMs / 1000, 2),
    lower_bound_at_limit_s: Math.floor((n - 1) / LIMIT) * (WINDOW_MS / 1000)
  }
}

export async function benchBulk (ctx: BenchContext, api: VaultHttp): Promise<BenchOutput> {
  const { azure } = ctx
  const n = ctx.quick ? 600 : 3000
  const figures = await workerRun(ctx, api, 'bulk', [DEST], 'b2', n)
  const shared = await workerRun(ctx, api, 'bulkshared', [`${DEST}-a`, `${DEST}-b`], 'b2s', n)
  // PostgreSQL: the same N through three replicas on one database (issue 18).
  let onPg: Awaited<ReturnType<typeof onReplicas<typeof figures>>> | { error: string } | undefined
  try {
    onPg = await onReplicas(ctx, async (apis) => await workerRun(ctx, apis, 'bulkpg', [`${DEST}-pg`], 'b2pg', n))
  } catch (err) {
    ctx.partFailed(2, `PostgreSQL, ${REPLICAS} replicas`, err)
    onPg = { error: String(err) }
  }
  const idx = Array.from({ length: n }, (_, i) => i)

  ctx.log(`bench 2: reference client writing ${n} secrets at the limit`)
  const ref = await idealWriter(azure.workerClient('bulkref'), idx.map((i) => `r${i}`))
  const refLog = azure.emu.requestLog({ vault: 'bulkref' })
  const refThrottled = refLog.filter((e) => e.status === 429).length
  const refLimit = limitFraction(writeTimes(ctx, 'bulkref'))

  const refFigures = {
    secrets: n,
    elapsed_s: round(ref.elapsedMs / 1000, 2),
    azure_write_span_s: refLimit.spanS,
    first_window_writes_s: refLimit.firstWindowS,
    fraction_of_limit: refLimit.fraction,
    azure_429s: refThrottled,
    errors: ref.errors
  }
  const ratio = round(figures.fraction_of_limit / refFigures.fraction_of_limit, 3)
  const pgFigures = onPg !== undefined && 'figures' in onPg ? onPg.figures : undefined
  const ratios: Record<string, number> = { fraction_of_limit: ratio }
  if (pgFigures !== undefined) {
    ratios.postgresql_replicas_fraction_of_limit = round(pgFigures.fraction_of_limit / refFigures.fraction_of_limit, 3)
    ratios.postgresql_replicas_vs_sqlite_fraction_of_limit = round(pgFigures.fraction_of_limit / figures.fraction_of_limit, 3)
  }
  const row = (client: string, f: typeof figures): Array<string | number> =>
    [client, f.association_phase_s, f.sync_phase_s, f.release_to_first_write_s, f.azure_write_span_s, f.first_window_writes_s, f.fraction_of_limit, f.azure_429s, f.errors]
  return {
    result: {
      name: 'bulk-sync',
      description: `associate N secrets with a destination whose vault admits ${LIMIT} writes per sliding 10 s (worker held), release the worker, time until all SYNCED`,
      parameters: { secrets: n, vault_limit: `${LIMIT} writes + 4000 others per 10 s (sliding)`, retry_after_on_429: 'none', worker_limiter: 'sliding ledger at 300 writes / 4000 others per 10 s, AIMD on 429, concurrency 8 per kind (product defaults)', associate_concurrency: 4 },
      figures: { ...figures, two_destinations_sharing_one_vault: shared, ...(onPg === undefined ? {} : { postgresql_replicas: 'figures' in onPg ? { ...onPg.figures, replicas: onPg.replicas, replica_pids: onPg.replica_pids, lease_holders: onPg.lease_holders } : onPg }) },
      reference: { description: 'raw Azure SDK client writing N secrets at exactly the limit (client-side sliding window of 300/10 s, concurrency 8)', figures: refFigures },
      ratio: { definition: 'vault-sync fraction_of_limit / reference fraction_of_limit; postgresql_replicas_vs_sqlite_*: the PostgreSQL replicas\' fraction / the SQLite server\'s, same run', values: ratios },
      notes: [
        'association_phase_s: N associations/set requests (concurrency 4) with the worker held; the API\'s cost (issue 16), not the engine\'s.',
        'sync_phase_s: from releasing the worker until the API shows every association SYNCED.',
        `fraction_of_limit: successful Azure writes / (${LIMIT} × (azure_write_span_s / 10 s + 1)), the most a sliding limit of ${LIMIT} per 10 s admits from the first successful write to the last (emulator request log); 1.0 is exactly at the limit.`,
        'fraction_of_limit_release_to_synced: the earlier figure, (N / sync_phase_s) / 30 writes/s; it includes the first window\'s burst, the last writes\' round trips and the status polling.',
        `first_window_writes_s: from the first successful write to the ${LIMIT}th (the first window's budget); every later window starts that much later.`,
        'lower_bound_at_limit_s: whole windows the limit forces before the last write can start.',
        'release_to_first_write_s: from the PATCH that releases the worker to the first successful Azure write.',
        `postgresql_replicas: the same N through ${REPLICAS} server -dev replicas on one database of a throwaway local PostgreSQL 15 (round-robin over their APIs, worker held and released through the first, own vault at the same limit); the vault's lease gives one replica all its writes (lease_holders).`
      ]
    },
    tables: [{
      title: `2. Bulk sync of ${n} secrets at Key Vault's limit (300 writes / 10 s)`,
      columns: ['client', 'associate s', 'sync s', 'release to 1st write s', 'write span s', 'first 300 s', 'of limit', '429s', 'errors'],
      rows: [
        row('vault-sync (SQLite)', figures),
        row('vault-sync, 2 destinations, 1 vault', shared),
        ...(pgFigures === undefined ? [] : [row(`vault-sync, PostgreSQL, ${REPLICAS} replicas`, pgFigures)]),
        ...(onPg !== undefined && 'error' in onPg ? [[`vault-sync, PostgreSQL, ${REPLICAS} replicas`, 'FAILED', '', '', '', '', '', '', '']] : []),
        ['reference (raw SDK at the limit)', '-', refFigures.elapsed_s, '-', refFigures.azure_write_span_s, refFigures.first_window_writes_s, refFigures.fraction_of_limit, refThrottled, ref.errors],
        ['ratio (of limit)', '', '', '', '', '', ratio, '', ''],
        ...(pgFigures === undefined ? [] : [[`ratio (of limit), PostgreSQL ${REPLICAS} replicas`, '', '', '', '', '', ratios.postgresql_replicas_fraction_of_limit, '', '']])
      ]
    }]
  }
}
