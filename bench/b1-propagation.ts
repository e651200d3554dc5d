/**
 * Bench 1, propagation latency: the time from a KV write's HTTP response to the new value being
 * readable from the emulator through the Azure SDK, at 1, 10 and 50 writes/s, with 0 ms and
 * 20 ms of injected Key Vault latency. Reference: one raw SDK `setSecret` round trip at the same
 * latency, measured in the same run.
 *
 * Method (decisions D-28): throttling is off on these vaults; the injected latency applies to the
 * worker's principal only. The emulator (in this process) reports each request it has answered;
 * the SetSecret that stored the new value is its "arrival" (confirmed in the store), then a
 * getSecret by the probe principal (not delayed) must return it; "propagation" ends when that
 * read returns. Each write
 * goes to its own, already-synced secret (no adoption read, no coalescing). The 1 and 10
 * writes/s series of both latencies run interleaved (half a period apart) on their own vaults;
 * the 50 writes/s series run one after the other.
 */
import { randomBytes } from 'node:crypto'
import type { SecretClient } from '@azure/keyvault-secrets'
import { azureValueOf, type VaultName } from './lib/azure.js'
import { latencySummary, mapLimit, now, round, sleepUntil, waitFor } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import type { BenchOutput } from './lib/report.js'
import { statusCounts, type VaultHttp } from './lib/vault-http.js'

const RATES = [1, 10, 50]
const LATENCIES = [0, 20] as const
const vaultOf = (latency: number): VaultName => latency === 0 ? 'lat0' : 'lat20'
const destOf = (latency: number): string => `b1-lat${latency}`
const pathOf = (latency: number, i: number): string => `b1/l${latency}-s${i}`
const azureNameOf = (latency: number, i: number): string => `l${latency}-s${i}`

interface Sample { i: number, visibleMs: number, arrivalMs: number }

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

export async function benchPropagation (ctx: BenchContext, api: VaultHttp): Promise<BenchOutput> {
  const { azure } = ctx
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

  // References: raw SDK round trips at the same injected latency.
  const reference: Record<string, unknown> = {}
  for (const l of LATENCIES) {
    const worker = azure.workerClient(vaultOf(l))
    const set = await roundTrips(n, async (i) => await worker.setSecret(`ref-l${l}`, `ref-${i}`))
    const get = await roundTrips(n, async () => await probes.get(l)!.getSecret(`ref-l${l}`))
    reference[`latency_${l}ms`] = { set_secret_ms: latencySummary(set), probe_get_secret_ms: latencySummary(get) }
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
    const got = await probes.get(l)!.getSecret(name)
    const visibleMs = now() - t0
    if (got.value !== expected) { failures.push(`${name}: SDK read returned another value`); return undefined }
    return { i, visibleMs, arrivalMs: arrivedAt - t0 }
  }

  async function series (rate: number, latencies: readonly number[]): Promise<Map<number, { samples: Sample[], failures: string[] }>> {
    const period = 1000 / rate
    const start = now() + 50
    const out = new Map<number, { samples: Sample[], failures: string[] }>()
    const all: Array<Promise<void>> = []
    latencies.forEach((l, k) => {
      const bucket = { samples: [] as Sample[], failures: [] as string[] }
      out.set(l, bucket)
      const offset = (k * period) / latencies.length
      for (let i = 0; i < n; i++) {
        all.push((async () => {
          await sleepUntil(start + offset + i * period)
          const s = await measure(l, i, `r${rate}-w${i}-${randomBytes(4).toString('hex')}`, bucket.failures)
          if (s !== undefined) bucket.samples.push(s)
        })())
      }
    })
    await Promise.all(all)
    return out
  }

  const results: Array<{ rate: number, latency: number, samples: Sample[], failures: string[] }> = []
  for (const rate of RATES) {
    const groups = rate <= 10 ? [LATENCIES] : LATENCIES.map((l) => [l])
    for (const g of groups) {
      azure.emu.clearRequestLog()
      ctx.log(`bench 1: ${rate} writes/s, latency ${g.join(' and ')} ms, ${n} writes each`)
      for (const [l, r] of await series(rate, g)) results.push({ rate, latency: l, ...r })
    }
  }
  unsubscribe()
  azure.emu.faults.remove(rule.id)
  const notSynced: Record<string, Record<string, number>> = {}
  for (const l of LATENCIES) {
    const counts = await statusCounts(api, destOf(l))
    if (counts.SYNCED !== n) notSynced[destOf(l)] = counts
  }

  results.sort((a, b) => a.latency - b.latency || a.rate - b.rate)
  const ratio: Record<string, number> = {}
  const overRaw: Record<string, number> = {}
  const p99Ratio: Record<string, number | string> = {}
  const figures: Record<string, unknown> = {}
  const rows: Array<Array<string | number>> = []
  for (const r of results) {
    const key = `${r.rate}_per_s_latency_${r.latency}ms`
    const visible = latencySummary(r.samples.map((s) => s.visibleMs))
    const arrival = latencySummary(r.samples.map((s) => s.arrivalMs))
    const ref = (reference[`latency_${r.latency}ms`] as { set_secret_ms: ReturnType<typeof latencySummary> }).set_secret_ms
    ratio[key] = round(visible.p50 / ref.p50, 2)
    overRaw[key] = round(visible.p50 - ref.p50, 2)
    p99Ratio[key] = typeof visible.p99 === 'number' && typeof ref.p99 === 'number' ? round(visible.p99 / ref.p99, 2) : 'n<100'
    const inOrder = [...r.samples].sort((a, b) => a.i - b.i)
    figures[key] = {
      writes_per_s: r.rate, injected_latency_ms: r.latency, propagation_ms: visible, arrival_ms: arrival, failures: r.failures.length, failure_examples: r.failures.slice(0, 3),
      samples_in_write_order: { propagation_ms: inOrder.map((x) => round(x.visibleMs, 1)), arrival_ms: inOrder.map((x) => round(x.arrivalMs, 1)) }
    }
    rows.push([`${r.rate}/s @ ${r.latency} ms`, visible.n, visible.p50, visible.p95, visible.p99, arrival.p50, ref.p50, ratio[key], overRaw[key], ref.p99, p99Ratio[key], r.failures.length])
  }
  figures.associations_not_synced_at_end = notSynced
  figures.p50_over_reference_ms = { definition: 'propagation p50 - reference setSecret p50 at the same latency', values: overRaw }
  figures.p99_ratio = { definition: 'propagation p99 / reference setSecret p99 at the same latency (n >= 100 only)', values: p99Ratio }
  return {
    result: {
      name: 'propagation-latency',
      description: 'KV write response -> new value readable from the emulator through the Azure SDK',
      parameters: {
        writes_per_rate_per_latency: n, rates_per_s: RATES, injected_latency_ms: LATENCIES,
        emulator_throttling: 'off', probe: 'the emulator reports each answered request in process (arrival, confirmed in the store), then getSecret by an undelayed principal',
        interleaving: '1 and 10 writes/s series of both latencies run interleaved half a period apart; 50 writes/s one after the other'
      },
      figures,
      reference: { description: 'raw Azure SDK setSecret round trip (worker principal, same injected latency); getSecret round trip of the probe for context', figures: reference },
      ratio: { definition: 'propagation p50 / reference setSecret p50 at the same latency', values: ratio },
      notes: []
    },
    tables: [{
      title: `1. Propagation latency (ms; KV write response -> value readable via the SDK; ${n} writes per row)`,
      columns: ['series', 'n', 'p50', 'p95', 'p99', 'arrival p50', 'ref p50', 'ratio', 'p50-ref', 'ref p99', 'p99 ratio', 'failed'],
      rows
    }]
  }
}
