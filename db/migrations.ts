/**
 * Schema migrations, applied in order by `PRAGMA user_version` (migration N sets version N+1).
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
  `
]
