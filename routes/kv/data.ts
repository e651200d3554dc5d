/**
 * `data/:path` and `subkeys/:path` of a KV v2 mount (spec/vault-core-kv-api.md §3.4-3.7, §3.17;
 * Vault `path_data.go`, `path_subkeys.go`): read (`?version=N`), write (`options.cas`), merge
 * patch, soft delete of the latest version, and the value-stripped structure (`?depth=D`).
 */
import { decodeCas, decodeData, decodeInt, decodeUint } from '../../src/kv/kv-fields.js'
import { noContent, ok } from '../../src/vault/envelope.js'
import { notFound } from '../../src/vault/errors.js'
import { emptyNotFound, rawNotFound, type KvCall, type KvPathGroup } from './kv-call.js'

function write (call: KvCall): unknown {
  const data = decodeData(call.input.data)
  const cas = decodeCas(call.input.options)
  return ok(call.request, call.kv.writeData(call.accessor, call.key, data, cas))
}

/** The `data/:path` path group (a key never ends in `/`). */
export const dataPaths: KvPathGroup = {
  pattern: /^data\/(.*[^/])$/s,
  ops: {
    read: (call) => {
      const r = call.kv.readData(call.accessor, call.key, decodeInt(call.input.version, 'version'))
      if (r.status === 'missing') throw notFound()
      if (r.status === 'gone') return rawNotFound(call, { data: null, metadata: r.metadata })
      return ok(call.request, { data: r.value, metadata: r.metadata })
    },
    update: write,
    patch: (call) => {
      const data = decodeData(call.input.data)
      const cas = decodeCas(call.input.options)
      const r = call.kv.patchData(call.accessor, call.key, data, cas)
      if (r.status === 'missing') return emptyNotFound(call.reply)
      if (r.status === 'gone') return rawNotFound(call, r.metadata)
      return ok(call.request, r.value)
    },
    delete: (call) => {
      call.kv.deleteLatest(call.accessor, call.key)
      return noContent(call.reply)
    }
  }
}

/** The `subkeys/:path` path group. */
export const subkeysPaths: KvPathGroup = {
  pattern: /^subkeys\/(.*)$/s,
  ops: {
    read: (call) => {
      const version = decodeInt(call.input.version, 'version')
      const depth = decodeUint(call.input.depth, 'depth') ?? 0
      const r = call.kv.readSubkeys(call.accessor, call.key, version, depth)
      if (r.status === 'missing') throw notFound()
      if (r.status === 'gone') return rawNotFound(call, { metadata: r.metadata, subkeys: null })
      return ok(call.request, { metadata: r.metadata, subkeys: r.value })
    }
  }
}
