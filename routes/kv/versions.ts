/**
 * `delete/:path`, `undelete/:path` and `destroy/:path` of a KV v2 mount
 * (spec/vault-core-kv-api.md §3.8-3.10; Vault `path_delete.go`, `path_destroy.go`): POST/PUT with
 * `versions` as ints, strings (the Vault CLI) or a comma string → 204.
 */
import { decodeIntList } from '../../src/vault/field-decode.js'
import { noContent } from '../../src/vault/envelope.js'
import { KvVersionsRequestSchema } from '../../src/kv/kv-schemas.js'
import { noBody } from '../../src/openapi/route-doc.js'
import type { KvCall, KvPathGroup } from './kv-call.js'

type VersionsOp = 'deleteVersions' | 'undeleteVersions' | 'destroyVersions'

function group (prefix: string, op: VersionsOp, summary: string): KvPathGroup {
  return {
    docPath: `${prefix}/{path}`,
    docs: { update: { operationId: `kv-v2-${prefix}-versions`, summary, body: KvVersionsRequestSchema, responses: { 204: noBody('Done') } } },
    pattern: new RegExp(`^${prefix}/(.*)$`, 's'),
    fields: new Set(['path', 'versions']),
    ops: {
      update: async ({ reply, kv, accessor, key, input }: KvCall) => {
        await kv[op](accessor, key, decodeIntList(input.versions, 'versions'))
        return noContent(reply)
      }
    }
  }
}

/** `delete/:path`: soft-deletes the listed versions. */
export const deletePaths = group('delete', 'deleteVersions', 'Soft-delete versions of a secret')
/** `undelete/:path`: restores soft-deleted versions (destroyed ones stay destroyed). */
export const undeletePaths = group('undelete', 'undeleteVersions', 'Restore soft-deleted versions of a secret')
/** `destroy/:path`: permanently removes the listed versions' data. */
export const destroyPaths = group('destroy', 'destroyVersions', 'Permanently remove the data of versions of a secret')
