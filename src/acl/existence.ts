/**
 * Existence checks that turn a write into `create` or `update` for the ACL (spec/vault-core-kv-api.md
 * §1.2, decisions D-7), like the `ExistenceCheck` of Vault's backends: KV v2 `data/` and
 * `metadata/` (the key exists), and secrets-sync destinations (the destination exists).
 */
import { MISS } from '../../db/read-cache.js'
import type { ResolvedMount } from '../mounts/mount-lookup.js'
import type { KvService } from '../kv/kv-service.js'
import type { MountService } from '../mounts/mount-service.js'
import { isKvV2 } from '../mounts/mount-entry.js'
import type { ExistenceCheck } from './enforce.js'

/** KV v2: `<mount>/data/<key>` and `<mount>/metadata/<key>` exist when the key has metadata. */
export function kvExistenceCheck (
  mounts: Pick<MountService, 'resolve' | 'peekResolve'>,
  kv: Pick<KvService, 'secretExists' | 'peekSecretExists'>
): ExistenceCheck {
  const check = (found: ResolvedMount | undefined): boolean | undefined | Promise<boolean> => {
    if (found === undefined || !isKvV2(found.mount)) return undefined
    const m = /^(?:data|metadata)\/(.+)$/s.exec(found.rest)
    if (m === null) return undefined
    const known = kv.peekSecretExists(found.mount.accessor, m[1])
    return known === MISS ? kv.secretExists(found.mount.accessor, m[1]) : known
  }
  // The mount and the key from the caches when they hold them (no promise), else awaited.
  return (path) => {
    const found = mounts.peekResolve(path)
    return found === MISS ? mounts.resolve(path).then(check) : check(found)
  }
}

/**
 * Secrets sync: `sys/sync/destinations/<type>/<name>` exists when a live destination has that
 * type and name (Vault marks these paths `x-vault-createSupported`; D-7). An unknown type has
 * no existence check (the route answers it).
 */
export function destinationExistenceCheck (exists: (type: string, name: string) => boolean | undefined | Promise<boolean | undefined>): ExistenceCheck {
  return (path) => {
    const m = /^sys\/sync\/destinations\/([^/]+)\/([^/]+)$/.exec(path)
    return m === null ? undefined : exists(m[1], m[2])
  }
}
