/**
 * Cross-replica cache invalidation, database side (issue 18): a PostgreSQL-only migration that
 * puts a statement-level trigger on every table a replica caches rows of. Each statement that
 * inserts, updates, deletes or truncates rows there queues `pg_notify(CHANGE_CHANNEL, <table>)`
 * in the writing transaction, so every replica's listener hears it when (and only when) that
 * transaction commits; PostgreSQL folds identical notifications of one transaction into one.
 * Whoever writes (a service, `psql`, a migration) cannot forget to notify. `change-feed.ts` turns
 * what the listener hears into the `ChangeCheck` of the read caches.
 * SQLite needs none of this: `PRAGMA data_version` tells a connection that others committed.
 */
/** The channel of change notifications; the payload is the changed table's name. */
export const CHANGE_CHANNEL = 'vault_sync_changes'

/**
 * Tables whose rows replicas cache (read-cache.ts users and the services' own caches): the
 * mount table, tokens, ACL policies, settings (`meta`: activation flags, token tune, sync
 * config), KV configuration, metadata and versions, destinations and the association rules.
 */
export const CACHED_TABLES = Object.freeze(['meta', 'tokens', 'mounts', 'acl_policies', 'kv_config', 'kv_metadata', 'kv_versions',
  'destinations', 'association_rules', 'rule_exclusions'] as const)

/** A table of `CACHED_TABLES`. */
export type CachedTable = typeof CACHED_TABLES[number]

/**
 * Updates that notify only when they set one of these columns: `destinations.view_gen` and
 * `view_reset` move on every association change (migration 9's view triggers), which no cache
 * reads, and must not invalidate every replica's destination cache on every settle.
 */
const UPDATE_OF: Partial<Record<CachedTable, string>> = {
  destinations: 'UPDATE OF type, name, connection, sealed_secrets, options, updated_at, purge_state, purge_initiated_at, purge_error, deleted_at'
}

/**
 * The PostgreSQL-only migration adding the triggers (no table or column: schema parity holds),
 * appended to `schema.ts`'s list.
 */
export const CHANGE_NOTIFY_MIGRATION: { readonly name: string, readonly sql: string } = {
  name: 'change-notifications',
  sql: `
  CREATE FUNCTION vault_sync_notify_change () RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('${CHANGE_CHANNEL}', TG_TABLE_NAME);
    RETURN NULL;
  END $$;
  ${CACHED_TABLES.map((t) => `CREATE TRIGGER ${t}_notify_change AFTER INSERT OR ${UPDATE_OF[t] ?? 'UPDATE'} OR DELETE OR TRUNCATE ON ${t}
    FOR EACH STATEMENT EXECUTE FUNCTION vault_sync_notify_change();`).join('\n  ')}
  `
}
