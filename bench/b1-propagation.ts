/**
 * Bench 1, propagation latency: the time from a KV write's HTTP response to the new value being
 * readable from the emulator through the Azure SDK, at 1, 10 and 50 writes/s, with 0 ms and
 * 20 ms of injected Key Vault latency. Reference: a raw SDK `setSecret` round trip at the same
 * latency and the same rate, measured in the same series.
 *
 * Method (decisions D-28): throttling is off on these vaults; the injected latency applies to the
 * worker's principal only. The emulator (in this process) reports each request it has answered;
 * the SetSecret that stored the new value is its "arrival" (confirmed in the store), then a
 * getSecret by the probe principal (not delayed) must return it; "propagation" ends when that
 * read returns. Each write
 * goes to its own, already-synced secret (no adoption read, no coalescing). The 1 and 10
 * writes/s series of both latencies run interleaved (half a period apart) on their own vaults;
 * the 50 writes/s series run one after the other.
 *
 * The reference writer (`raw-writer.ts`) is a child process with the worker's own client stack,
 * writing its own pool of secrets interleaved with the series (half a sync write's spacing
 * after each), so its round trips cross processes, see the same rate, the same idle gaps and
 * the same machine load as the worker's. Until issue 17's fourth session the reference was
 * measured back to back by an SDK client inside the harness, the emulator's own process (no
 * process wake-up, always hot): that figure is still reported as `in_process_back_to_back`.
 * The raw write's value is also read back by the same probe, from the same arrival signal
 * (`raw_propagation_ms`), so `p50 - raw propagation` compares the two paths with one instrument.
 */
import { randomBytes } from 'node:crypto'
import type { SecretClient } from '@azure/keyvault-secrets'
import { azureValueOf, type VaultName } from './lib/azure.js'
import { latencySummary, mapLimit, now, round, sleepUntil, waitFor } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import { startRawWriter, type RawWriter } from './lib/raw-writer-process.js'
import type { BenchOutput } from './lib/report.js'
import { statusCounts, type VaultHttp } from './lib/vault-http.js'

const RATES = [1, 10, 50]
const LATENCIES = [0, 20] as const
const vaultOf = (latency: number): VaultName => latency === 0 ? 'lat0' : 'lat20'

/** `readMs`: the probe's read alone (from the later of t0 and the arrival to its return). */
interface Sample { i: number, visibleMs: number, arrivalMs: number, readMs: number }
/** `readMs`: the probe's read alone (from the arrival to its return). */
interface RawSample { i: number, rttMs: number, visibleMs: number, readMs: number }
type Summary = ReturnType<typeof latencySummary>

async function roundTrips (n: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await op(-1 - i) // warm-up: token, TLS session, JIT
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t = now()
    await op(i)
    out.push(now() - t)
  }
  return out
}

/**
 * Runs the series against the server behind `api`. `tag` (empty for the first run; `pg` for the
 * server on PostgreSQL) prefixes its destinations, KV paths and Azure names, so a second run in
 * the same emulator vaults writes secrets of its own.
 */
export async function benchPropagation (ctx: BenchContext, api: VaultHttp, tag = ''): Promise<BenchOutput> {
  const { azure } = ctx
  const destOf = (latency: number): string => `b1${tag}-lat${latency}`
  const azureNameOf = (latency: number, i: number): string => `${tag}l${latency}-s${i}`
  // The destinations name Azure secrets by the path's base name.
  const pathOf = (latency: number, i: number): string => `b1${tag}/${azureNameOf(latency, i)}`
  /** The reference writer's own pool (written only by it). */
  const rawNameOf = (latency: number, i: number): string => `raw-${tag}l${latency}-s${i}`
  const n = ctx.quick ? 30 : 120
  const rule = azure.emu.faults.add({ match: { vault: 'lat20', principal: azure.emu.info.client_id }, action: { latencyMs: 20 }, mode: { untilCleared: true } })
  const probes = new Map<number, SecretClient>(LATENCIES.map((l) => [l, azure.probeClient(vaultOf(l))]))

  // One pool of n synced secrets per latency; every series writes each of them once.
  for (const l of LATENCIES) {
    await azure.createDestination(api, destOf(l), vaultOf(l))
    const idx = Array.from({ length: n }, (_, i) => i)
    await mapLimit(idx, 8, async (i) => await api.must('PUT', `secret/data/${pathOf(l, i)}`, { data: { v: 'initial' } }))
    await mapLimit(idx, 4, async (i) => await api.must('PUT', `sys/sync/destinations/azure-kv/${destOf(l)}/associations/set`, { mount: 'secret', secret_name: pathOf(l, i) }))
  }
  for (const l of LATENCIES) {
    await waitFor(`bench 1 pool of ${destOf(l)} synced`, async () => (await statusCounts(api, destOf(l))).SYNCED === n ? true : undefined, 120_000, 100)
    await probes.get(l)!.getSecret(azureNameOf(l, 0)) // warm the probe's token and connection
  }

  // In-process back-to-back round trips (the reference until issue 17's fourth session; context).
  const reference: Record<string, unknown> = {}
  for (const l of LATENCIES) {
    const worker = azure.workerClient(vaultOf(l))
    const set = await roundTrips(n, async (i) => await worker.setSecret(`ref-l${l}`, `ref-${i}`))
    const get = await roundTrips(n, async () => await probes.get(l)!.getSecret(`ref-l${l}`))
    reference[`latency_${l}ms`] = { set_secret_ms: latencySummary(set), probe_get_secret_ms: latencySummary(get) }
  }
  // The reference writers: one child per vault with the worker's client stack, their pools written once.
  const info = azure.emu.info
  const raws = new Map<number, RawWriter>()
  for (const l of LATENCIES) {
    const raw = await startRawWriter({
      vaultUri: azure.uri(vaultOf(l)), tenantId: info.tenant_id, clientId: info.client_id, clientSecret: info.client_secret,
      authorityHost: info.authority_host, caFile: info.ca_file, maxConcurrency: 8
    })
    raws.set(l, raw)
    for (let i = 0; i < n; i++) await raw.write(rawNameOf(l, i), 'initial')
  }

  // Arrival: the emulator (in this process) tells of every request it logged, after answering
  // it; a successful SetSecret of an awaited name whose value is now in the store is the
  // arrival. (Runs before issue 17's second session polled the log every ~1 ms instead, which
  // added up to a timer period, more under load, to every figure.)
  const awaited = new Map<string, { vault: VaultName, name: string, expected: string, arrived: (at: number) => void }>()
  const unsubscribe = azure.emu.onRequestLogged((e) => {
    if (awaited.size === 0 || e.operation !== 'SetSecret' || e.status !== 200 || e.vault === undefined || e.secretName === undefined) return
    const key = `${e.vault}/${e.secretName}`.toLowerCase()
    const w = awaited.get(key)
    if (w !== undefined && azure.latestValue(w.vault, w.name) === w.expected) { awaited.delete(key); w.arrived(now()) }
  })

  async function measure (l: number, i: number, value: string, failures: string[]): Promise<Sample | undefined> {
    const vault = vaultOf(l)
    const name = azureNameOf(l, i)
    const expected = azureValueOf(value)
    const key = `${vault}/${name}`.toLowerCase()
    // Registered before the write: the worker may write to Azure before the response arrives here.
    const arrival = new Promise<number>((resolve) => { awaited.set(key, { vault, name, expected, arrived: resolve }) })
    const res = await api.call('PUT', `secret/data/${pathOf(l, i)}`, { data: { v: value } })
    const t0 = now()
    if (res.status !== 200) { awaited.delete(key); failures.push(`KV write answered ${res.status}`); return undefined }
    let timer: ReturnType<typeof setTimeout> | undefined
    const arrivedAt = await Promise.race([arrival, new Promise<undefined>((resolve) => { timer = setTimeout(() => { resolve(undefined) }, 30_000) })])
    clearTimeout(timer)
    if (arrivedAt === undefined) { awaited.delete(key); failures.push(`${name}: not propagated after 30 s`); return undefined }
    const readFrom = now()
    const got = await probes.get(l)!.getSecret(name)
    const end = now()
    if (got.value !== expected) { failures.push(`${name}: SDK read returned another value`); return undefined }
    return { i, visibleMs: end - t0, arrivalMs: arrivedAt - t0, readMs: end - readFrom }
  }

  /** One reference write: the child's `setSecret` round trip, and its call -> the probe's read of the value. */
  async function measureRaw (l: number, i: number, value: string, failures: string[]): Promise<RawSample | undefined> {
    const vault = vaultOf(l)
    const name = rawNameOf(l, i)
    const key = `${vault}/${name}`.toLowerCase()
    const arrival = new Promise<number>((resolve) => { awaited.set(key, { vault, name, expected: value, arrived: resolve }) })
    // The probe reads from the arrival signal, as for a sync write: not after the child's IPC reply
    // (until issue 17's sixth session it did, which added the reply's trip to every raw figure).
    const read = arrival.then(async () => ({ got: await probes.get(l)!.getSecret(name), at: now() }))
    let w: { startAt: number, ms: number }
    try {
      w = await raws.get(l)!.write(name, value)
    } catch (err) {
      read.catch(() => {}) // nothing waits for it any more
      awaited.delete(key); failures.push(`raw ${name}: ${(err as Error).message}`); return undefined
    }
    const { got, at } = await read // answered, so already logged: the read has begun
    const visibleMs = at - w.startAt
    if (got.value !== value) { failures.push(`raw ${name}: SDK read returned another value`); return undefined }
    return { i, rttMs: w.ms, visibleMs, readMs: at - await arrival }
  }

  interface Bucket { samples: Sample[], failures: string[], raw: RawSample[], rawFailures: string[] }
  async function series (rate: number, latencies: readonly number[]): Promise<Map<number, Bucket>> {
    const period = 1000 / rate
    const start = now() + 50
    const out = new Map<number, Bucket>()
    const all: Array<Promise<void>> = []
    latencies.forEach((l, k) => {
      const bucket: Bucket = { samples: [], failures: [], raw: [], rawFailures: [] }
      out.set(l, bucket)
      const offset = (k * period) / latencies.length
      // The reference write goes half-way between two sync writes of the series.
      const rawOffset = offset + period / (2 * latencies.length)
      for (let i = 0; i < n; i++) {
        all.push((async () => {
          await sleepUntil(start + offset + i * period)
          const s = await measure(l, i, `r${rate}-w${i}-${randomBytes(4).toString('hex')}`, bucket.failures)
          if (s !== undefined) bucket.samples.push(s)
        })())
        all.push((async () => {
          await sleepUntil(start + rawOffset + i * period)
          const s = await measureRaw(l, i, `raw-r${rate}-w${i}-${randomBytes(4).toString('hex')}`, bucket.rawFailures)
          if (s !== undefined) bucket.raw.push(s)
        })())
      }
    })
    await Promise.all(all)
    return out
  }

  const results: Array<{ rate: number, latency: number } & Bucket> = []
  for (const rate of RATES) {
    const groups = rate <= 10 ? [LATENCIES] : LATENCIES.map((l) => [l])
    for (const g of groups) {
      azure.emu.clearRequestLog()
      ctx.log(`bench 1: ${rate} writes/s, latency ${g.join(' and ')} ms, ${n} writes each (and as many reference writes)`)
      for (const [l, r] of await series(rate, g)) results.push({ rate, latency: l, ...r })
    }
  }
  unsubscribe()
  for (const raw of raws.values()) await raw.stop()
  azure.emu.faults.remove(rule.id)
  const notSynced: Record<string, Record<string, number>> = {}
  for (const l of LATENCIES) {
    const counts = await statusCounts(api, destOf(l))
    if (counts.SYNCED !== n) notSynced[destOf(l)] = counts
  }

  results.sort((a, b) => a.latency - b.latency || a.rate - b.rate)
  const ratio: Record<string, number> = {}
  const overRaw: Record<string, number> = {}
  const overRawPropagation: Record<string, number> = {}
  const p99Ratio: Record<string, number | string> = {}
  const p99RawPropagationRatio: Record<string, number | string> = {}
  const figures: Record<string, unknown> = {}
  const rows: Array<Array<string | number>> = []
  const ratioOf = (a: number | string, b: number | string): number | string => typeof a === 'number' && typeof b === 'number' ? round(a / b, 2) : 'n<100'
  for (const r of results) {
    const key = `${r.rate}_per_s_latency_${r.latency}ms`
    const visible = latencySummary(r.samples.map((s) => s.visibleMs))
    const arrival = latencySummary(r.samples.map((s) => s.arrivalMs))
    const ref: Summary = latencySummary(r.raw.map((s) => s.rttMs))
    const rawVisible: Summary = latencySummary(r.raw.map((s) => s.visibleMs))
    ratio[key] = round(visible.p50 / ref.p50, 2)
    overRaw[key] = round(visible.p50 - ref.p50, 2)
    overRawPropagation[key] = round(visible.p50 - rawVisible.p50, 2)
    p99Ratio[key] = ratioOf(visible.p99, ref.p99)
    p99RawPropagationRatio[key] = ratioOf(visible.p99, rawVisible.p99)
    const inOrder = [...r.samples].sort((a, b) => a.i - b.i)
    const rawInOrder = [...r.raw].sort((a, b) => a.i - b.i)
    figures[key] = {
      writes_per_s: r.rate, injected_latency_ms: r.latency, propagation_ms: visible, arrival_ms: arrival, failures: r.failures.length, failure_examples: r.failures.slice(0, 3),
      probe_read_ms: latencySummary(r.samples.map((s) => s.readMs)), raw_probe_read_ms: latencySummary(r.raw.map((s) => s.readMs)),
      reference_set_secret_ms: ref, raw_propagation_ms: rawVisible, reference_failures: r.rawFailures.length, reference_failure_examples: r.rawFailures.slice(0, 3),
      samples_in_write_order: {
        propagation_ms: inOrder.map((x) => round(x.visibleMs, 1)),
        arrival_ms: inOrder.map((x) => round(x.arrivalMs, 1)),
        probe_read_ms: inOrder.map((x) => round(x.readMs, 1)),
        reference_set_secret_ms: rawInOrder.map((x) => round(x.rttMs, 1)),
        raw_propagation_ms: rawInOrder.map((x) => round(x.visibleMs, 1)),
        raw_probe_read_ms: rawInOrder.map((x) => round(x.readMs, 1))
      }
    }
    rows.push([`${r.rate}/s @ ${r.latency} ms`, visible.n, visible.p50, visible.p95, visible.p99, arrival.p50, ref.p50, ratio[key], overRaw[key],
      rawVisible.p50, overRawPropagation[key], ref.p99, p99Ratio[key], p99RawPropagationRatio[key], r.failures.length + r.rawFailures.length])
  }
  figures.associations_not_synced_at_end = notSynced
  figures.p50_over_reference_ms = { definition: 'propagation p50 - reference setSecret p50 (same latency, same series)', values: overRaw }
  figures.p50_over_raw_propagation_ms = { definition: 'propagation p50 - raw propagation p50 (the reference write read back by the same probe, same series)', values: overRawPropagation }
  figures.p99_ratio = { definition: 'propagation p99 / reference setSecret p99 (same latency, same series; n >= 100 only)', values: p99Ratio }
  figures.p99_raw_propagation_ratio = { definition: 'propagation p99 / raw propagation p99 (n >= 100 only)', values: p99RawPropagationRatio }
  return {
    result: {
      name: 'propagation-latency',
      description: 'KV write response -> new value readable from the emulator through the Azure SDK',
      parameters: {
        writes_per_rate_per_latency: n, rates_per_s: RATES, injected_latency_ms: LATENCIES,
        emulator_throttling: 'off', probe: 'the emulator reports each answered request in process (arrival, confirmed in the store), then getSecret by an undelayed principal',
        interleaving: '1 and 10 writes/s series of both latencies run interleaved half a period apart; 50 writes/s one after the other; each series\' reference writes half-way between its sync writes',
        reference: 'a child process with the worker\'s client stack (createAzureKvClients: secure context, keep-alive pool, warm-up, SDK policies), raw setSecret on its own pool of secrets, same rate, same series'
      },
      figures,
      reference: {
        description: 'per series: figures.<series>.reference_set_secret_ms (raw setSecret round trip from a child process, same rate) and raw_propagation_ms; here, for context, the earlier reference: back-to-back round trips by an SDK client inside the harness (the emulator\'s process)',
        figures: { in_process_back_to_back: reference }
      },
      ratio: { definition: 'propagation p50 / reference setSecret p50 (same latency, same series)', values: ratio },
      notes: []
    },
    tables: [{
      title: `1. Propagation latency (ms; KV write response -> value readable via the SDK; ${n} writes per row; ref = raw setSecret from a child process in the same series)`,
      columns: ['series', 'n', 'p50', 'p95', 'p99', 'arrival p50', 'ref p50', 'ratio', 'p50-ref', 'raw prop p50', 'p50-raw prop', 'ref p99', 'p99 ratio', 'p99/raw prop', 'failed'],
      rows
    }]
  }
}
