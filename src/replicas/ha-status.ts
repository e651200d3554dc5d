/**
 * What `sys/leader`, `sys/ha-status` and `sys/seal-status` say about high availability (issue
 * 18, https://developer.hashicorp.com/vault/api-docs/system/leader and
 * https://developer.hashicorp.com/vault/api-docs/system/ha-status). On SQLite one process is the
 * whole server: HA is off, as today, and `sys/ha-status` lists that one process as the active
 * node (Vault lists its active node whatever its storage). On PostgreSQL every replica serves
 * the whole API (so `sys/health` answers 200 on each: never Vault's 429 standby code, which
 * would make load balancers set up for Vault drain healthy replicas) and the "leader" is the
 * holder of the `maintenance` lease, the replica that runs reconciliation, clean-up and drift
 * sweeps; `sys/ha-status` lists every live replica of the heartbeat table, that one active.
 */
import { hostname } from 'node:os'

/** The holder of the maintenance lease, as this replica sees it. */
export interface LeaderView {
  /** True when this replica holds it. */
  isSelf: boolean
  /** The holder's advertised address (`api_addr`, else its listen URL); '' when none holds it. */
  address: string
  /** When the holder took the lease (undefined when none holds it). */
  since: Date | undefined
}

/** One node of the cluster, as `sys/ha-status` lists it. */
export interface HaMember {
  /** Vault's `hostname`: the replica id on PostgreSQL, the host name on SQLite. */
  name: string
  /** Its advertised address (`api_addr`, else its listen URL); '' when unknown. */
  address: string
  /** True for the leader (the `maintenance` holder on PostgreSQL; the one process on SQLite). */
  active: boolean
  /** When it was last heard of (its last heartbeat on PostgreSQL); undefined when not known. */
  lastSeen: Date | undefined
}

/** The HA facts of this process's storage. */
export interface HaStatus {
  /** Vault's `storage_type` (`sys/seal-status`). */
  storageType: 'sqlite' | 'postgresql'
  /** Vault's `ha_enabled`. */
  enabled: boolean
  /** The current leader (asked on each `sys/leader`; only when `enabled`). */
  leader: () => Promise<LeaderView>
  /** The nodes of the cluster (asked on each `sys/ha-status`), in any order. */
  members: () => Promise<HaMember[]>
  /**
   * False while this replica has lost contact with its storage (PostgreSQL: no lease-keeper
   * tick answered within the lease TTL); absent on SQLite (embedded: always reachable).
   */
  storageReachable?: () => boolean
}

/**
 * One process on SQLite: no HA; `sys/ha-status` lists this process alone, active, at
 * `address()` (known once the API listens).
 */
export function singleProcess (address: () => string): HaStatus {
  return Object.freeze({
    storageType: 'sqlite',
    enabled: false,
    leader: async () => ({ isSelf: false, address: '', since: undefined }),
    members: async () => [{ name: hostname(), address: address(), active: true, lastSeen: undefined }]
  })
}

/** One process on SQLite whose address is not known (an app built without a listening server). */
export const SINGLE_PROCESS: HaStatus = singleProcess(() => '')

/** Vault's zero time, `active_time` of a node that is not the active one. */
const ZERO_TIME = '0001-01-01T00:00:00Z'

/** The body of `GET sys/leader` (Vault's `LeaderResponse`, `LeaderSchema`). */
export async function leaderBody (ha: HaStatus): Promise<Record<string, unknown>> {
  const l = ha.enabled ? await ha.leader() : undefined
  return {
    ha_enabled: ha.enabled,
    is_self: l?.isSelf ?? false,
    // Vault reports its active time on the active node only.
    active_time: l?.isSelf === true && l.since !== undefined ? l.since.toISOString() : ZERO_TIME,
    leader_address: l?.address ?? '',
    leader_cluster_address: '',
    performance_standby: false,
    performance_standby_last_remote_wal: 0
  }
}

/**
 * The `nodes` of `GET sys/ha-status` (Vault's `HAStatusNode`, vault/logical_system.go, filled
 * by `getHAMembers` in vault/ha.go): sorted by `api_address` as Vault does (then by hostname);
 * `last_echo` null for the active node, as Vault builds its own entry without one, and the last
 * heartbeat (RFC 3339) for the others. No cluster port, echo RPCs or Raft here: `cluster_address`
 * is '' (as `sys/leader`'s `leader_cluster_address`), the three measures 0, and
 * `upgrade_version` / `redundancy_zone` are left out, as Vault's `omitempty` leaves them out
 * off Raft storage. Every node reports `version` (the API level every vault-sync build follows).
 */
export async function haStatusNodes (ha: HaStatus, version: string): Promise<Array<Record<string, unknown>>> {
  const members = [...await ha.members()].sort((a, b) => compare(a.address, b.address) || compare(a.name, b.name))
  return members.map((m) => ({
    hostname: m.name,
    api_address: m.address,
    cluster_address: '',
    active_node: m.active,
    last_echo: m.active || m.lastSeen === undefined ? null : m.lastSeen.toISOString(),
    version,
    echo_duration_ms: 0,
    clock_skew_ms: 0,
    replication_primary_canary_age_ms: 0
  }))
}

/** Byte-order comparison (Go's `<` on strings, for ASCII addresses). */
function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
