/**
 * Bench 5, association endpoints at scale (issue 16), on the server bench 5 started on its
 * seeded database (S secrets, A associations all on the destination `azure-kv/d0`):
 * - `GET sys/sync/destinations/azure-kv/d0/associations` (A entries): latency, 100 samples;
 * - `associations/set` of a new secret on d0 against the same on a new, empty destination
 *   (each answers the destination's whole map, read as bytes): latency and server CPU per call,
 *   100 samples each;
 * - seeding A associations on another new destination through the API at 4 concurrent clients
 *   (each answer read in full, not parsed): total seconds, and the last 100 calls' latency.
 * The set calls go through undici's `request` and count each answer's bytes as they arrive
 * (session 11): `fetch` + `arrayBuffer()` copied every answer into one buffer in this process,
 * and at 10,000 entries (1.5 MB an answer, 7.5 GB over the seeding) that copying, undici's
 * stream glue and the GC it caused took some 15 s of this process's CPU, more than the server's.
 * The server runs with the worker off, so the queue only grows (as with sync disabled).
 */
import { request } from 'undici'
import { latencySummary, mapLimit, now, round } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import { processCpuMs, ROOT_TOKEN, type ServerProcess } from './lib/server-process.js'
import { vaultHttp } from './lib/vault-http.js'

const DEST = 'sys/sync/destinations/azure-kv'
const LIST_SAMPLES = 100
const SET_SAMPLES = 100
const SEED_CLIENTS = 4

const destinationBody = (name: string): Record<string, string> => ({
  key_vault_uri: `https://bench-${name}.vault.azure.net`, tenant_id: '00000000-0000-4000-8000-000000000001',
  client_id: '00000000-0000-4000-8000-000000000002', client_secret: 'not-used'
})

/** Latencies (ms) of `n` sequential calls after 2 warm-ups, and the server CPU per call (µs). */
async function timedWithCpu (server: ServerProcess, n: number, fn: () => Promise<unknown>): Promise<{ ms: number[], cpuUsPerCall: number }> {
  for (let i = 0; i < 2; i++) await fn()
  const cpu = processCpuMs(server.pid) ?? NaN
  const ms: number[] = []
  for (let i = 0; i < n; i++) {
    const t = now()
    await fn()
    ms.push(now() - t)
  }
  return { ms, cpuUsPerCall: round(((processCpuMs(server.pid) ?? NaN) - cpu) * 1000 / n, 0) }
}

/**
 * Runs the measurements against `server`; `secretPath(i)` names seeded secret i (i < `secrets`),
 * of which 0 .. `associations` - 1 are associated with d0.
 */
export async function benchAssociationEndpoints (ctx: BenchContext, server: ServerProcess, secrets: number, associations: number): Promise<Record<string, unknown>> {
  const api = vaultHttp(server.address)
  const secretPath = (i: number): string => `app/s${i % secrets}`
  ctx.log(`bench 5: association endpoints on a destination with ${associations}`)
  const list = await timedWithCpu(server, LIST_SAMPLES, async () => await api.must('GET', `${DEST}/d0/associations`))
  const listBytes = (await api.must('GET', `${DEST}/d0/associations`)).text.length
  // Answers read in full as bytes (counted, not kept, decoded or parsed) by the same client for both destinations.
  const setOn = async (dest: string, secret: string): Promise<void> => {
    const res = await request(`${server.address}/v1/${DEST}/${dest}/associations/set`, {
      method: 'PUT', headers: { 'X-Vault-Token': ROOT_TOKEN, 'Content-Type': 'application/json' }, body: JSON.stringify({ mount: 'secret', secret_name: secret })
    })
    let bytes = 0
    for await (const chunk of res.body) bytes += (chunk as Buffer).length
    if (res.statusCode !== 200 || bytes === 0) throw new Error(`bench 5: associations/set on ${dest} answered ${res.statusCode} (${bytes} bytes)`)
  }
  let k = associations
  const setFull = await timedWithCpu(server, SET_SAMPLES, async () => { await setOn('d0', secretPath(k++)) })
  await api.must('POST', `${DEST}/fresh`, destinationBody('fresh'))
  const setEmpty = await timedWithCpu(server, SET_SAMPLES, async () => { await setOn('fresh', secretPath(k++)) })

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
    list_destination_associations_ms: latencySummary(list.ms),
    list_destination_associations_server_cpu_us: list.cpuUsPerCall,
    list_destination_associations_bytes: listBytes,
    associations_set_ms_on_full_destination: latencySummary(setFull.ms),
    associations_set_server_cpu_us_on_full_destination: setFull.cpuUsPerCall,
    associations_set_ms_on_empty_destination: latencySummary(setEmpty.ms),
    associations_set_server_cpu_us_on_empty_destination: setEmpty.cpuUsPerCall,
    associations_set_p50_full_over_empty: round(latencySummary(setFull.ms).p50 / latencySummary(setEmpty.ms).p50, 2),
    seed_associations_through_api_s: round(seedS, 1),
    seed_associations_through_api_server_cpu_s: round(seedCpuS, 1),
    seed_associations_through_api_clients: SEED_CLIENTS,
    seed_associations_through_api_last_100_ms: latencySummary(lastMs)
  }
}
