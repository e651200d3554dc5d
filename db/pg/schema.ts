/**
 * PostgreSQL schema migrations, applied in order by `migrate.ts` (migration i has version i+1,
 * recorded in `schema_migrations`). Append only: never edit a migration that has shipped.
 *
 * Migration 1 is the SQLite schema of `db/migrations.ts` (its migrations 1-5) in one step, with
 * the same tables, columns and meanings so one set of row mappers serves both engines: times
 * and counters are BIGINT (epoch ms or µs as on SQLite; parsed to numbers, connection.ts),
 * flags stay INTEGER 0/1, sealed values BYTEA.
 */
import { CHANGE_NOTIFY_MIGRATION } from './change-triggers.js'
import { LEASE_EPOCH_KEY_MIGRATION, LEASES_MIGRATION } from './lease-schema.js'

export interface PgMigration {
  /** Short name, recorded with the version. */
  name: string
  sql: string
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    name: 'sqlite-schema-5',
    sql: `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BYTEA NOT NULL
  );
  CREATE TABLE tokens (
    accessor         TEXT PRIMARY KEY,
    id_hash          TEXT NOT NULL UNIQUE,
    policies         TEXT NOT NULL,
    path             TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    meta             TEXT,
    num_uses         BIGINT NOT NULL DEFAULT 0,
    creation_time    BIGINT NOT NULL,
    creation_ttl     BIGINT NOT NULL DEFAULT 0,
    explicit_max_ttl BIGINT NOT NULL DEFAULT 0,
    expire_time_ms   BIGINT,
    renewable        INTEGER NOT NULL DEFAULT 0,
    orphan           INTEGER NOT NULL DEFAULT 1,
    parent_accessor  TEXT REFERENCES tokens(accessor) ON DELETE CASCADE,
    period           BIGINT NOT NULL DEFAULT 0,
    last_renewal_ms  BIGINT
  );
  CREATE INDEX tokens_parent ON tokens(parent_accessor);
  CREATE TABLE mounts (
    accessor                TEXT PRIMARY KEY,
    path                    TEXT NOT NULL UNIQUE,
    type                    TEXT NOT NULL,
    uuid                    TEXT NOT NULL,
    description             TEXT NOT NULL DEFAULT '',
    options                 TEXT,
    config                  TEXT NOT NULL DEFAULT '{}',
    local                   INTEGER NOT NULL DEFAULT 0,
    seal_wrap               INTEGER NOT NULL DEFAULT 0,
    external_entropy_access INTEGER NOT NULL DEFAULT 0,
    builtin                 INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE kv_config (
    accessor             TEXT PRIMARY KEY REFERENCES mounts(accessor) ON DELETE CASCADE,
    max_versions         BIGINT NOT NULL DEFAULT 0,
    cas_required         INTEGER NOT NULL DEFAULT 0,
    delete_version_after BIGINT NOT NULL DEFAULT 0
  );
  CREATE TABLE kv_metadata (
    accessor             TEXT NOT NULL REFERENCES mounts(accessor) ON DELETE CASCADE,
    path                 TEXT NOT NULL,
    current_version      BIGINT NOT NULL DEFAULT 0,
    oldest_version       BIGINT NOT NULL DEFAULT 0,
    created_time         BIGINT NOT NULL,
    updated_time         BIGINT NOT NULL,
    max_versions         BIGINT NOT NULL DEFAULT 0,
    cas_required         INTEGER NOT NULL DEFAULT 0,
    delete_version_after BIGINT NOT NULL DEFAULT 0,
    custom_metadata      BYTEA,
    PRIMARY KEY (accessor, path)
  );
  CREATE TABLE kv_versions (
    accessor      TEXT NOT NULL,
    path          TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_time  BIGINT NOT NULL,
    deletion_time BIGINT,
    destroyed     INTEGER NOT NULL DEFAULT 0,
    data          BYTEA,
    PRIMARY KEY (accessor, path, version),
    FOREIGN KEY (accessor, path) REFERENCES kv_metadata(accessor, path) ON DELETE CASCADE
  );
  CREATE TABLE destinations (
    id                 TEXT PRIMARY KEY,
    type               TEXT NOT NULL,
    name               TEXT NOT NULL,
    connection         TEXT NOT NULL,
    sealed_secrets     BYTEA,
    options            TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    purge_state        TEXT CHECK (purge_state IN ('purging', 'purge_failed')),
    purge_initiated_at BIGINT,
    purge_error        TEXT,
    deleted_at         BIGINT
  );
  CREATE UNIQUE INDEX destinations_live_name ON destinations (type, name) WHERE deleted_at IS NULL;
  CREATE TABLE associations (
    id             TEXT PRIMARY KEY,
    destination_id TEXT NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
    accessor       TEXT NOT NULL,
    mount_path     TEXT NOT NULL,
    secret_path    TEXT NOT NULL,
    granularity    TEXT NOT NULL CHECK (granularity IN ('secret-path', 'secret-key')),
    name_template  TEXT NOT NULL,
    removed        INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL,
    message        TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (destination_id, accessor, secret_path)
  );
  CREATE INDEX associations_by_secret ON associations (accessor, secret_path);
  CREATE TABLE association_targets (
    association_id   TEXT NOT NULL REFERENCES associations(id) ON DELETE CASCADE,
    sub_key          TEXT NOT NULL,
    external_name    TEXT,
    external_version TEXT,
    status           TEXT NOT NULL,
    message          TEXT,
    digest           TEXT,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (association_id, sub_key)
  );
  CREATE INDEX association_targets_by_name ON association_targets (lower(external_name));
  CREATE TABLE sync_outbox (
    association_id   TEXT PRIMARY KEY REFERENCES associations(id) ON DELETE CASCADE,
    generation       BIGINT NOT NULL,
    refresh          INTEGER NOT NULL DEFAULT 0,
    lease_until      BIGINT,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    first_failure_at BIGINT
  );
  CREATE INDEX sync_outbox_due ON sync_outbox (next_attempt_at);
  CREATE TABLE acl_policies (
    name  TEXT PRIMARY KEY,
    raw   TEXT NOT NULL,
    rules TEXT NOT NULL
  );
  `
  },
  // PostgreSQL only (issue 18): replica leases and heartbeats (lease-schema.ts).
  LEASES_MIGRATION,
  {
    // SQLite migration 6 (issue 17): the worker's "next due row" reads the few leased rows
    // through this index instead of scanning the outbox.
    name: 'outbox-leased-index',
    sql: `
  CREATE INDEX sync_outbox_leased ON sync_outbox (lease_until) WHERE lease_until IS NOT NULL;
  `
  },
  {
    // SQLite migration 7 (issue 22): association rules, the origin of each rule-made
    // association, and the exclusions made by removing one explicitly (src/rules/).
    name: 'association-rules',
    sql: `
  CREATE TABLE association_rules (
    id              TEXT PRIMARY KEY,
    destination_id  TEXT NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    accessor        TEXT NOT NULL REFERENCES mounts(accessor) ON DELETE CASCADE,
    path_prefix     TEXT NOT NULL,
    recursive       INTEGER NOT NULL,
    include_globs   TEXT NOT NULL,
    exclude_globs   TEXT NOT NULL,
    custom_metadata TEXT NOT NULL,
    owner_policies  TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (destination_id, name)
  );
  CREATE INDEX association_rules_by_mount ON association_rules (accessor);
  CREATE TABLE association_origins (
    association_id TEXT NOT NULL REFERENCES associations(id) ON DELETE CASCADE,
    rule_id        TEXT NOT NULL REFERENCES association_rules(id) ON DELETE CASCADE,
    PRIMARY KEY (association_id, rule_id)
  );
  CREATE INDEX association_origins_by_rule ON association_origins (rule_id);
  CREATE TABLE rule_exclusions (
    rule_id     TEXT NOT NULL REFERENCES association_rules(id) ON DELETE CASCADE,
    secret_path TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (rule_id, secret_path)
  );
  `
  },
  {
    // SQLite migration 8 (issue 21): drift evidence and findings per target, drift settings and
    // the last sweep per destination.
    name: 'drift',
    sql: `
  ALTER TABLE association_targets ADD COLUMN drift_evidence TEXT;
  ALTER TABLE association_targets ADD COLUMN drift_finding TEXT;
  CREATE TABLE destination_drift (
    destination_id TEXT PRIMARY KEY REFERENCES destinations(id) ON DELETE CASCADE,
    override       TEXT NOT NULL DEFAULT '{}',
    last_sweep_at  BIGINT,
    last_result    TEXT
  );
  `
  },
  {
    // SQLite migration 9 (issue 16): the maintained view of each destination's associations.
    // Every change of what a destination's association list shows bumps `destinations.view_gen`
    // and stamps the association with it; deleting one records `view_reset`. The row lock on
    // the destination orders concurrent writers, so generations commit in order.
    name: 'association-view-generations',
    sql: `
  ALTER TABLE destinations ADD COLUMN view_gen BIGINT NOT NULL DEFAULT 0;
  ALTER TABLE destinations ADD COLUMN view_reset BIGINT NOT NULL DEFAULT 0;
  ALTER TABLE associations ADD COLUMN view_gen BIGINT NOT NULL DEFAULT 0;
  CREATE INDEX associations_view_changes ON associations (destination_id, view_gen);
  CREATE FUNCTION association_view_touch (assoc TEXT) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE g BIGINT;
  BEGIN
    UPDATE destinations d SET view_gen = d.view_gen + 1 FROM associations a
      WHERE a.id = assoc AND d.id = a.destination_id RETURNING d.view_gen INTO g;
    IF g IS NOT NULL THEN UPDATE associations SET view_gen = g WHERE id = assoc; END IF;
  END $$;
  CREATE FUNCTION associations_view_row () RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'DELETE' THEN
      UPDATE destinations SET view_gen = view_gen + 1, view_reset = view_gen + 1 WHERE id = OLD.destination_id;
    ELSE
      PERFORM association_view_touch(NEW.id);
    END IF;
    RETURN NULL;
  END $$;
  CREATE FUNCTION association_targets_view_row () RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'DELETE' THEN PERFORM association_view_touch(OLD.association_id);
    ELSE PERFORM association_view_touch(NEW.association_id);
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER associations_view_insert AFTER INSERT ON associations FOR EACH ROW EXECUTE FUNCTION associations_view_row();
  CREATE TRIGGER associations_view_update AFTER UPDATE OF destination_id, accessor, mount_path, secret_path, granularity,
    removed, status, message, updated_at ON associations FOR EACH ROW EXECUTE FUNCTION associations_view_row();
  CREATE TRIGGER associations_view_delete AFTER DELETE ON associations FOR EACH ROW EXECUTE FUNCTION associations_view_row();
  CREATE TRIGGER association_targets_view_insert AFTER INSERT ON association_targets FOR EACH ROW EXECUTE FUNCTION association_targets_view_row();
  CREATE TRIGGER association_targets_view_update AFTER UPDATE OF association_id, sub_key, status, message, updated_at
    ON association_targets FOR EACH ROW EXECUTE FUNCTION association_targets_view_row();
  CREATE TRIGGER association_targets_view_delete AFTER DELETE ON association_targets FOR EACH ROW EXECUTE FUNCTION association_targets_view_row();
  `
  },
  {
    // SQLite migration 10 (issue 18): each destination's vault key (one lease per Key Vault) and
    // the lease and epoch an association's last settle ran under. PostgreSQL only: a row made
    // due (inserted, or its generation bumped by a new change) notifies \`vault_sync_outbox\`
    // when its transaction commits, waking every replica's worker (one notification per
    // transaction: PostgreSQL folds identical ones); the worker also polls.
    name: 'vault-keys',
    sql: `
  ALTER TABLE destinations ADD COLUMN vault_key TEXT;
  CREATE INDEX destinations_vault_keys ON destinations (vault_key);
  ALTER TABLE associations ADD COLUMN settled_lease TEXT;
  ALTER TABLE associations ADD COLUMN settled_epoch BIGINT;
  CREATE FUNCTION sync_outbox_notify () RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('vault_sync_outbox', '');
    RETURN NULL;
  END $$;
  CREATE TRIGGER sync_outbox_queued AFTER INSERT ON sync_outbox FOR EACH ROW EXECUTE FUNCTION sync_outbox_notify();
  CREATE TRIGGER sync_outbox_requeued AFTER UPDATE OF generation ON sync_outbox FOR EACH ROW
    WHEN (NEW.generation <> OLD.generation) EXECUTE FUNCTION sync_outbox_notify();
  `
  },
  // PostgreSQL only (issue 18): change notifications for the replicas' read caches.
  CHANGE_NOTIFY_MIGRATION,
  // PostgreSQL only (issue 18): `epoch` a key column for the fence check (lease-schema.ts).
  LEASE_EPOCH_KEY_MIGRATION,
  {
    // SQLite migration 11: token store roles (one JSON entry per role, as Vault stores them under
    // `roles/`) and the role a token was created against. Roles are read from the table on each
    // use (never cached), so no change notification is needed.
    name: 'token-roles',
    sql: `
  CREATE TABLE token_roles (
    name  TEXT PRIMARY KEY,
    entry TEXT NOT NULL
  );
  ALTER TABLE tokens ADD COLUMN role TEXT;
  `
  },
  {
    // SQLite migration 12: the names an association still has to remove from its destination
    // (src/worker/leftover-names.ts), JSON. Worker-only: no view trigger or notification fires.
    name: 'leftover-names',
    sql: `
  ALTER TABLE associations ADD COLUMN leftover_names TEXT;
  `
  },
  {
    // SQLite migration 13: client-error targets indexed (src/worker/name-waiters.ts).
    name: 'client-error-targets',
    sql: `
  CREATE INDEX association_targets_client_errors ON association_targets (association_id) WHERE status = 'CLIENT_SIDE_ERROR';
  `
  }
]
