/**
 * Bench 5, association endpoints at scale (issue 16), on the server bench 5 started on its
 * seeded database (S secrets, A associations all on the destination `azure-kv/d0`):
 * - `GET sys/sync/destinations/azure-kv/d0/associations` (A entries): latency, 100 samples (with
 *   `fetch` + `text()`, and with the lean client);
 * - `associations/set` of a new secret on d0 against the same on a new, empty destination
 *   (each answers the destination's whole map, read as bytes): latency and server CPU per call,
 *   100 samples each per client;
 * - seeding A associations on another new destination through the API at 4 concurrent clients
 *   (each answer read in full, not parsed): total seconds, and the last 100 calls' latency.
 * The set calls go through undici's `request` and count each answer's bytes as they arrive
 * (session 11): `fetch` + `arrayBuffer()` copied every answer into one buffer in this process,
 * and at 10,000 entries (1.5 MB an answer, 7.5 GB over the seeding) that copying, undici's
 * stream glue and the GC it caused took some 15 s of this process's CPU, more than the server's.
 * Session 12: the two destinations are measured in turns (`SET_ROUNDS` rounds, the order
 * alternating), so a change of the machine's speed during the measurement weighs on both alike
 * (before, all full-destination calls ran first); each round measures with undici's `request`
 * (the headline figure, as before) and with `lean-http.ts` (a client that only counts the
 * answer's bytes). Footprint's bare reference answers the same two `set` answers' bytes, measured
 * the same way: how much of the gap moving the larger answer costs by itself.
 * Session 14: the lean client also calls a third, empty destination after a pause as long as the
 * full answer's transfer (see `measureSetPair`): the same call on an empty destination when the
 * server has idled before it for up to as long as before each full-destination call.
 * The server runs with the worker off, so the queue only grows (as with sync disabled).
 */
import { Client, type Dispatcher, request } from 'undici'
import type { BareRoute } from './bare-server.js'
import { captureRoute } from './lib/child-processes.js'
import { latencySummary, mapLimit, median, now, round, spin } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import { leanHttp, type LeanHttp } from './lib/lean-http.js'
import { processCpuMs, ROOT_TOKEN, type ServerProcess } from './lib/server-process.js'
import { vaultHttp } from './lib/vault-http.js'

const DEST = 'sys/sync/destinations/azure-kv'
const LIST_SAMPLES = 100
const SET_SAMPLES = 100
/** Rounds of the set measurement: each side gets SET_SAMPLES / SET_ROUNDS calls per round and client. */
const SET_ROUNDS = 4
const SET_HEADERS = { 'x-vault-token': ROOT_TOKEN, 'content-type': 'application/json' }
/**
 * Calls on a connection before a large answer (hundreds of KiB to 1.5 MB) is timed on it (session
 * 12). On a new loopback connection the kernel's buffer autotuning needs some 50 answers of
 * 1.5 MB before one goes in a single write: until then such an answer takes 7-9 ms instead of
 * about 1 (bare Fastify's alike), in bursts, and with 2 warm-up calls the first round of the full
 * destination's calls measured that, not the server.
 */
export const WARM_UP_CALLS = 60
const SEED_CLIENTS = 4

const destinationBody = (name: string): Record<string, string> => ({
  key_vault_uri: `https://bench-${name}.vault.azure.net`, tenant_id: '00000000-0000-4000-8000-000000000001',
  client_id: '00000000-0000-4000-8000-000000000002', client_secret: 'not-used'
})

/** CPU ms process `pid` has used so far (NaN without a pid or when unreadable). */
const cpuMsOf = (pid: number | undefined): number => pid === undefined ? NaN : processCpuMs(pid) ?? NaN

/** `full` p50 / `empty` p50 (latencies in ms), to 2 decimals. */
const p50Ratio = (full: number[], empty: number[]): number => round(latencySummary(full).p50 / latencySummary(empty).p50, 2)

/**
 * Latencies (ms) of `n` sequential calls after `warmUp` calls, and the CPU per call (µs) of
 * process `pid` (NaN without one).
 */
export async function timedWithCpu (pid: number | undefined, n: number, fn: () => Promise<unknown>, warmUp = 2): Promise<SideFigures> {
  const cpu = (): number => cpuMsOf(pid)
  for (let i = 0; i < warmUp; i++) await fn()
  const c0 = cpu()
  const ms: number[] = []
  for (let i = 0; i < n; i++) {
    const t = now()
    await fn()
    ms.push(now() - t)
  }
  return { ms, cpuUsPerCall: round((cpu() - c0) * 1000 / n, 0) }
}

/** Reads an undici answer to its end, counting its bytes; throws unless it is a 200 with a body. */
async function answerBytes (res: Dispatcher.ResponseData, what: string): Promise<number> {
  let n = 0
  for await (const chunk of res.body) n += (chunk as Buffer).length
  if (res.statusCode !== 200 || n === 0) throw new Error(`bench 5: ${what} answered ${res.statusCode} (${n} bytes)`)
  return n
}

/**
 * Runs the measurements against `server`; `secretPath(i)` names seeded secret i (i < `secrets`),
 * of which 0 .. `associations` - 1 are associated with d0.
 */
export async function benchAssociationEndpoints (ctx: BenchContext, server: ServerProcess, secrets: number, associations: number): Promise<{ figures: Record<string, unknown>, setRoutes: BareRoute[] }> {
  const api = vaultHttp(server.address)
  const secretPath = (i: number): string => `app/s${i % secrets}`
  ctx.log(`bench 5: association endpoints on a destination with ${associations}`)
  const list = await timedWithCpu(server.pid, LIST_SAMPLES, async () => await api.must('GET', `${DEST}/d0/associations`), WARM_UP_CALLS)
  const listBytes = (await api.must('GET', `${DEST}/d0/associations`)).text.length
  const listLean = await leanLatencies(server.address, `/v1/${DEST}/d0/associations`, LIST_SAMPLES, server.pid)
  // Answers read in full as bytes (counted, not kept, decoded or parsed) by the same client for both destinations.
  const setOn = async (dest: string, secret: string): Promise<void> => {
    await answerBytes(await request(`${server.address}/v1/${DEST}/${dest}/associations/set`, {
      method: 'PUT', headers: SET_HEADERS, body: JSON.stringify({ mount: 'secret', secret_name: secret })
    }), `associations/set on ${dest}`)
  }
  // One empty destination per client (and one for the lean client's calls after a pause), so
  // each holds at most the ~108 associations its own calls made.
  for (const name of ['fresh', 'fresh-lean', 'fresh-paused']) await api.must('POST', `${DEST}/${name}`, destinationBody(name))
  let k = associations
  const next = (): string => secretPath(k++)
  const set = await measureSetPair(server.address, `/v1/${DEST}/d0/associations/set`,
    { undici: `/v1/${DEST}/fresh/associations/set`, lean: `/v1/${DEST}/fresh-lean/associations/set`, leanAfterPause: `/v1/${DEST}/fresh-paused/associations/set` }, next, server.pid)
  const setRoutes = await Promise.all([['d0', 'full'], ['fresh', 'empty']].map(async ([dest, side]) => ({
    ...await captureRoute(server.address, 'PUT', `/v1/${DEST}/${dest}/associations/set`, SET_HEADERS, JSON.stringify({ mount: 'secret', secret_name: next() })),
    url: `/bare/set/${side}`
  })))

  ctx.log(`bench 5: seeding ${associations} associations through the API (${SEED_CLIENTS} clients)`)
  await api.must('POST', `${DEST}/seeded`, destinationBody('seeded'))
  const ids = Array.from({ length: associations }, (_, i) => i)
  const lastMs: number[] = []
  const cpu = processCpuMs(server.pid) ?? NaN
  const t = now()
  await mapLimit(ids, SEED_CLIENTS, async (i) => {
    const s = now()
    await setOn('seeded', secretPath(i))
    if (i >= associations - 100) lastMs.push(now() - s)
  })
  const seedS = (now() - t) / 1000
  const seedCpuS = ((processCpuMs(server.pid) ?? NaN) - cpu) / 1000
  const seededCount = Object.keys((await api.must('GET', `${DEST}/seeded/associations`)).json.data.associated_secrets).length
  if (seededCount !== associations) throw new Error(`bench 5: seeded ${seededCount} associations through the API, expected ${associations}`)
  return {
    figures: {
      list_destination_associations_ms: latencySummary(list.ms),
      list_destination_associations_server_cpu_us: list.cpuUsPerCall,
      list_destination_associations_bytes: listBytes,
      list_destination_associations_lean_client_ms: latencySummary(listLean.ms),
      list_destination_associations_lean_client_server_cpu_us: listLean.cpuUsPerCall,
      associations_set_ms_on_full_destination: latencySummary(set.undici.full.ms),
      associations_set_server_cpu_us_on_full_destination: set.undici.full.cpuUsPerCall,
      associations_set_ms_on_empty_destination: latencySummary(set.undici.empty.ms),
      associations_set_server_cpu_us_on_empty_destination: set.undici.empty.cpuUsPerCall,
      associations_set_p50_full_over_empty: set.undici.p50Ratio,
      associations_set_lean_client_ms_on_full_destination: latencySummary(set.lean.full.ms),
      associations_set_lean_client_ms_on_empty_destination: latencySummary(set.lean.empty.ms),
      associations_set_lean_client_p50_full_over_empty: set.lean.p50Ratio,
      associations_set_lean_client_first_byte_ms_on_full_destination: latencySummary(set.firstByte.full),
      associations_set_lean_client_first_byte_ms_on_empty_destination: latencySummary(set.firstByte.empty),
      associations_set_lean_client_first_byte_p50_full_over_empty: set.firstByte.p50Ratio,
      associations_set_lean_client_ms_on_empty_destination_after_pause: latencySummary(set.afterPause!.ms),
      associations_set_lean_client_pause_ms: set.afterPause!.pauseMs,
      associations_set_lean_client_p50_full_over_empty_after_pause: set.afterPause!.p50Ratio,
      associations_set_answer_bytes: { full: set.bytes.full, empty: set.bytes.empty },
      seed_associations_through_api_s: round(seedS, 1),
      seed_associations_through_api_server_cpu_s: round(seedCpuS, 1),
      seed_associations_through_api_clients: SEED_CLIENTS,
      seed_associations_through_api_last_100_ms: latencySummary(lastMs)
    },
    setRoutes
  }
}

/**
 * Latencies (ms) of `n` sequential `GET path` (with `/v1/`) through the lean client after
 * WARM_UP_CALLS calls on its new connection, and the CPU per call (µs) of process `pid` when given.
 * @throws Error on an answer other than 200.
 */
export async function leanLatencies (address: string, path: string, n: number, pid?: number): Promise<SideFigures> {
  const lean = await leanHttp(address)
  try {
    return await timedWithCpu(pid, n, async () => {
      const a = await lean.request('GET', path, { 'x-vault-token': ROOT_TOKEN })
      if (a.status !== 200) throw new Error(`bench 5: GET ${path} answered ${a.status}`)
    }, WARM_UP_CALLS)
  } finally {
    lean.close()
  }
}

interface SideFigures { ms: number[], cpuUsPerCall: number }
/** What `measureSetPair` gathers per client and side: latencies (ms) and the server's CPU over them (ms). */
interface SideAcc { ms: number[], cpuMs: number }
/** A side of `measureSetPair`: `paused` is the lean client's empty destination called after a pause. */
type Side = 'full' | 'empty' | 'paused'
/** One client's figures for the two sides of `measureSetPair`. */
interface PairFigures { full: SideFigures, empty: SideFigures, p50Ratio: number }
/**
 * `measureSetPair`'s answer: per client; the answers' bytes; and the lean client's time to each
 * answer's first bytes (ms, per side, and the ratio of their p50s).
 */
interface SetPairFigures {
  undici: PairFigures
  lean: PairFigures
  bytes: { full: number, empty: number }
  firstByte: { full: number[], empty: number[], p50Ratio: number }
  /**
   * With `emptyPaths.leanAfterPause`: the lean client's empty-destination calls, each after the
   * client kept its CPU busy while the server had nothing to do, as on the full side while the
   * client reads the large answer. Each pause is the running p50 of the full side's transfers;
   * `pauseMs` is the median of the pauses made (ms). `p50Ratio` is the lean full p50 over
   * theirs (session 14).
   */
  afterPause?: { ms: number[], pauseMs: number, p50Ratio: number }
}

/**
 * The last warm-up calls of the lean full side whose transfers (answer time minus time to first
 * byte) the pauses start from; every timed full-side call adds its own.
 */
const PAUSE_FROM_WARM_UP = 20

/**
 * `associations/set` latency (ms) on `fullPath` against `emptyPaths` (paths with `/v1/`), with
 * undici's `request` and with the lean client (each on its own empty destination), on one
 * connection per client and side, the full side's first warmed by WARM_UP_CALLS calls; then in
 * `SET_ROUNDS` rounds: per round and client,
 * each side gets 2 warm-up calls and SET_SAMPLES / SET_ROUNDS timed calls, the side order
 * alternating between rounds. `secret()` names the secret of each call; `pid` (optional) is the
 * server's, for its CPU per call (µs, from /proc: 10 ms ticks). The lean client's calls also
 * give their time to the answer's first bytes: that excludes the body's transfer, so its full /
 * empty ratio shows the server's own work per call apart from the answer's size. With
 * `emptyPaths.leanAfterPause` the lean client also calls that empty destination as a third side,
 * each timed call after `spin` for the p50 of the full side's transfers so far (answer time minus
 * time to first byte, from the last PAUSE_FROM_WARM_UP warm-up calls on): on the full side the
 * server idles up to that long between calls while the client reads the answer, and a server that has
 * idled answers more slowly (session 14). Also used on the bare reference (footprint), which
 * answers fixed bytes whatever the body.
 * @throws Error on an answer other than 200 with a body.
 */
export async function measureSetPair (address: string, fullPath: string, emptyPaths: { undici: string, lean: string, leanAfterPause?: string }, secret: () => string, pid?: number): Promise<SetPairFigures> {
  const pausedPath = emptyPaths.leanAfterPause
  // One connection per client and side: the kernel's congestion control (BBR on these machines)
  // keeps its bandwidth estimate per connection, and 25 small answers in a row on the connection
  // of the large ones made it pace the next large answers slowly (session 12).
  const conns = {
    undici: { full: new Client(address), empty: new Client(address) } as Partial<Record<Side, Client>>,
    lean: { full: await leanHttp(address), empty: await leanHttp(address) } as Partial<Record<Side, LeanHttp>>
  }
  if (pausedPath !== undefined) conns.lean.paused = await leanHttp(address)
  // Per client and side (the sides a client has: its connections): latencies (ms) and server CPU (ms).
  const acc = { undici: {} as Partial<Record<Side, SideAcc>>, lean: {} as Partial<Record<Side, SideAcc>> }
  for (const c of ['undici', 'lean'] as const) for (const side of Object.keys(conns[c]) as Side[]) acc[c][side] = { ms: [], cpuMs: 0 }
  const bytes = { full: 0, empty: 0 }
  // The lean client's time to the answer's first bytes, per side (ms): the call without the transfer of its body.
  const firstByte = { full: [] as number[], empty: [] as number[] }
  // The lean client's full-side transfers (ms: answer time minus time to first byte), whose p50
  // is the next pause; and the pauses made (ms).
  const transfers: number[] = []
  const pauses: number[] = []
  // The answer's bytes, and its time to first byte (ms) when the lean client read it.
  const call = async (c: 'undici' | 'lean', side: Side, path: string, body: string): Promise<{ bytes: number, firstByteMs?: number }> => {
    if (c === 'lean') {
      const a = await conns.lean[side]!.request('PUT', path, SET_HEADERS, body)
      if (a.status !== 200 || a.bytes === 0) throw new Error(`bench 5: PUT ${path} answered ${a.status} (${a.bytes} bytes)`)
      return a
    }
    return { bytes: await answerBytes(await conns.undici[side]!.request({ path, method: 'PUT', headers: SET_HEADERS, body }), `PUT ${path}`) }
  }
  const cpu = (): number => cpuMsOf(pid)
  const body = (): string => JSON.stringify({ mount: 'secret', secret_name: secret() })
  const pathOf = (c: 'undici' | 'lean', side: Side): string => side === 'full' ? fullPath : side === 'paused' ? pausedPath! : emptyPaths[c]
  try {
    for (const c of ['undici', 'lean'] as const) {
      for (let i = 0; i < WARM_UP_CALLS; i++) {
        const b = body()
        const t = now()
        const a = await call(c, 'full', fullPath, b)
        if (a.firstByteMs !== undefined && i >= WARM_UP_CALLS - PAUSE_FROM_WARM_UP) transfers.push(now() - t - a.firstByteMs)
      }
    }
    for (let r = 0; r < SET_ROUNDS; r++) {
      for (const c of ['undici', 'lean'] as const) {
        const sides = Object.keys(acc[c]) as Side[]
        for (const side of r % 2 === 0 ? sides : sides.reverse()) {
          const path = pathOf(c, side)
          const slot = acc[c][side]!
          for (let i = 0; i < 2; i++) await call(c, side, path, body())
          const c0 = cpu()
          for (let i = 0; i < SET_SAMPLES / SET_ROUNDS; i++) {
            const b = body()
            if (side === 'paused') {
              pauses.push(median(transfers))
              spin(pauses[pauses.length - 1])
            }
            const t = now()
            const a = await call(c, side, path, b)
            const ms = now() - t
            slot.ms.push(ms)
            if (side === 'paused') continue
            bytes[side] = a.bytes
            if (a.firstByteMs === undefined) continue
            firstByte[side].push(a.firstByteMs)
            if (side === 'full') transfers.push(ms - a.firstByteMs)
          }
          slot.cpuMs += cpu() - c0
        }
      }
    }
  } finally {
    for (const conn of Object.values(conns.lean)) conn.close()
    for (const conn of Object.values(conns.undici)) await conn.close()
  }
  const sideFigures = (a: SideAcc): SideFigures => ({ ms: a.ms, cpuUsPerCall: round(a.cpuMs * 1000 / a.ms.length, 0) })
  const figures = (c: 'undici' | 'lean'): PairFigures => {
    const { full, empty } = acc[c] as Record<'full' | 'empty', SideAcc>
    return { full: sideFigures(full), empty: sideFigures(empty), p50Ratio: p50Ratio(full.ms, empty.ms) }
  }
  const paused = acc.lean.paused
  return {
    undici: figures('undici'),
    lean: figures('lean'),
    bytes,
    firstByte: { ...firstByte, p50Ratio: p50Ratio(firstByte.full, firstByte.empty) },
    afterPause: paused === undefined ? undefined : { ms: paused.ms, pauseMs: round(median(pauses), 3), p50Ratio: p50Ratio(acc.lean.full!.ms, paused.ms) }
  }
}

/** The bare reference's answer of a set (`setRoutes` of `benchAssociationEndpoints`) is at `/bare/set/full` and `/bare/set/empty`. */
export async function measureBareSetPair (address: string): Promise<SetPairFigures> {
  return await measureSetPair(address, '/bare/set/full', { undici: '/bare/set/empty', lean: '/bare/set/empty' }, () => 'app/any')
}
