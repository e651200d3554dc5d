/**
 * Token store roles (`token_roles`, migration 11): one row per role name, the role itself as a
 * JSON entry (`src/tokens/token-roles.ts` `TokenRole`), as Vault's token store keeps each role
 * as one JSON storage entry under `roles/` (vault/token_store.go `tokenStoreRoleCreateUpdate`).
 * Names are case-sensitive and listed in byte order, as Vault's storage `List` returns them.
 */
import type { Db } from './database.js'

export interface TokenRolesRepo {
  /** The JSON entry of the role `name`, or undefined when there is no such role. */
  role: (name: string) => string | undefined
  /** Every role name, in byte order. */
  roleNames: () => string[]
  /** Creates or replaces the role `name` with its JSON `entry`. */
  putRole: (name: string, entry: string) => void
  /** Deletes the role `name` (nothing when there is none). */
  deleteRole: (name: string) => void
}

/** Prepared statements over `token_roles`. */
export function createTokenRolesRepo (db: Db): TokenRolesRepo {
  const entry = db.prepare<[string], string>('SELECT entry FROM token_roles WHERE name = ?').pluck()
  const names = db.prepare<[], string>('SELECT name FROM token_roles ORDER BY name').pluck()
  const put = db.prepare<[string, string]>('INSERT INTO token_roles (name, entry) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET entry = excluded.entry')
  const remove = db.prepare<[string]>('DELETE FROM token_roles WHERE name = ?')
  return {
    role: (name) => entry.get(name),
    roleNames: () => names.all(),
    putRole: (name, json) => { put.run(name, json) },
    deleteRole: (name) => { remove.run(name) }
  }
}
