/**
 * The PostgreSQL-only migrations of replica leases (issue 18, `leases.ts`): the `leases` and
 * `replicas` tables, and the key a settle's fence check locks. `schema.ts` lists them in their
 * places; shipped: never edit them.
 */

/**
 * Replicas (issue 18): named leases with fencing epochs on the database clock, and the
 * heartbeats that tell which replicas are alive (leases.ts).
 */
export const LEASES_MIGRATION: { readonly name: string, readonly sql: string } = {
  name: 'leases',
  sql: `
  CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT,
    epoch       BIGINT NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
  );
  CREATE TABLE replicas (
    id           TEXT PRIMARY KEY,
    address      TEXT,
    started_at   TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
  );
  `
}

/**
 * Issue 18 (failover test): makes `epoch` a key column, so a settle's fence check can lock
 * its lease row FOR KEY SHARE (leases.ts `FENCE_SQL`). A take-over (epoch + 1) then takes
 * the row's FOR UPDATE lock and waits for the settles in flight, while the holder's renewal
 * (expires_at only) no longer waits for them: under FOR SHARE, a stream of overlapping
 * settles starved the renewals for seconds and the lease of a busy, live replica expired.
 */
export const LEASE_EPOCH_KEY_MIGRATION: { readonly name: string, readonly sql: string } = {
  name: 'lease-epoch-key',
  sql: `
  CREATE UNIQUE INDEX leases_name_epoch ON leases (name, epoch);
  `
}
