/**
 * Does a server's history change what a KV read costs? (issue 16, seventh session: bench 4's first
 * server, seeded with some 200 writes, measured 90.7 µs per read where fresh servers measured
 * 60-70.) Per repetition, one fresh `server -dev` child per variant, all started and set up
 * before any is measured, then 1-s windows of bench 4's KV read (autocannon, 10 connections) in
 * which the variants take turns (order reversed every other window), so other load on the machine
 * falls on all alike. Prints per variant the server CPU µs per request of every window and over
 * windows 3+ (the first seconds are JIT warm-up: 200-500 µs per read in the first second).
 *
 * Variants: `full` (bench 4's `seed`), `key` (the read key only), `keys` (the two keys and the
 * 100 secrets, no destination), `writes` (the read key, then 300 writes to another key).
 * `node dist/bench/b4-history-ab.js [--variants=full,key] [--reps=4] [--windows=12]`
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { mapLimit, round } from './lib/common.js'
import { processCpuMs, ROOT_TOKEN, startServerProcess, type ServerProcess } from './lib/server-process.js'
import { vaultHttp } from './lib/vault-http.js'
import { seed, VALUE } from './b4-api-overhead.js'

/** Sets a fresh server up as `variant` says. */
async function prepare (address: string, variant: string): Promise<void> {
  if (variant === 'full') return await seed(address)
  const api = vaultHttp(address)
  await api.must('PUT', 'secret/data/b4/read', { data: VALUE })
  if (variant === 'keys') {
    await api.must('PUT', 'secret/data/b4/write', { data: VALUE })
    await mapLimit(Array.from({ length: 100 }, (_, i) => i), 8, async (i) => await api.must('PUT', `secret/data/b4/s${i}`, { data: VALUE }))
  } else if (variant === 'writes') {
    for (let i = 0; i < 300; i++) await api.must('PUT', 'secret/data/b4/write', { data: VALUE })
  } else if (variant !== 'key') throw new Error(`unknown variant ${variant}`)
}

/** One window of KV reads: requests and server CPU µs per request. @throws on failed requests. */
async function window (s: ServerProcess): Promise<{ requests: number, us: number }> {
  const cpu0 = processCpuMs(s.pid) ?? NaN
  const r = await autocannon({ url: `${s.address}/v1/secret/data/b4/read`, connections: 10, pipelining: 1, duration: 1, headers: { 'x-vault-token': ROOT_TOKEN } })
  if (r.non2xx + r.errors > 0) throw new Error(`${r.non2xx + r.errors} failed reads`)
  return { requests: r.requests.total, us: ((processCpuMs(s.pid) ?? NaN) - cpu0) * 1000 / r.requests.total }
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { variants: { type: 'string', default: 'full,key' }, reps: { type: 'string', default: '4' }, windows: { type: 'string', default: '12' } } })
  const variants = values.variants.split(',')
  const dir = mkdtempSync(join(tmpdir(), 'vault-sync-b4-history-'))
  try {
    for (let rep = 0; rep < Number(values.reps); rep++) {
      const servers: ServerProcess[] = []
      try {
        for (const k of variants.keys()) servers.push(await startServerProcess({ dir, label: `r${rep}-${k}`, dbPath: join(dir, `r${rep}-${k}.db`), env: { VAULT_SYNC_WORKER: 'off' } }))
        for (const [k, v] of variants.entries()) await prepare(servers[k].address, v)
        const windows = variants.map((): Array<{ requests: number, us: number }> => [])
        for (let w = 0; w < Number(values.windows); w++) {
          const order = [...variants.keys()]
          if (w % 2 === 1) order.reverse()
          for (const k of order) windows[k].push(await window(servers[k]))
        }
        for (const [k, v] of variants.entries()) {
          const steady = windows[k].slice(3)
          const n = steady.reduce((a, x) => a + x.requests, 0)
          const us = steady.reduce((a, x) => a + x.us * x.requests, 0) / n
          process.stdout.write(`rep ${rep} ${v.padEnd(6)} windows 3+: ${round(us)} µs/req | ${windows[k].map((x) => round(x.us)).join(' ')}\n`)
        }
      } finally {
        for (const s of servers) await s.stop()
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
