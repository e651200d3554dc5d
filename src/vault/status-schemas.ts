/**
 * TypeBox schemas of the status endpoints (spec/vault-core-kv-api.md §1.9): the unauthenticated
 * `sys/health`, `sys/seal-status`, `sys/leader`, `sys/init`, which answer without the envelope,
 * and `sys/ha-status` (a token with `read` on it; the envelope, `nodes` also at the top level).
 * Used for `openapi.yaml`; the routes build these bodies themselves.
 */
import { Type } from 'typebox'
import { named } from '../openapi/schema-json.js'

const CLUSTER = { cluster_name: 'vault-cluster-1a2b3c4d', cluster_id: '0e7c5d7a-3f1b-4c2d-9a8e-6b5f4d3c2a1b' }

/** `GET sys/health`. */
export const HealthSchema = named('HealthStatus', Type.Object({
  initialized: Type.Boolean(),
  sealed: Type.Boolean(),
  standby: Type.Boolean(),
  performance_standby: Type.Boolean(),
  replication_performance_mode: Type.String(),
  replication_dr_mode: Type.String(),
  server_time_utc: Type.Integer({ description: 'Unix time in seconds' }),
  version: Type.String({ description: 'The Vault API level vault-sync follows' }),
  enterprise: Type.Boolean(),
  cluster_name: Type.String(),
  cluster_id: Type.String(),
  echo_duration_ms: Type.Integer(),
  clock_skew_ms: Type.Integer(),
  replication_primary_canary_age_ms: Type.Integer()
}, {
  examples: [{
    initialized: true, sealed: false, standby: false, performance_standby: false, replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled', server_time_utc: 1768472430, version: '1.21.0', enterprise: false, ...CLUSTER,
    echo_duration_ms: 0, clock_skew_ms: 0, replication_primary_canary_age_ms: 0
  }]
}))

const code = (description: string) => Type.Optional(Type.Integer({ description: `${description}; 200-599, else 400`, minimum: 200, maximum: 599 }))

/** The query of `sys/health`: status codes to answer with (vault-sync is always active). */
export const HealthQuerySchema = Type.Object({
  standbyok: Type.Optional(Type.Boolean({ description: 'Accepted; vault-sync is never a standby' })),
  perfstandbyok: Type.Optional(Type.Boolean({ description: 'Accepted; vault-sync is never a performance standby' })),
  activecode: code('Status code to answer with (default 200)'),
  standbycode: code('Accepted (must be an integer); never used'),
  drsecondarycode: code('Accepted (must be an integer); never used'),
  performancestandbycode: code('Accepted (must be an integer); never used'),
  sealedcode: code('Accepted (must be an integer); never used'),
  uninitcode: code('Accepted (must be an integer); never used'),
  haunhealthycode: code('Status code while this replica cannot reach its PostgreSQL storage (default 474)'),
  removedcode: code('Accepted (must be an integer); never used')
})

/** `GET sys/seal-status`. */
export const SealStatusSchema = named('SealStatus', Type.Object({
  type: Type.String(),
  initialized: Type.Boolean(),
  sealed: Type.Boolean(),
  t: Type.Integer(),
  n: Type.Integer(),
  progress: Type.Integer(),
  nonce: Type.String(),
  version: Type.String(),
  build_date: Type.String(),
  migration: Type.Boolean(),
  cluster_name: Type.String(),
  cluster_id: Type.String(),
  recovery_seal: Type.Boolean(),
  storage_type: Type.String()
}, {
  examples: [{
    type: 'shamir', initialized: true, sealed: false, t: 1, n: 1, progress: 0, nonce: '', version: '1.21.0',
    build_date: '2025-10-01T00:00:00Z', migration: false, ...CLUSTER, recovery_seal: false, storage_type: 'sqlite'
  }]
}))

/** `GET sys/leader`. */
export const LeaderSchema = named('LeaderStatus', Type.Object({
  ha_enabled: Type.Boolean(),
  is_self: Type.Boolean(),
  active_time: Type.String(),
  leader_address: Type.String(),
  leader_cluster_address: Type.String(),
  performance_standby: Type.Boolean(),
  performance_standby_last_remote_wal: Type.Integer()
}, {
  examples: [{
    ha_enabled: false, is_self: false, active_time: '0001-01-01T00:00:00Z', leader_address: '', leader_cluster_address: '',
    performance_standby: false, performance_standby_last_remote_wal: 0
  }]
}))

/** `GET sys/init`. */
export const InitStatusSchema = named('InitStatus', Type.Object({ initialized: Type.Boolean() }, { examples: [{ initialized: true }] }))

/** One node of `GET sys/ha-status` (Vault's `HAStatusNode`, vault/logical_system.go). */
const HaNodeSchema = named('HaStatusNode', Type.Object({
  hostname: Type.String({ description: 'The replica id on PostgreSQL (`<host>-<pid>-<random>` by default); the host name on SQLite' }),
  api_address: Type.String({ description: 'Its advertised address (`api_addr`, else its listen URL); nodes are sorted by it, as in Vault' }),
  cluster_address: Type.String({ description: 'Always empty: vault-sync has no cluster port' }),
  active_node: Type.Boolean({ description: 'True for the node `sys/leader` names (on PostgreSQL the holder of the `maintenance` lease; on SQLite the one process)' }),
  // A type list, not anyOf (as the other nullable fields of the document).
  last_echo: Type.Unsafe<string | null>({ type: ['string', 'null'], description: 'Its last heartbeat (RFC 3339); null for the active node, as in Vault' }),
  version: Type.String({ description: 'The Vault API level vault-sync follows' }),
  upgrade_version: Type.Optional(Type.String({ description: 'Raft storage only in Vault: never sent by vault-sync' })),
  redundancy_zone: Type.Optional(Type.String({ description: 'Raft storage only in Vault: never sent by vault-sync' })),
  echo_duration_ms: Type.Integer({ description: 'Always 0 (no echo RPCs between replicas)' }),
  clock_skew_ms: Type.Integer({ description: 'Always 0 (every replica uses the database clock)' }),
  replication_primary_canary_age_ms: Type.Integer({ description: 'Always 0 (no replication)' })
}))

/** `GET sys/ha-status`'s `data` (injected at the top level too). */
export const HaStatusSchema = named('HaStatus', Type.Object({
  nodes: Type.Array(HaNodeSchema, { description: 'Every live node: on PostgreSQL each replica with a live heartbeat, on SQLite this process alone' })
}, {
  examples: [{
    nodes: [{
      hostname: 'vault-sync-1', api_address: 'http://127.0.0.1:8200', cluster_address: '', active_node: true, last_echo: null,
      version: '1.21.0', echo_duration_ms: 0, clock_skew_ms: 0, replication_primary_canary_age_ms: 0
    }]
  }]
}))
