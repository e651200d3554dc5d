/** Lease keepers for the lease tests: N replicas in this process, sharing VAULTS. */
import type { Test } from 'tap'
import { LeaseKeeper } from '../../../db/pg/lease-keeper.js'
import { readLeases } from '../../../db/pg/leases.js'
import type { PgTx } from '../../../db/pg/connection.js'
import { capturingLog } from './pg-test-kit.js'

/** The balanced lease names (one per Key Vault host). */
export const VAULTS = ['vault:kv1.vault.azure.net', 'vault:kv2.vault.azure.net', 'vault:kv3.vault.azure.net', 'vault:kv4.vault.azure.net', 'vault:kv5.vault.azure.net']

export interface TestReplica { id: string, keeper: LeaseKeeper, events: string[], lines: string[] }

/** Starts one keeper per id on `url` (TTL 2 s, ticks every 600 ms); closed at teardown. */
export async function startKeepers (t: Test, url: string, ids: string[], ttlMs = 2000, renewEveryMs = 600): Promise<TestReplica[]> {
  const out: TestReplica[] = []
  for (const id of ids) {
    const { log, lines } = capturingLog()
    const events: string[] = []
    const keeper = new LeaseKeeper({
      settings: { connectionUrl: url, maxParallel: 1, replica: id },
      replica: id,
      ttlMs,
      renewEveryMs,
      singletons: ['maintenance'],
      balanced: async () => VAULTS,
      onAcquired: (f) => events.push(`got ${f.name} ${f.epoch}`),
      onLost: (f, why) => events.push(`lost ${f.name} ${why}`),
      log
    })
    out.push({ id, keeper, events, lines })
  }
  await Promise.all(out.map(async (r) => await r.keeper.start()))
  t.teardown(async () => { for (const r of out) await r.keeper.close() })
  return out
}

/**
 * True when every lease (VAULTS and maintenance) is live in the database, held by exactly the
 * replica that believes it holds it, and no replica believes it holds one it does not.
 */
export async function ownersAgree (q: PgTx, replicas: TestReplica[]): Promise<boolean> {
  const rows = await readLeases(q, [...VAULTS, 'maintenance'])
  if (rows.length !== VAULTS.length + 1 || rows.some((r) => !r.live)) return false
  for (const r of rows) {
    const believers = replicas.filter((x) => x.keeper.fence(r.name)?.epoch === r.epoch).map((x) => x.id)
    if (believers.length !== 1 || believers[0] !== r.holder) return false
  }
  return replicas.every((x) => x.keeper.heldNames().every((n) => rows.some((r) => r.name === n && r.holder === x.id)))
}
