/**
 * Schema migrations, applied in order by `database.ts` (migration i has version i+1, recorded in
 * `schema_migrations`).
 * Append only: never edit a migration that has shipped. SQL strings, so nothing needs copying
 * at build time.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: foundation: settings, tokens, mounts.
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
  );
  CREATE TABLE tokens (
    accessor         TEXT PRIMARY KEY,
    id_hash          TEXT NOT NULL UNIQUE,
    policies         TEXT NOT NULL,
    path             TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    meta             TEXT,
    num_uses         INTEGER NOT NULL DEFAULT 0,
    creation_time    INTEGER NOT NULL,
    creation_ttl     INTEGER NOT NULL DEFAULT 0,
    explicit_max_ttl INTEGER NOT NULL DEFAULT 0,
    expire_time_ms   INTEGER,
    renewable        INTEGER NOT NULL DEFAULT 0,
    orphan           INTEGER NOT NULL DEFAULT 1,
    parent_accessor  TEXT REFERENCES tokens(accessor) ON DELETE CASCADE
  );
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
  `,
  // 2: KV version 2 engine (spec/vault-core-kv-api.md §3.2). Times are integer microseconds since
  // the epoch; durations are whole seconds (engine delete_version_after -1 = disabled). Values and
  // custom metadata are sealed blobs (src/crypto/seal.ts); nothing secret is stored in clear.
  // Disabling a mount deletes its rows by cascade (decisions D-21).
  `
  CREATE TABLE kv_config (
    accessor             TEXT PRIMARY KEY REFERENCES mounts(accessor) ON DELETE CASCADE,
    max_versions         INTEGER NOT NULL DEFAULT 0,
    cas_required         INTEGER NOT NULL DEFAULT 0,
    delete_version_after INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE kv_metadata (
    accessor             TEXT NOT NULL REFERENCES mounts(accessor) ON DELETE CASCADE,
    path                 TEXT NOT NULL,
    current_version      INTEGER NOT NULL DEFAULT 0,
    oldest_version       INTEGER NOT NULL DEFAULT 0,
    created_time         INTEGER NOT NULL,
    updated_time         INTEGER NOT NULL,
    max_versions         INTEGER NOT NULL DEFAULT 0,
    cas_required         INTEGER NOT NULL DEFAULT 0,
    delete_version_after INTEGER NOT NULL DEFAULT 0,
    custom_metadata      BLOB,
    PRIMARY KEY (accessor, path)
  );
  CREATE TABLE kv_versions (
    accessor      TEXT NOT NULL,
    path          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_time  INTEGER NOT NULL,
    deletion_time INTEGER,
    destroyed     INTEGER NOT NULL DEFAULT 0,
    data          BLOB,
    PRIMARY KEY (accessor, path, version),
    FOREIGN KEY (accessor, path) REFERENCES kv_metadata(accessor, path) ON DELETE CASCADE
  );
  `,
  // 3: secrets sync (decisions D-1, D-2): destinations, associations, their targets and the
  // outbox (one row per dirty association, fenced by a generation counter). Times are epoch ms.
  `
  CREATE TABLE destinations (
    id                 TEXT PRIMARY KEY,
    type               TEXT NOT NULL,
    name               TEXT NOT NULL,
    connection         TEXT NOT NULL,
    sealed_secrets     BLOB,
    options            TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    purge_state        TEXT CHECK (purge_state IN ('purging', 'purge_failed')),
    purge_initiated_at INTEGER,
    purge_error        TEXT,
    deleted_at         INTEGER
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
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (destination_id, accessor, secret_path)
  );
  CREATE INDEX associations_by_secret ON associations (accessor, secret_path);
  CREATE TABLE association_targets (
    association_id TEXT NOT NULL REFERENCES associations(id) ON DELETE CASCADE,
    sub_key        TEXT NOT NULL,
    external_name  TEXT,
    external_version TEXT,
    status         TEXT NOT NULL,
    message        TEXT,
    digest         TEXT,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (association_id, sub_key)
  );
  CREATE TABLE sync_outbox (
    association_id  TEXT PRIMARY KEY REFERENCES associations(id) ON DELETE CASCADE,
    generation      INTEGER NOT NULL,
    refresh         INTEGER NOT NULL DEFAULT 0,
    lease_until     INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
  );
  CREATE INDEX sync_outbox_due ON sync_outbox (next_attempt_at);
  `,
  // access control (issue 9): ACL policies; token period and renewal time.
  `
  CREATE TABLE acl_policies (
    name  TEXT PRIMARY KEY,
    raw   TEXT NOT NULL,
    rules TEXT NOT NULL
  );
  ALTER TABLE tokens ADD COLUMN period INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE tokens ADD COLUMN last_renewal_ms INTEGER;
  CREATE INDEX tokens_parent ON tokens(parent_accessor);
  `,
  // 5: sync worker (decisions D-13): when the current run of consecutive failures began, so a
  // transient failure shows PENDING for at most 5 failures or 60 s before EXTERNAL_SERVICE_ERROR.
  `
  ALTER TABLE sync_outbox ADD COLUMN first_failure_at INTEGER;
  CREATE INDEX association_targets_by_name ON association_targets (lower(external_name));
  `,
  // 6: the worker's "when is the next row due" reads the few leased rows through this index
  // instead of scanning the outbox on every tick (issue 17).
  `
  CREATE INDEX sync_outbox_leased ON sync_outbox (lease_until) WHERE lease_until IS NOT NULL;
  `,
  // 7 (issue 22): association rules per destination (src/rules/): what a rule covers, the
  // policies of its owner (a secret added later is covered only if they could read it), which
  // associations it made (`association_origins`, gone with the association or the rule) and the
  // secrets whose rule-made association was removed explicitly (`rule_exclusions`).
  `
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
    created_at      INTEGER NOT NULL,
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
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (rule_id, secret_path)
  );
  `,
  // 8 (issue 21): drift: per target, the evidence recorded when its write settled (JSON: remote
  // version, remote updated time, tags and content type written, keyed HMAC of the value) and the
  // last sweep's finding (JSON, never a value or digest); per destination, its drift override
  // (sys/sync-ext/destinations/:type/:name/drift) and when it was last swept.
  `
  ALTER TABLE association_targets ADD COLUMN drift_evidence TEXT;
  ALTER TABLE association_targets ADD COLUMN drift_finding TEXT;
  CREATE TABLE destination_drift (
    destination_id TEXT PRIMARY KEY REFERENCES destinations(id) ON DELETE CASCADE,
    override       TEXT NOT NULL DEFAULT '{}',
    last_sweep_at  INTEGER,
    last_result    TEXT
  );
  `,
  // 9: a maintained view of each destination's associations (issue 16). Every change of what a
  // destination's association list shows bumps `destinations.view_gen` and stamps the changed
  // association with it, so a reader holding the list at generation G re-reads only the rows
  // stamped after G; deleting an association records `view_reset` (readers rebuild). Triggers,
  // so no writer (API, worker, another process) can forget it.
  `
  ALTER TABLE destinations ADD COLUMN view_gen INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE destinations ADD COLUMN view_reset INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE associations ADD COLUMN view_gen INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX associations_view_changes ON associations (destination_id, view_gen);
  CREATE TRIGGER associations_view_insert AFTER INSERT ON associations BEGIN
    UPDATE destinations SET view_gen = view_gen + 1 WHERE id = NEW.destination_id;
    UPDATE associations SET view_gen = (SELECT view_gen FROM destinations WHERE id = NEW.destination_id) WHERE id = NEW.id;
  END;
  CREATE TRIGGER associations_view_update AFTER UPDATE OF destination_id, accessor, mount_path, secret_path, granularity,
    removed, status, message, updated_at ON associations BEGIN
    UPDATE destinations SET view_gen = view_gen + 1 WHERE id = NEW.destination_id;
    UPDATE associations SET view_gen = (SELECT view_gen FROM destinations WHERE id = NEW.destination_id) WHERE id = NEW.id;
  END;
  CREATE TRIGGER associations_view_delete AFTER DELETE ON associations BEGIN
    UPDATE destinations SET view_gen = view_gen + 1, view_reset = view_gen + 1 WHERE id = OLD.destination_id;
  END;
  CREATE TRIGGER association_targets_view_insert AFTER INSERT ON association_targets BEGIN
    UPDATE destinations SET view_gen = view_gen + 1 WHERE id = (SELECT destination_id FROM associations WHERE id = NEW.association_id);
    UPDATE associations SET view_gen = (SELECT d.view_gen FROM destinations d WHERE d.id = associations.destination_id) WHERE id = NEW.association_id;
  END;
  CREATE TRIGGER association_targets_view_update AFTER UPDATE OF association_id, sub_key, status, message, updated_at ON association_targets BEGIN
    UPDATE destinations SET view_gen = view_gen + 1 WHERE id = (SELECT destination_id FROM associations WHERE id = NEW.association_id);
    UPDATE associations SET view_gen = (SELECT d.view_gen FROM destinations d WHERE d.id = associations.destination_id) WHERE id = NEW.association_id;
  END;
  CREATE TRIGGER association_targets_view_delete AFTER DELETE ON association_targets BEGIN
    UPDATE destinations SET view_gen = view_gen + 1 WHERE id = (SELECT destination_id FROM associations WHERE id = OLD.association_id);
    UPDATE associations SET view_gen = (SELECT d.view_gen FROM destinations d WHERE d.id = associations.destination_id) WHERE id = OLD.association_id;
  END;
  `,
  // 10 (issue 18): work owned per Key Vault. \`destinations.vault_key\` is the destination's store
  // (the driver's endpoint key, e.g. \`https://kv1.vault.azure.net\`: plain, never a secret),
  // recorded by the worker whenever it loads or warms the destination; on PostgreSQL each vault
  // key is one lease (\`vault:<key>\`) and a replica claims only rows of the vaults it holds. An
  // association records the lease and fencing epoch its last settle ran under (SQLite's one
  // process settles under epoch 0 and records nothing).
  `
  ALTER TABLE destinations ADD COLUMN vault_key TEXT;
  CREATE INDEX destinations_vault_keys ON destinations (vault_key);
  ALTER TABLE associations ADD COLUMN settled_lease TEXT;
  ALTER TABLE associations ADD COLUMN settled_epoch INTEGER;
  `,
  // 11: token store roles (Vault's `auth/token/roles/:role_name`, token_store.go): one row per
  // role, `entry` the role as JSON (src/tokens/token-roles.ts `TokenRole`, the fields of Vault's
  // `tsRoleEntry`, which Vault too stores as one JSON entry under `roles/`); a token created
  // against a role records its name (Vault's TokenEntry.Role: lookup's `role`, renewal by the role).
  `
  CREATE TABLE token_roles (
    name  TEXT PRIMARY KEY,
    entry TEXT NOT NULL
  );
  ALTER TABLE tokens ADD COLUMN role TEXT;
  `,
  // 12: names an association still has to remove from its destination (src/worker/leftover-names.ts):
  // JSON array of `{sub_key, name, purge}`, NULL when none. The old name of a rename whose delete
  // failed (the target records the new name, which holds the value), and a name deleted, or about
  // to be, for `purge_on_unsync` whose purge is not confirmed: stored, so a restart forgets neither.
  `
  ALTER TABLE associations ADD COLUMN leftover_names TEXT;
  `,
  // 13: the targets refused with a client error, indexed (partial) so a settle that frees a name
  // finds the associations of the destination waiting for it without reading the destination's
  // every target (src/worker/name-waiters.ts).
  `
  CREATE INDEX association_targets_client_errors ON association_targets (association_id) WHERE status = 'CLIENT_SIDE_ERROR';
  `
]
