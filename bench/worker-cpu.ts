/**
 * The sync worker's CPU per change, A/B across builds on a loaded machine (issue 17, fifth
 * session): the server's main-thread CPU time (/proc/PID/schedstat, ns) over W KV writes to synced secrets, minus the
 * same over W writes to secrets no association covers (the KV write's own cost), divided by W.
 * Each build is a server child of its own (`ROOT/bin/vault-sync`, `ROOT/dist`), all pointed at one
 * in-process emulator vault (0 ms latency, throttling off); the builds take turns, round by round
 * (order reversed every other round), so load changes hit both alike. Also reported per build:
 * KV response -> arrival at the emulator (the worker's path to Azure), p50 / p90 / max.
 *
 * `node dist/bench/worker-cpu.js [--rounds=3] [--writes=200] [--rate=20] ROOT...` (default: this
 * checkout). GC helper threads and the libuv pool are not counted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startAzureSide } from './lib/azure.js'
import { mapLimit, now, percentile, repoRoot, round, sleep, sleepUntil, waitFor } from './lib/common.js'
import { startServerProcess, type ServerProcess } from './lib/server-process.js'
import { statusCounts, vaultHttp, type VaultHttp } from './lib/vault-http.js'

const POOL = 50

/** CPU time of a process's main thread (the event loop), ms, from /proc/PID/schedstat (ns; Linux only). */
const mainThreadCpuMs = (pid: number): number => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6

async function main (): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { rounds: { type: 'string', default: '3' }, writes: { type: 'string', default: '200' }, rate: { type: 'string', default: '20' } },
    allowPositionals: true
  })
  const rounds = Number(values.rounds)
  const writes = Number(values.writes)
  const period = 1000 / Number(values.rate)
  const roots = positionals.length > 0 ? positionals : [repoRoot()]
  const dir = mkdtempSync(join(tmpdir(), 'vault-sync-worker-cpu-'))
  const azure = await startAzureSide()
  const arrivals = new Map<string, (at: number) => void>()
  const unsubscribe = azure.emu.onRequestLogged((e) => {
    if (e.operation !== 'SetSecret' || e.status !== 200 || e.secretName === undefined) return
    const done = arrivals.get(e.secretName.toLowerCase())
    if (done !== undefined) { arrivals.delete(e.secretName.toLowerCase()); done(now()) }
  })
  const servers: Array<{ root: string, server: ServerProcess, api: VaultHttp, k: number }> = []
  const figures = roots.map(() => ({ syncCpu: 0, controlCpu: 0, n: 0, arrival: [] as number[], lost: 0 }))
  try {
    for (const [k, root] of roots.entries()) {
      const server = await startServerProcess({ dir, label: `cpu-${k}`, dbPath: join(dir, `cpu-${k}.db`), env: azure.serverEnv, root })
      const api = vaultHttp(server.address)
      await azure.createDestination(api, `cpu-${k}`, 'lat0')
      const idx = Array.from({ length: POOL }, (_, i) => i)
      await mapLimit(idx, 8, async (i) => {
        await api.must('PUT', `secret/data/cpu/r${k}-s${i}`, { data: { v: 'initial' } })
        await api.must('PUT', `secret/data/ctl/r${k}-s${i}`, { data: { v: 'initial' } })
      })
      await mapLimit(idx, 4, async (i) => await api.must('PUT', `sys/sync/destinations/azure-kv/cpu-${k}/associations/set`, { mount: 'secret', secret_name: `cpu/r${k}-s${i}` }))
      await waitFor(`pool of cpu-${k} synced`, async () => (await statusCounts(api, `cpu-${k}`)).SYNCED === POOL ? true : undefined, 60_000, 100)
      servers.push({ root, server, api, k })
    }

    /** W writes at the rate to `prefix` secrets of server k; resolves the server's CPU ms over them (and the arrivals when synced). */
    async function phase (s: typeof servers[number], prefix: 'cpu' | 'ctl', round: number): Promise<number> {
      await sleep(300)
      const cpu0 = mainThreadCpuMs(s.server.pid)
      const start = now() + 20
      const waits: Array<Promise<void>> = []
      for (let i = 0; i < writes; i++) {
        await sleepUntil(start + i * period)
        const name = `r${s.k}-s${i % POOL}`
        const arrived = prefix === 'cpu' ? new Promise<number>((resolve) => { arrivals.set(name, resolve) }) : undefined
        waits.push((async () => {
          // A request fetch never answers (seen once under load: the server had no trace of it) is sent again.
          const body = { data: { v: `${round}-${i}` } }
          const put = async (): Promise<unknown> => await s.api.must('PUT', `secret/data/${prefix}/${name}`, body)
          if (await Promise.race([put(), sleep(10_000).then(() => 'timeout')]) === 'timeout') { figures[s.k].lost++; await put() }
          const t0 = now()
          if (arrived !== undefined) figures[s.k].arrival.push((await arrived) - t0)
        })())
      }
      await Promise.all(waits)
      await sleep(300) // the last settles
      return mainThreadCpuMs(s.server.pid) - cpu0
    }

    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? servers : [...servers].reverse()
      for (const s of order) {
        figures[s.k].syncCpu += await phase(s, 'cpu', r)
        figures[s.k].controlCpu += await phase(s, 'ctl', r)
        figures[s.k].n += writes
      }
      process.stderr.write(`round ${r + 1}/${rounds} done, load ${loadavg()[0].toFixed(2)}\n`)
    }
    for (const [k, f] of figures.entries()) {
      process.stdout.write(`${roots[k]}: writes ${f.n}, main-thread CPU µs/write synced ${round(f.syncCpu * 1000 / f.n)}, not synced ${round(f.controlCpu * 1000 / f.n)}, worker ${round((f.syncCpu - f.controlCpu) * 1000 / f.n)}; KV response -> arrival p50 ${round(percentile(f.arrival, 50), 2)} p90 ${round(percentile(f.arrival, 90), 2)} p99 ${round(percentile(f.arrival, 99), 2)} max ${round(Math.max(...f.arrival), 2)} ms; requests sent again ${f.lost}\n`)
    }
  } finally {
    unsubscribe()
    for (const s of servers) await s.server.stop()
    await azure.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => { process.stderr.write(`worker-cpu: ${(err as Error).stack ?? String(err)}\n`); process.exit(1) })
