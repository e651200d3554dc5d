/**
 * `metadata/:path` of a KV v2 mount (spec/vault-core-kv-api.md §3.12-3.16; Vault
 * `path_metadata.go`): LIST of a folder, read, write (204, or 200 with the `cas_required`
 * warning), merge patch, and delete of the key with all its versions.
 */
import { decodeBool, decodeCustomMetadata, decodeDuration, decodeUint } from '../../src/kv/kv-fields.js'
import type { MetadataInput } from '../../src/kv/kv-service.js'
import { list, noContent, ok } from '../../src/vault/envelope.js'
import { notFound } from '../../src/vault/errors.js'
import { emptyNotFound, type KvCall, type KvPathGroup } from './kv-call.js'

function metadataInput (input: Record<string, unknown>, patch: boolean): MetadataInput {
  return {
    maxVersions: decodeUint(input.max_versions, 'max_versions'),
    casRequired: decodeBool(input.cas_required, 'cas_required'),
    deleteVersionAfter: decodeDuration(input.delete_version_after, 'delete_version_after', false),
    customMetadata: decodeCustomMetadata(input.custom_metadata, patch)
  }
}

/** 204, or 200 with `data: null` and the warnings when there are any (Vault's rule). */
function answer (call: KvCall, warnings: string[]): unknown {
  return warnings.length > 0 ? ok(call.request, null, { warnings }) : noContent(call.reply)
}

/** The `metadata/:path` path group (the empty path is the mount root, for LIST). */
export const metadataPaths: KvPathGroup = {
  pattern: /^metadata\/(.*)$/s,
  ops: {
    list: (call) => list(call.request, call.kv.list(call.accessor, call.key)),
    read: (call) => {
      const m = call.kv.readMetadata(call.accessor, call.key)
      if (m === undefined) throw notFound()
      return ok(call.request, m)
    },
    update: (call) => answer(call, call.kv.writeMetadata(call.accessor, call.key, metadataInput(call.input, false))),
    patch: (call) => {
      const warnings = call.kv.patchMetadata(call.accessor, call.key, metadataInput(call.input, true))
      return warnings === undefined ? emptyNotFound(call.reply) : answer(call, warnings)
    },
    delete: (call) => {
      call.kv.deleteMetadata(call.accessor, call.key)
      return noContent(call.reply)
    }
  }
}
