/**
 * What the failover test (`failover.test.ts`) sees in the database, on its own connections:
 * - `installSettleAudit`: triggers the test installs (never the product) that record, for every
 *   settle (an UPDATE of `associations.settled_lease`/`settled_epoch`, which the worker's
 *   `repos.fencing.settle` makes), the lease row as it is at that moment AND at the commit of
 *   the settle's transaction (a deferred constraint trigger), with the settling connection's
 *   `application_name` (`vault-sync/<replica>/pool`); and every change of the `leases` table.
 * - `startLeaseSampler`: the `leases` table read every `everyMs`, each row judged live or not
 *   on the database clock (`clock_timestamp()` of the same statement).
 */
import pg from 'pg'

/** One settle as the audit trigger saw it. */
export interface SettleRecord {
  phase: 'update' | 'commit'
  association: string
  lease: string
  epoch: number
  /** `application_name` of the settling connection. */
  app: string
  /** The lease row then: holder, epoch, live on the database clock. */
  holder: string | null
  currentEpoch: number | null
  live: boolean
}

/** Installs the audit tables and triggers (the schema must exist: after a replica migrated it). */
export async function installSettleAudit (c: pg.Client): Promise<void> {
  await c.query(`
    CREATE TABLE test_settles (at timestamptz NOT NULL, phase text NOT NULL, association text NOT NULL, lease text, epoch bigint,
      app text NOT NULL, holder text, current_epoch bigint, live boolean NOT NULL);
    CREATE FUNCTION test_settle_audit () RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO test_settles SELECT clock_timestamp(), TG_ARGV[0], NEW.id, NEW.settled_lease, NEW.settled_epoch,
        current_setting('application_name'), l.holder, l.epoch, coalesce(l.holder IS NOT NULL AND l.expires_at > clock_timestamp(), false)
      FROM (SELECT 1) one LEFT JOIN leases l ON l.name = NEW.settled_lease;
      RETURN NULL;
    END $$;
    CREATE TRIGGER test_settle_update AFTER UPDATE OF settled_lease, settled_epoch ON associations
      FOR EACH ROW EXECUTE FUNCTION test_settle_audit('update');
    CREATE CONSTRAINT TRIGGER test_settle_commit AFTER UPDATE OF settled_lease, settled_epoch ON associations
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_settle_audit('commit');
    CREATE TABLE test_lease_history (at timestamptz NOT NULL, name text NOT NULL, holder text, epoch bigint NOT NULL,
      acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL);
    CREATE FUNCTION test_lease_audit () RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO test_lease_history VALUES (clock_timestamp(), NEW.name, NEW.holder, NEW.epoch, NEW.acquired_at, NEW.expires_at);
      RETURN NULL;
    END $$;
    CREATE TRIGGER test_lease_audit AFTER INSERT OR UPDATE ON leases FOR EACH ROW EXECUTE FUNCTION test_lease_audit();
  `)
}

/** Every settle recorded so far. */
export async function settles (c: pg.Client): Promise<SettleRecord[]> {
  return (await c.query(`SELECT phase, association, lease, epoch::int, app, holder, current_epoch::int AS "currentEpoch", live
    FROM test_settles ORDER BY at`)).rows
}

/** One acquisition of a lease (a new epoch): who, and when on the database clock (ms since the epoch). */
export interface Acquisition { name: string, holder: string, epoch: number, acquiredAt: number }

/** Every acquisition of a lease since the audit was installed (first row of each epoch). */
export async function acquisitions (c: pg.Client): Promise<Acquisition[]> {
  return (await c.query(`SELECT DISTINCT ON (name, epoch) name, holder, epoch::int, (extract(epoch FROM acquired_at) * 1000)::float8 AS "acquiredAt"
    FROM test_lease_history WHERE holder IS NOT NULL ORDER BY name, epoch, at`)).rows
}

/** The last expiry a lease epoch reached (ms, database clock). */
export async function lastExpiry (c: pg.Client, name: string, epoch: number): Promise<number> {
  return (await c.query(`SELECT (extract(epoch FROM max(expires_at)) * 1000)::float8 AS t FROM test_lease_history
    WHERE name = $1 AND epoch = $2 AND holder IS NOT NULL`, [name, epoch])).rows[0].t
}

/** A lease row in a sample. */
export interface SampledLease { name: string, holder: string | null, epoch: number, live: boolean }

/** The `leases` table at one moment (`at`: database clock, ms). */
export interface LeaseSample { at: number, leases: SampledLease[] }

/** Reads the leases table every `everyMs` until `stop()`, which resolves the samples. */
export function startLeaseSampler (url: string, everyMs: number): { stop: () => Promise<LeaseSample[]>, latest: () => LeaseSample | undefined } {
  const samples: LeaseSample[] = []
  const c = new pg.Client({ connectionString: url })
  c.on('error', () => {})
  const state = { stopped: false }
  const loop = (async () => {
    await c.connect()
    while (!state.stopped) { // a query failing (the database dropped under a failed test) ends the loop
      const started = Date.now()
      const r = await c.query<{ at: number, name: string, holder: string | null, epoch: number, live: boolean }>(`SELECT
        (extract(epoch FROM now) * 1000)::float8 AS at, l.name, l.holder, l.epoch::int, (l.holder IS NOT NULL AND l.expires_at > now) AS live
        FROM (SELECT clock_timestamp() AS now) n LEFT JOIN leases l ON true`)
      samples.push({ at: r.rows[0].at, leases: r.rows.filter((x) => x.name !== null).map(({ name, holder, epoch, live }) => ({ name, holder, epoch, live })) })
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, everyMs - (Date.now() - started))))
    }
  })().catch(() => {})
  return {
    latest: () => samples[samples.length - 1],
    stop: async () => {
      state.stopped = true
      await loop
      await c.end().catch(() => {})
      return samples
    }
  }
}

/** The live holder of `name` in a sample, or undefined. */
export function liveHolder (s: LeaseSample, name: string): SampledLease | undefined {
  return s.leases.find((l) => l.name === name && l.live)
}
