/**
 * Bench 6, association rules (issue 22): a dev server on a file database holding N secrets
 * under `rules/` (N = 10,000; the figure, quick and full alike), worker off so only the
 * API is timed. Timed over HTTP: a dry run of a rule covering all N, creating it (N ordinary
 * associations, N outbox rows, in one transaction) on two fresh destinations, and deleting it.
 * The target: creating a rule over 10,000 secrets answers in under 1 s.
 *
 * Reference, same run, same server: what Vault's API needs for the same result, one
 * `associations/set` per secret (sequential, on a third destination): the mean of 200 calls,
 * times N. Its answer lists the destination, so the calls get slower as it fills; the
 * extrapolation from the first 200 is a lower bound.
 */
import { join } from 'node:path'
import { now, round } from './lib/common.js'
import type { BenchContext } from './lib/context.js'
import type { BenchOutput } from './lib/report.js'
import { startServerProcess } from './lib/server-process.js'
import { seedSecrets } from './lib/seed-database.js'
import { vaultHttp, type VaultHttp } from './lib/vault-http.js'

const N = 10_000
const SETS = 200

async function timed (api: VaultHttp, method: string, path: string, body?: unknown): Promise<{ ms: number, data: any }> {
  const t = now()
  const r = await api.must(method, path, body)
  return { ms: round(now() - t, 1), data: r.json?.data }
}

/** Runs bench 6. */
export async function benchRules (ctx: BenchContext): Promise<BenchOutput> {
  const dbPath = join(ctx.dir, 'rules.db')
  const seedStarted = now()
  const seeded = await seedSecrets(dbPath, N, (i) => `rules/s${String(i).padStart(5, '0')}`, (i) => ({ v: i }))
  seeded.db.close()
  ctx.log(`bench 6: ${N} secrets seeded in ${((now() - seedStarted) / 1000).toFixed(1)} s`)
  const server = await startServerProcess({ dir: ctx.dir, label: 'rules', dbPath, env: { ...ctx.azure.serverEnv, VAULT_SYNC_WORKER: 'off' } })
  const api = vaultHttp(server.address)
  try {
    for (const d of ['b6-a', 'b6-b', 'b6-ref']) await ctx.azure.createDestination(api, d, 'scale')
    const body = { mount: 'secret', path_prefix: 'rules/' }
    const rule = (d: string): string => `sys/sync-ext/destinations/azure-kv/${d}/rules/all`
    const dry = await timed(api, 'POST', `${rule('b6-a')}?dry_run=true`, body)
    const createA = await timed(api, 'POST', rule('b6-a'), body)
    const createB = await timed(api, 'POST', rule('b6-b'), body)
    if (createA.data.total !== N || createB.data.total !== N) throw new Error(`bench 6: the rule covered ${String(createA.data.total)} secrets, not ${N}`)
    const read = await timed(api, 'GET', rule('b6-a'))
    const del = await timed(api, 'DELETE', rule('b6-a'))
    const setMs: number[] = []
    for (let i = 0; i < SETS; i++) {
      setMs.push((await timed(api, 'PUT', 'sys/sync/destinations/azure-kv/b6-ref/associations/set', { mount: 'secret', secret_name: `rules/s${String(i).padStart(5, '0')}` })).ms)
    }
    const perSet = setMs.reduce((a, b) => a + b, 0) / setMs.length
    const refMs = round(perSet * N, 0)
    const best = Math.min(createA.ms, createB.ms)
    return {
      result: {
        name: 'association-rules',
        description: `create a rule covering ${N} secrets (dry run, create on two destinations, read, delete), worker off`,
        parameters: { secrets: N, reference_sets: SETS },
        figures: {
          dry_run_ms: dry.ms,
          create_ms: [createA.ms, createB.ms],
          read_ms: read.ms,
          delete_ms: del.ms,
          associations_made: createA.data.total,
          under_1s: Math.max(createA.ms, createB.ms) < 1000
        },
        reference: {
          description: `one associations/set per secret: mean of ${SETS} sequential calls times ${N}`,
          figures: { set_mean_ms: round(perSet, 2), extrapolated_ms: refMs }
        },
        ratio: { definition: 'best rule create time / extrapolated per-secret set time', values: { create: round(best / refMs, 4) } },
        notes: ['the rule materialises ordinary associations and their outbox rows in one transaction; the worker then syncs them at Key Vault\'s pace (test/rules/rules-flow.test.ts)']
      },
      tables: [{
        title: `Bench 6: association rule over ${N} secrets (worker off)`,
        columns: ['operation', 'ms'],
        rows: [['dry run', dry.ms], ['create (b6-a)', createA.ms], ['create (b6-b)', createB.ms], ['read', read.ms], ['delete', del.ms],
          [`reference: ${N} x associations/set (extrapolated)`, refMs]]
      }]
    }
  } finally {
    await server.stop()
  }
}
