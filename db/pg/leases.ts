/**
 * Named leases with fencing epochs, on the database clock (table `leases`, migration 2), and
 * replica heartbeats (table `replicas`). A lease is held by one holder until `expires_at`;
 * every acquisition after a vacancy increments `epoch`, so a settle carrying an older epoch can
 * be refused (`assertFence`). Vault's own PostgreSQL HA lock works the same way
 * (`vault_ha_locks`, https://developer.hashicorp.com/vault/docs/configuration/storage/postgresql).
 * All functions take a `PgTx`-shaped query function; `lease-keeper.ts` runs them on its own
 * dedicated connection.
 */
import type { PgTx } from './connection.js'
import { LeaseLostError, type Fence } from '../store/fence.js'

export { LeaseLostError, type Fence } from '../store/fence.js'

const TTL = 'make_interval(secs => $3::double precision / 1000)'

/**
 * Takes `name` for `holder` for `ttlMs` when it is vacant (never taken, released or expired);
 * resolves the new fence, or `undefined` when someone else holds it.
 */
export async function acquireLease (q: PgTx, name: string, holder: string, ttlMs: number): Promise<Fence | undefined> {
  const rows = await q.query<{ epoch: number }>(`
    INSERT INTO leases AS l (name, holder, epoch, acquired_at, expires_at)
    VALUES ($1, $2, 1, clock_timestamp(), clock_timestamp() + ${TTL})
    ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, epoch = l.epoch + 1,
      acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
    WHERE l.holder IS NULL OR l.expires_at <= clock_timestamp()
    RETURNING epoch`, [name, holder, ttlMs])
  return rows.length === 0 ? undefined : { name, holder, epoch: rows[0].epoch }
}

/** Extends a lease still held with `fence` by `ttlMs` from now; false when it was lost. */
export async function renewLease (q: PgTx, fence: Fence, ttlMs: number): Promise<boolean> {
  const rows = await q.query(`
    UPDATE leases SET expires_at = clock_timestamp() + ${TTL}
    WHERE name = $1 AND holder = $2 AND epoch = $4 AND expires_at > clock_timestamp()
    RETURNING 1`, [fence.name, fence.holder, ttlMs, fence.epoch])
  return rows.length === 1
}

/** Gives a lease up at once (others may take it immediately); no-op when no longer held. */
export async function releaseLease (q: PgTx, fence: Fence): Promise<void> {
  await q.query('UPDATE leases SET holder = NULL, expires_at = clock_timestamp() WHERE name = $1 AND holder = $2 AND epoch = $3',
    [fence.name, fence.holder, fence.epoch])
}

/**
 * `assertFence`'s statement ($1 name, $2 holder, $3 epoch): a row when the fence holds; locks it
 * FOR KEY SHARE. `epoch` is a key column (unique index `leases_name_epoch`), so a take-over's
 * epoch change waits for the lock, while the holder's renewals (`expires_at` only) pass it:
 * FOR SHARE would make renewals wait behind every settle in flight, and a stream of overlapping
 * settles can starve them until the lease of a live holder expires.
 */
export const FENCE_SQL = `SELECT 1 FROM leases WHERE name = $1 AND holder = $2 AND epoch = $3
    AND expires_at > clock_timestamp() FOR KEY SHARE`

/**
 * Inside a settle's transaction: checks that `fence` still holds its lease and keeps the lease
 * row key-share-locked until the transaction ends, so no one can take the lease in between (a
 * take-over changes the key column `epoch`).
 * @throws LeaseLostError when the lease expired, was released or was taken by someone else.
 */
export async function assertFence (tx: PgTx, fence: Fence): Promise<void> {
  const rows = await tx.query(FENCE_SQL, [fence.name, fence.holder, fence.epoch])
  if (rows.length === 0) throw new LeaseLostError(fence)
}

/** Who holds what, as the database sees it now. */
export interface LeaseRow { name: string, holder: string | null, epoch: number, live: boolean }

/** The leases named `names` (all when omitted), in name order. */
export async function readLeases (q: PgTx, names?: readonly string[]): Promise<LeaseRow[]> {
  return await q.query<LeaseRow>(`SELECT name, holder, epoch, (holder IS NOT NULL AND expires_at > clock_timestamp()) AS live
    FROM leases ${names === undefined ? '' : 'WHERE name = ANY($1)'} ORDER BY name`, names === undefined ? [] : [[...names]])
}

/** Records that `replica` is alive for `ttlMs` from now. */
export async function heartbeat (q: PgTx, replica: string, address: string | undefined, ttlMs: number): Promise<void> {
  await q.query(`INSERT INTO replicas (id, address, started_at, heartbeat_at, expires_at)
    VALUES ($1, $2, clock_timestamp(), clock_timestamp(), clock_timestamp() + ${TTL})
    ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address, heartbeat_at = EXCLUDED.heartbeat_at, expires_at = EXCLUDED.expires_at`,
  [replica, address ?? null, ttlMs])
}

/** Removes `replica`'s heartbeat (a clean shutdown: the others rebalance at once). */
export async function forgetReplica (q: PgTx, replica: string): Promise<void> {
  await q.query('DELETE FROM replicas WHERE id = $1', [replica])
}

/** Ids of the replicas whose heartbeat has not expired, sorted. */
export async function liveReplicas (q: PgTx): Promise<string[]> {
  return (await q.query<{ id: string }>('SELECT id FROM replicas WHERE expires_at > clock_timestamp() ORDER BY id')).map((r) => r.id)
}

/**
 * How many of `count` balanced leases `replica` should hold among `live` (sorted ids):
 * an even split, the remainder going to the first replicas by id. 0 when it is not live.
 */
export function fairShare (live: readonly string[], replica: string, count: number): number {
  const rank = live.indexOf(replica)
  if (rank < 0) return 0
  return Math.floor(count / live.length) + (rank < count % live.length ? 1 : 0)
}

/** The live holder of lease `name` and its heartbeat address (for `sys/leader`), if any. */
export async function leaseHolder (q: PgTx, name: string): Promise<{ holder: string, epoch: number, address: string | null, acquiredAt: Date } | undefined> {
  const rows = await q.query<{ holder: string, epoch: number, address: string | null, acquiredAt: Date }>(`SELECT l.holder, l.epoch, r.address, l.acquired_at AS "acquiredAt"
    FROM leases l LEFT JOIN replicas r ON r.id = l.holder
    WHERE l.name = $1 AND l.holder IS NOT NULL AND l.expires_at > clock_timestamp()`, [name])
  return rows[0]
}

/** A replica as `sys/ha-status` lists it. */
export interface ReplicaMember {
  id: string
  /** Its advertised address (its heartbeat's), null when it gave none. */
  address: string | null
  /** Its last heartbeat (database clock); null for a lease holder without a `replicas` row. */
  heartbeatAt: Date | null
  /** True when it is the live holder of the lease asked about. */
  holdsLease: boolean
}

/**
 * The live replicas (heartbeat not expired), sorted by id, each with whether it is the live
 * holder of lease `name`. That holder is listed even when its heartbeat lapsed or its row is
 * gone, since `leaseHolder` (`sys/leader`) names it all the same. One statement, so the list and
 * the holder come from one snapshot.
 */
export async function replicaMembers (q: PgTx, name: string): Promise<ReplicaMember[]> {
  return await q.query<ReplicaMember>(`WITH h AS (SELECT holder FROM leases WHERE name = $1 AND holder IS NOT NULL AND expires_at > clock_timestamp())
    SELECT r.id, r.address, r.heartbeat_at AS "heartbeatAt", h.holder IS NOT NULL AS "holdsLease"
      FROM replicas r LEFT JOIN h ON h.holder = r.id
      WHERE r.expires_at > clock_timestamp() OR h.holder IS NOT NULL
    UNION ALL
    SELECT h.holder, NULL, NULL, true FROM h WHERE NOT EXISTS (SELECT 1 FROM replicas r WHERE r.id = h.holder)
    ORDER BY 1`, [name])
}
