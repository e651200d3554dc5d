/**
 * Mount migration: `POST sys/remount` and `GET sys/remount/status/:migration_id`
 * (spec/vault-core-kv-api.md §2.9; Vault's API docs `system/remount` and concepts
 * `mount-migration`; source `vault/logical_system.go` `handleRemount`, `moveMount`,
 * `handleRemountStatusCheck`, `vault/mount.go` `remountSecretsEngine`, `createMigrationStatus`).
 *
 * Vault answers a migration id at once and moves the mount in the background; vault-sync moves
 * it before answering, in ONE unit of work: the mount row's path changes, its accessor, uuid,
 * config and data stay (KV rows are keyed by accessor), and the migration record
 * (`success`, or `failure` where Vault's background move fails) is stored in the same unit in
 * `meta`, so every replica answers `sys/remount/status/<id>` (Vault keeps it in one node's
 * memory). Vault revokes the mount's leases: vault-sync issues none for KV. ACL policies are
 * path-based and, as in Vault, unchanged. The write goes through the mount service's cached
 * repository, so this process's mount cache forgets at once and other replicas hear the change
 * feed (the `mounts` trigger), as for an enable, tune or disable.
 *
 * Secrets sync (vault-sync's own rule): a mount with live associations or association rules is
 * NOT moved (400 naming the counts, to remove them first). Their rows name the mount by accessor,
 * but not everything follows the accessor: Azure names rendered with `{{ .MountPath }}` or
 * `{{ .MountBaseName }}` would change, and nothing would rename them at the move: Key Vault keeps
 * the old name until the secret's next write renames it (`plan.ts` cleanup), while the
 * association already shows the new path, and the new name may collide with another secret's;
 * an association records its mount path (`associations/remove` after an unmount and the drift
 * reports read it); and a rule's owner policies are checked against `<mount path>/data/...`, so a
 * move could silently widen or narrow what a rule syncs. Removed associations still unsyncing
 * are no obstacle: their unsync deletes the recorded names.
 */
import { randomUUID } from 'node:crypto'
import { posix } from 'node:path'
import type { MountRow } from '../../db/mounts-repo.js'
import type { CachedRepo } from '../../db/cached-repo.js'
import type { MountsRepository, Store } from '../../db/store/repositories.js'
import { badRequest } from '../vault/errors.js'
import { decodeString } from '../vault/field-decode.js'
import { mountConflict, PROTECTED_MOUNTS, resolveMount } from './mount-lookup.js'

/** Vault's `protectedAuths` (`vault/auth.go`): the token store cannot move. */
const PROTECTED_AUTHS = ['auth/token']
/** Vault's `credentialRoutePrefix`. */
const AUTH_PREFIX = 'auth/'
/** Where migration records live in `meta` (one key per migration id). */
const MIGRATION_KEY = 'remount_migration/'
/** Vault's warning on a started remount (`handleRemount`). */
export const REMOUNT_WARNING = 'Mount move has been queued. Progress will be reported in Vault\'s server log, tagged with the returned migration_id'

/** Vault's `MountMigrationInfo`: the sanitized paths and the status (`success` or `failure` here). */
export interface MigrationInfo { source_mount: string, target_mount: string, status: 'success' | 'failure' }

/** `sys/remount/status/:migration_id` data. */
export interface MigrationStatus { migration_id: string, migration_info: MigrationInfo }

/** A remount's outcome: the record, and why it failed (for the server log, as Vault logs it). */
export interface RemountOutcome extends MigrationStatus { failure?: string }

/** Vault's `sanitizePath` (`logical_system.go`): a trailing `/` added when missing, leading `/` (and `/\`) removed; other slashes kept. */
function vaultSanitizePath (path: string): string {
  let p = path.endsWith('/') ? path : `${path}/`
  while (p.startsWith('/')) p = p.slice(p.startsWith('/\\') ? 2 : 1)
  return p
}

/** Go's `path.Clean`. */
const goClean = (p: string): string => { const n = posix.normalize(p); return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n }

/** Vault's `validateMountPath`: the reason `p` is refused, or undefined. */
function invalidMountPath (p: string): string | undefined {
  const cleaned = p.endsWith('/') ? `${goClean(p)}/` : goClean(p)
  if (p !== cleaned) return `path '${p}' does not match cleaned path '${cleaned}'`
  // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
  if (/[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(p)) return 'path cannot contain non-printable characters'
  return undefined
}

/** `handleRemount`'s protected-path checks, in its order. @throws VaultError 400 with Vault's texts. */
function refuseProtected (source: string, target: string): void {
  if (source.startsWith(AUTH_PREFIX)) {
    if (!target.startsWith(AUTH_PREFIX)) throw badRequest(`cannot remount auth mount to non-auth mount ${JSON.stringify(target)}`)
    if (PROTECTED_AUTHS.some((a) => source.startsWith(a))) throw badRequest(`cannot remount ${JSON.stringify(source)}`)
    if (PROTECTED_AUTHS.some((a) => target.startsWith(a))) throw badRequest(`cannot remount to destination ${JSON.stringify(target)}`)
    return
  }
  for (const p of PROTECTED_MOUNTS) {
    if (source.startsWith(p)) throw badRequest(`cannot remount ${JSON.stringify(source)}`)
    if (target.startsWith(p)) throw badRequest(`cannot remount to destination ${target}`)
  }
}

const counted = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`

/**
 * Creates the remount operations (Vault's `handleRemount` and `handleRemountStatusCheck`, see the
 * module) over `store` and the mount service's cached repository `mounts` (its writes make the
 * mount cache forget; `mount-service.ts` wires them).
 */
export function createRemount ({ store, mounts }: { store: Store, mounts: CachedRepo<MountsRepository> }) {
  /** Stores the record of migration `id` (inside the caller's unit) and returns it. */
  async function record (id: string, source: string, target: string, status: MigrationInfo['status']): Promise<MigrationStatus> {
    const info: MigrationInfo = { source_mount: source, target_mount: target, status }
    await store.repos.meta.set(`${MIGRATION_KEY}${id}`, JSON.stringify(info))
    return { migration_id: id, migration_info: info }
  }

  /** vault-sync's rule (see the module): @throws VaultError 400 when live associations or rules of live destinations use `entry`. */
  async function refuseSynced (entry: MountRow): Promise<void> {
    const associations = await store.repos.associations.countLiveOfMount(entry.accessor)
    let rules = 0
    for (const rule of await store.repos.rules.ofMount(entry.accessor)) {
      if ((await store.repos.destinations.byId(rule.destination_id))?.deleted_at === null) rules++
    }
    if (associations === 0 && rules === 0) return
    const uses = [associations > 0 ? counted(associations, 'secrets-sync association') : '', rules > 0 ? counted(rules, 'association rule') : '']
    throw badRequest(`cannot remount ${JSON.stringify(entry.path)}: it has ${uses.filter((u) => u !== '').join(' and ')}; remove ${associations + rules === 1 ? 'it' : 'them'} first`)
  }

  return {
    /**
     * `POST sys/remount` `{"from", "to"}` (Vault's `handleRemount` checks, in its order, then
     * `remountSecretsEngine`'s move, done before answering). `from` may name a path inside a
     * mount: Vault accepts it and its background move fails (`failed to taint entry in mounts
     * table`), so the answer is a migration whose status is `failure`.
     * @throws VaultError 400 with Vault's texts: a field that is not a string, `both 'from' and
     *   'to' path must be specified as a string`, `'from' path cannot contain trailing
     *   whitespace` (and `'to'`), `invalid destination mount: …`, `cannot remount auth mount to
     *   non-auth mount "x/"`, `cannot remount "sys/"`, `cannot remount to destination x/`,
     *   `no matching mount at "x/"`, `path already in use at "x/"`; and vault-sync's refusal
     *   for a mount that secrets sync uses.
     */
    async start (body: Record<string, unknown>): Promise<RemountOutcome> {
      const from = decodeString(body.from, 'from') ?? ''
      const to = decodeString(body.to, 'to') ?? ''
      if (from === '' || to === '') throw badRequest('both \'from\' and \'to\' path must be specified as a string')
      if (from.startsWith(' ') || from.endsWith(' ')) throw badRequest('\'from\' path cannot contain trailing whitespace')
      if (to.startsWith(' ') || to.endsWith(' ')) throw badRequest('\'to\' path cannot contain trailing whitespace')
      const source = vaultSanitizePath(from)
      const target = vaultSanitizePath(to)
      const invalid = invalidMountPath(target)
      if (invalid !== undefined) throw badRequest(`invalid destination mount: ${invalid}`)
      refuseProtected(source, target)
      // The checks and the move in one unit under the mount table's lock (as `enable`): no
      // replica adds a mount at the target meanwhile.
      return await store.transaction(async () => {
        await store.repos.mounts.lockTable()
        const rows = await store.repos.mounts.all()
        const entry = resolveMount(rows, source)?.mount
        if (entry === undefined) throw badRequest(`no matching mount at ${JSON.stringify(source)}`)
        const inUse = mountConflict(rows, target)
        if (inUse !== undefined) throw badRequest(`path already in use at ${JSON.stringify(inUse)}`)
        const id = randomUUID()
        if (entry.path !== source) return { ...await record(id, source, target, 'failure'), failure: 'failed to taint entry in mounts table' }
        await refuseSynced(entry)
        await mounts.updatePath(entry.accessor, target)
        // A disable another replica committed meanwhile leaves nothing moved.
        if (await store.repos.mounts.byAccessor(entry.accessor) === undefined) throw badRequest(`no matching mount at ${JSON.stringify(source)}`)
        return await record(id, source, target, 'success')
      })
    },

    /** `GET sys/remount/status/:migration_id` (Vault's `handleRemountStatusCheck`): the record, or undefined for an unknown id. */
    async status (id: string): Promise<MigrationStatus | undefined> {
      const raw = await store.repos.meta.get(`${MIGRATION_KEY}${id}`)
      return raw === undefined ? undefined : { migration_id: id, migration_info: JSON.parse(raw.toString('utf8')) as MigrationInfo }
    }
  }
}

export type Remount = ReturnType<typeof createRemount>
