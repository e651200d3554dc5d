/**
 * Server CPU per KV request, A/B across builds on a loaded machine (issue 16, sixth session): one
 * `server -dev` child per build (`ROOT/bin/vault-sync`, `ROOT/dist`; a copy of `dist/`, `bin/`,
 * `package.json`, `ui/`, `openapi.yaml` and a `node_modules` link per build), each seeded with
 * bench 4's state (the two keys, a destination, 100 associated secrets), then bench 4's KV
 * write and read under autocannon (10 connections), the builds taking turns round by round
 * (order reversed every other round) so load changes hit them alike. Prints per round and, per
 * build and case, the min and median of server CPU µs per request (user + system, /proc) and
 * of requests per second. Each round also shows the machine's state: the harness's own CPU µs
 * per request (autocannon's) and the server's preemptions per request; a round whose harness
 * figure is high was slowed by the machine, not by the build (issue 16, ninth session: the two
 * move together, correlation 0.9). The harness's figure also falls a little as the server gets
 * faster (fewer requests per wake-up), so server/harness is a check, not a replacement.
 *
 * `node dist/bench/api-ab.js [--rounds=5] [--seconds=2] [--cases=kv_write,kv_read] ROOT...`
 * (default: this checkout). No bare reference: `npm run bench -- --only=4` gives the ratios.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { median, repoRoot, round } from './lib/common.js'
import { processContextSwitches, processCpuMs, ROOT_TOKEN, startServerProcess, type ServerProcess } from './lib/server-process.js'
import { seed, VALUE } from './b4-api-overhead.js'

const CASES: Record<string, { method: 'GET' | 'PUT', url: string, body?: string }> = {
  kv_read: { method: 'GET', url: '/v1/secret/data/b4/read' },
  kv_write: { method: 'PUT', url: '/v1/secret/data/b4/write', body: JSON.stringify({ data: VALUE }) }
}

/**
 * One autocannon run: requests per second, server CPU µs per request, and two figures of the
 * machine's state in the same seconds: this harness's own CPU µs per request (autocannon's
 * work per request is the same for every build, so it moves only with the machine: other load,
 * placement) and the server's involuntary context switches (preemptions) per request.
 */
async function cannon (server: ServerProcess, id: string, seconds: number): Promise<{ rps: number, us: number, harnessUs: number, preempt: number, bad: number }> {
  const c = CASES[id]
  const cpu0 = processCpuMs(server.pid) ?? NaN
  const cs0 = processContextSwitches(server.pid)?.involuntary ?? NaN
  const own0 = process.cpuUsage()
  const r = await autocannon({
    url: `${server.address}${c.url}`, method: c.method, connections: 10, pipelining: 1, duration: seconds, body: c.body,
    headers: { 'x-vault-token': ROOT_TOKEN, 'content-type': 'application/json' }
  })
  const own = process.cpuUsage(own0)
  const cpuMs = (processCpuMs(server.pid) ?? NaN) - cpu0
  const n = r.requests.total
  const preempt = ((processContextSwitches(server.pid)?.involuntary ?? NaN) - cs0) / n
  return { rps: n / seconds, us: (cpuMs * 1000) / n, harnessUs: (own.user + own.system) / n, preempt, bad: r.non2xx + r.errors }
}

async function main (): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { rounds: { type: 'string', default: '5' }, seconds: { type: 'string', default: '2' }, cases: { type: 'string', default: 'kv_write,kv_read' } },
    allowPositionals: true
  })
  const roots = positionals.length > 0 ? positionals : [repoRoot()]
  const cases = values.cases.split(',').filter((c) => c in CASES)
  const seconds = Number(values.seconds)
  const dir = mkdtempSync(join(tmpdir(), 'vault-sync-api-ab-'))
  const servers: ServerProcess[] = []
  const runs = roots.map(() => new Map(cases.map((c) => [c, [] as Array<{ rps: number, us: number, harnessUs: number }>])))
  try {
    for (const [k, root] of roots.entries()) {
      const server = await startServerProcess({ dir, label: `ab-${k}`, dbPath: join(dir, `ab-${k}.db`), env: { VAULT_SYNC_WORKER: 'off' }, root })
      servers.push(server)
      await seed(server.address)
      for (const c of cases) await cannon(server, c, 1) // warm-up
    }
    for (let r = 0; r < Number(values.rounds); r++) {
      const order = roots.map((_, k) => k)
      if (r % 2 === 1) order.reverse()
      for (const c of cases) {
        for (const k of order) {
          const x = await cannon(servers[k], c, seconds)
          runs[k].get(c)!.push(x)
          process.stdout.write(`round ${r} ${c} ${roots[k]}: ${round(x.rps, 0)} req/s, ${round(x.us)} µs/req (harness ${round(x.harnessUs)} µs/req, server preempted ${round(x.preempt, 2)}/req)${x.bad > 0 ? `, ${x.bad} failed` : ''}\n`)
        }
      }
    }
    for (const [k, root] of roots.entries()) {
      for (const c of cases) {
        const us = runs[k].get(c)!.map((x) => x.us)
        const rps = runs[k].get(c)!.map((x) => x.rps)
        const perHarness = runs[k].get(c)!.map((x) => x.us / x.harnessUs)
        process.stdout.write(`${root} ${c}: CPU µs/req min ${round(Math.min(...us))} median ${round(median(us))}; req/s max ${round(Math.max(...rps), 0)} median ${round(median(rps), 0)}; server/harness CPU per request median ${round(median(perHarness), 2)}\n`)
      }
    }
  } finally {
    for (const s of servers) await s.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
