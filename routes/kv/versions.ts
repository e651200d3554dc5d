/**
 * `delete/:path`, `undelete/:path` and `destroy/:path` of a KV v2 mount
 * (spec/vault-core-kv-api.md §3.8-3.10; Vault `path_delete.go`, `path_destroy.go`): POST/PUT with
 * `versions` as ints, strings (the Vault CLI) or a comma string → 204.
 */
import { decodeVersions } from '../../src/kv/kv-fields.js'
import { noContent } from '../../src/vault/envelope.js'
import type { KvCall, KvPathGroup } from './kv-call.js'

type VersionsOp = 'deleteVersions' | 'undeleteVersions' | 'destroyVersions'

function group (prefix: string, op: VersionsOp): KvPathGroup {
  return {
    pattern: new RegExp(`^${prefix}/(.*)$`, 's'),
    ops: {
      update: ({ reply, kv, accessor, key, input }: KvCall) => {
        kv[op](accessor, key, decodeVersions(input.versions))
        return noContent(reply)
      }
    }
  }
}

/** `delete/:path`: soft-deletes the listed versions. */
export const deletePaths = group('delete', 'deleteVersions')
/** `undelete/:path`: restores soft-deleted versions (destroyed ones stay destroyed). */
export const undeletePaths = group('undelete', 'undeleteVersions')
/** `destroy/:path`: permanently removes the listed versions' data. */
export const destroyPaths = group('destroy', 'destroyVersions')
