/**
 * Tokens, token roles, mounts, ACL policies and settings on PostgreSQL (`TokensRepository`,
 * `TokenRolesRepository`, `MountsRepository`, `PoliciesRepository`, `MetaRepository`; SQLite
 * twins in `db/tokens-repo.ts`, `token-roles-repo.ts`, `mounts-repo.ts`, `policies-repo.ts`,
 * `meta-repo.ts`). Names and paths sort by bytes (`COLLATE "C"`), as on SQLite.
 */
import type { MountRow } from '../../mounts-repo.js'
import type { PolicyRow } from '../../policies-repo.js'
import { liveAccessorsSql, type TokenRow } from '../../tokens-repo.js'
import type { MetaRepository, MountsRepository, PoliciesRepository, TokenRolesRepository, TokensRepository } from '../repositories.js'
import { insertInto, statement, valuesOf, type Sql } from './pg-sql.js'

const TOKEN_COLUMNS = ['accessor', 'id_hash', 'policies', 'path', 'display_name', 'meta', 'num_uses', 'creation_time',
  'creation_ttl', 'explicit_max_ttl', 'expire_time_ms', 'renewable', 'orphan', 'parent_accessor', 'period',
  'last_renewal_ms', 'role'] as const
const MOUNT_COLUMNS = ['accessor', 'path', 'type', 'uuid', 'description', 'options', 'config', 'local', 'seal_wrap',
  'external_entropy_access', 'builtin'] as const

/** Advisory lock class of the mount table (two-int advisory locks: its own key space); key 0: adding or removing a mount. */
const MOUNTS_LOCK_CLASS = 1988

const S = {
  insertToken: statement('tokens_insert', insertInto('tokens', TOKEN_COLUMNS)),
  // The hottest read of all (every request): by the keyed hash of the token id.
  tokenByHash: statement('tokens_by_hash', 'SELECT * FROM tokens WHERE id_hash = $1'),
  tokenByAccessor: statement('tokens_by_accessor', 'SELECT * FROM tokens WHERE accessor = $1'),
  tokenCount: statement('tokens_count', 'SELECT count(*) AS n FROM tokens'),
  deleteToken: statement('tokens_delete', 'DELETE FROM tokens WHERE accessor = $1'),
  renewal: statement('tokens_renewal', 'UPDATE tokens SET expire_time_ms = $2, last_renewal_ms = $3 WHERE accessor = $1'),
  uses: statement('tokens_uses', 'UPDATE tokens SET num_uses = $2 WHERE accessor = $1'),
  orphanChildren: statement('tokens_orphan_children', 'UPDATE tokens SET parent_accessor = NULL, orphan = 1 WHERE parent_accessor = $1'),
  useOnce: statement('tokens_use_once', 'UPDATE tokens SET num_uses = num_uses - 1 WHERE accessor = $1 AND num_uses > 0 RETURNING num_uses'),
  liveAccessors: statement('tokens_live_accessors', liveAccessorsSql('$1')),
  mounts: statement('mounts_all', 'SELECT * FROM mounts ORDER BY path COLLATE "C"'),
  mountByPath: statement('mounts_by_path', 'SELECT * FROM mounts WHERE path = $1'),
  mountByAccessor: statement('mounts_by_accessor', 'SELECT * FROM mounts WHERE accessor = $1'),
  insertMount: statement('mounts_insert', insertInto('mounts', MOUNT_COLUMNS)),
  tune: statement('mounts_tune', 'UPDATE mounts SET description = $2, config = $3, options = $4 WHERE accessor = $1'),
  moveMount: statement('mounts_move', 'UPDATE mounts SET path = $2 WHERE accessor = $1'),
  deleteMount: statement('mounts_delete', 'DELETE FROM mounts WHERE accessor = $1'),
  lockMounts: statement('mounts_lock', `SELECT pg_advisory_xact_lock(${MOUNTS_LOCK_CLASS}, 0)`),
  policy: statement('policies_get', 'SELECT name, raw, rules FROM acl_policies WHERE name = $1'),
  policyNames: statement('policies_names', 'SELECT name FROM acl_policies ORDER BY name COLLATE "C"'),
  upsertPolicy: statement('policies_upsert', `INSERT INTO acl_policies (name, raw, rules) VALUES ($1, $2, $3)
    ON CONFLICT (name) DO UPDATE SET raw = excluded.raw, rules = excluded.rules`),
  deletePolicy: statement('policies_delete', 'DELETE FROM acl_policies WHERE name = $1'),
  role: statement('token_roles_get', 'SELECT entry FROM token_roles WHERE name = $1'),
  roleNames: statement('token_roles_names', 'SELECT name FROM token_roles ORDER BY name COLLATE "C"'),
  putRole: statement('token_roles_put', 'INSERT INTO token_roles (name, entry) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET entry = excluded.entry'),
  deleteRole: statement('token_roles_delete', 'DELETE FROM token_roles WHERE name = $1'),
  meta: statement('meta_get', 'SELECT value FROM meta WHERE key = $1'),
  setMeta: statement('meta_set', 'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
}

/** The token repository over `sql`. */
export function pgTokensRepository (sql: Sql): TokensRepository {
  return {
    insert: async (row) => { await sql.run(S.insertToken, valuesOf(row, TOKEN_COLUMNS)) },
    byHash: async (h) => await sql.one<TokenRow>(S.tokenByHash, [h]),
    byAccessor: async (a) => await sql.one<TokenRow>(S.tokenByAccessor, [a]),
    count: async () => (await sql.one<{ n: number }>(S.tokenCount))?.n ?? 0,
    deleteByAccessor: async (a) => { await sql.run(S.deleteToken, [a]) },
    updateRenewal: async (a, expire, last) => { await sql.run(S.renewal, [a, expire, last]) },
    setNumUses: async (a, n) => { await sql.run(S.uses, [a, n]) },
    orphanChildren: async (a) => { await sql.run(S.orphanChildren, [a]) },
    useOnce: async (a) => (await sql.one<{ num_uses: number }>(S.useOnce, [a]))?.num_uses,
    liveAccessors: async (now) => (await sql.all<{ accessor: string }>(S.liveAccessors, [now])).map((r) => r.accessor)
  }
}

/** The token role repository over `sql` (names in byte order, as on SQLite). */
export function pgTokenRolesRepository (sql: Sql): TokenRolesRepository {
  return {
    role: async (name) => (await sql.one<{ entry: string }>(S.role, [name]))?.entry,
    roleNames: async () => (await sql.all<{ name: string }>(S.roleNames)).map((r) => r.name),
    putRole: async (name, entry) => { await sql.run(S.putRole, [name, entry]) },
    deleteRole: async (name) => { await sql.run(S.deleteRole, [name]) }
  }
}

/** The mount table repository over `sql`. */
export function pgMountsRepository (sql: Sql): MountsRepository {
  return {
    all: async () => await sql.all<MountRow>(S.mounts),
    byPath: async (p) => await sql.one<MountRow>(S.mountByPath, [p]),
    byAccessor: async (a) => await sql.one<MountRow>(S.mountByAccessor, [a]),
    insert: async (row) => { await sql.run(S.insertMount, valuesOf(row, MOUNT_COLUMNS)) },
    updateTune: async (a, d, c, o) => { await sql.run(S.tune, [a, d, c, o]) },
    updatePath: async (a, p) => { await sql.run(S.moveMount, [a, p]) },
    deleteByAccessor: async (a) => { await sql.run(S.deleteMount, [a]) },
    lockTable: async () => { await sql.run(S.lockMounts, []) }
  }
}

/** The ACL policy repository over `sql`. */
export function pgPoliciesRepository (sql: Sql): PoliciesRepository {
  return {
    get: async (name) => await sql.one<PolicyRow>(S.policy, [name]),
    names: async () => (await sql.all<{ name: string }>(S.policyNames)).map((r) => r.name),
    upsert: async (row) => { await sql.run(S.upsertPolicy, [row.name, row.raw, row.rules]) },
    delete: async (name) => { await sql.run(S.deletePolicy, [name]) }
  }
}

/** The settings repository over `sql`; values are bytes (strings stored as UTF-8). */
export function pgMetaRepository (sql: Sql): MetaRepository {
  return {
    get: async (key) => (await sql.one<{ value: Buffer }>(S.meta, [key]))?.value,
    set: async (key, value) => { await sql.run(S.setMeta, [key, typeof value === 'string' ? Buffer.from(value, 'utf8') : value]) }
  }
}
