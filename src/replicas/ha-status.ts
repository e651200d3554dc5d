/**
 * What `sys/leader` and `sys/seal-status` say about high availability (issue 18,
 * https://developer.hashicorp.com/vault/api-docs/system/leader). On SQLite one process is the
 * whole server: HA is off, as today. On PostgreSQL every replica serves the whole API (so
 * `sys/health` answers 200 on each: never Vault's 429 standby code, which would make load
 * balancers set up for Vault drain healthy replicas) and the "leader" is the holder of the
 * `maintenance` lease, the replica that runs reconciliation, clean-up and drift sweeps.
 */

/** The holder of the maintenance lease, as this replica sees it. */
export interface LeaderView {
  /** True when this replica holds it. */
  isSelf: boolean
  /** The holder's advertised address (`api_addr`, else its listen URL); '' when none holds it. */
  address: string
  /** When the holder took the lease (undefined when none holds it). */
  since: Date | undefined
}

/** The HA facts of this process's storage. */
export interface HaStatus {
  /** Vault's `storage_type` (`sys/seal-status`). */
  storageType: 'sqlite' | 'postgresql'
  /** Vault's `ha_enabled`. */
  enabled: boolean
  /** The current leader (asked on each `sys/leader`; only when `enabled`). */
  leader: () => Promise<LeaderView>
  /**
   * False while this replica has lost contact with its storage (PostgreSQL: no lease-keeper
   * tick answered within the lease TTL); absent on SQLite (embedded: always reachable).
   */
  storageReachable?: () => boolean
}

/** One process on SQLite: no HA. */
export const SINGLE_PROCESS: HaStatus = Object.freeze({
  storageType: 'sqlite',
  enabled: false,
  leader: async () => ({ isSelf: false, address: '', since: undefined })
})

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
