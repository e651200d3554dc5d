/**
 * Bench 2's PostgreSQL row (issue 18): three `server -dev` replicas on one database of the run's
 * throwaway PostgreSQL, worker on in each, pointed at the emulator. Bench 2 runs its bulk sync
 * through them (secrets written and associated round-robin through the three APIs, the worker
 * held and released through the first) on its own vault at the same 300 writes / 10 s limit.
 * The vault's lease (`vault:<key>`) gives one replica all of that vault's writes, so its rate
 * limiter stays in one process: by design, and what `lease_holders` shows (a replica's id holds
 * its process id: `replica_pids` lists them in start order).
 */
import type { BenchContext } from './lib/context.js'
import { startPgReplicas } from './lib/postgres.js'
import { vaultHttp, type VaultHttp } from './lib/vault-http.js'

export const REPLICAS = 3

/**
 * Runs `work` against the replicas' APIs, then reads who holds which lease and stops them;
 * undefined with `--no-postgresql`. @throws PostgresMissingError without PostgreSQL.
 */
export async function onReplicas<T> (ctx: BenchContext, work: (apis: VaultHttp[]) => Promise<T>): Promise<{ figures: T, replicas: number, replica_pids: number[], lease_holders: Record<string, string> } | undefined> {
  const pg = await ctx.postgres()
  if (pg === undefined) return undefined
  const db = 'b2_replicas'
  const url = await pg.database(db)
  ctx.log(`bench 2: starting ${REPLICAS} replicas on PostgreSQL`)
  const replicas = await startPgReplicas({ dir: ctx.dir, label: 'b2-pg', url, count: REPLICAS, env: ctx.azure.serverEnv })
  try {
    const figures = await work(replicas.map((r) => vaultHttp(r.address)))
    const rows = await pg.query<{ name: string, holder: string | null }>(db, 'SELECT name, holder FROM leases ORDER BY name')
    return { figures, replicas: REPLICAS, replica_pids: replicas.map((r) => r.pid), lease_holders: Object.fromEntries(rows.map((r) => [r.name, r.holder ?? '(none)'])) }
  } finally {
    for (const r of replicas) await r.stop()
  }
}
