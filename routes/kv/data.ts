/**
 * `data/:path` and `subkeys/:path` of a KV v2 mount (spec/vault-core-kv-api.md §3.4-3.7, §3.17;
 * Vault `path_data.go`, `path_subkeys.go`): read (`?version=N`), write (`options.cas`), merge
 * patch, soft delete of the latest version, and the value-stripped structure (`?depth=D`).
 */
import { decodeCas, decodeData } from '../../src/kv/kv-fields.js'
import type { JsonObject } from '../../src/kv/kv-json.js'
import { MISS, type VersionRead } from '../../src/kv/kv-service.js'
import { decodeInt } from '../../src/vault/field-decode.js'
import { noContent, ok } from '../../src/vault/envelope.js'
import { notFound } from '../../src/vault/errors.js'
import {
  KvGoneSchema, KvPatchRequestSchema, KvReadSchema, KvSubkeysGoneSchema, KvSubkeysQuerySchema, KvSubkeysSchema, KvVersionQuerySchema,
  KvWriteRequestSchema, VersionSchema
} from '../../src/kv/kv-schemas.js'
import { either, errorBody, noBody, vaultData } from '../../src/openapi/route-doc.js'
import { answerWarnings, emptyNotFound, rawNotFound, type KvCall, type KvPathGroup } from './kv-call.js'
import { sendRead, sendReadJson, sendVersion } from './kv-serializers.js'

const GONE = 'The version is deleted or destroyed: the envelope with `mount_type: ""` and no `errors` (Vault\'s raw 404)'
const MISSING = errorBody('No such secret or version', [])

/**
 * A data write: done at once when it can be without a promise (SQLite, issue 16) and answered
 * once its (possibly shared) COMMIT is done, else awaited as a unit of work.
 */
function write (call: KvCall): unknown {
  const data = decodeData(call.input.data)
  const cas = decodeCas(call.input.options)
  // Answered once committed (Fastify waits for a handler that returns nothing); never before `writeDataNow` returned.
  const view = call.kv.writeDataNow(call.accessor, call.key, data, cas, (err) => {
    if (err !== undefined) { call.reply.send(err); return }
    // Outside Fastify's handler now: a throw goes to its error handler as a handler's would.
    try { sendVersion(call.reply, ok(call.request, view!, { warnings: answerWarnings(call) })) } catch (thrown) { call.reply.send(thrown as Error) }
  })
  if (view !== undefined) return undefined
  return call.kv.writeDataInUnit(call.accessor, call.key, data, cas).then((v) => sendVersion(call.reply, ok(call.request, v, { warnings: answerWarnings(call) })))
}

/** The answer to a data read. */
function answerRead (call: KvCall, r: VersionRead<JsonObject>): unknown {
  if (r.status === 'missing') throw notFound()
  if (r.status === 'gone') return rawNotFound(call, { data: null, metadata: r.metadata })
  return sendRead(call.reply, ok(call.request, { data: r.value, metadata: r.metadata }, { warnings: answerWarnings(call) }))
}

/** The `data/:path` path group (a key never ends in `/`). */
export const dataPaths: KvPathGroup = {
  pattern: /^data\/(.*[^/])$/s,
  fields: new Set(['path', 'version', 'options', 'data']),
  ops: {
    // Synchronous when the key's rows are cached (the hot path: no promise, the data's JSON
    // text sent as it is); else awaited.
    read: (call) => {
      const version = decodeInt(call.input.version, 'version')
      const r = call.kv.peekReadJson(call.accessor, call.key, version)
      if (r === MISS) return call.kv.readData(call.accessor, call.key, version).then((loaded) => answerRead(call, loaded))
      if (r.status === 'ok') return sendReadJson(call.request, call.reply, r.value, r.metadata, answerWarnings(call))
      return answerRead(call, r)
    },
    update: write,
    patch: async (call) => {
      const data = decodeData(call.input.data)
      const cas = decodeCas(call.input.options)
      const r = await call.kv.patchData(call.accessor, call.key, data, cas)
      if (r.status === 'missing') return emptyNotFound(call.reply)
      if (r.status === 'gone') return rawNotFound(call, r.metadata)
      return sendVersion(call.reply, ok(call.request, r.value, { warnings: answerWarnings(call) }))
    },
    delete: async (call) => {
      await call.kv.deleteLatest(call.accessor, call.key)
      return noContent(call.reply)
    }
  },
  docPath: 'data/{path}',
  docs: {
    read: {
      operationId: 'kv-v2-read',
      summary: 'Read a version of a secret (the latest by default)',
      query: KvVersionQuerySchema,
      responses: { 200: vaultData('The data and its version\'s metadata', KvReadSchema), 404: either('Not found', MISSING, vaultData(GONE, KvGoneSchema, { mountType: '' })) }
    },
    update: {
      operationId: 'kv-v2-write',
      summary: 'Write a new version of a secret',
      body: KvWriteRequestSchema,
      responses: { 200: vaultData('The new version\'s metadata', VersionSchema) }
    },
    patch: {
      operationId: 'kv-v2-patch',
      summary: 'Write a new version merged from the latest (JSON merge patch)',
      description: 'Needs `Content-Type: application/merge-patch+json`.',
      body: KvPatchRequestSchema,
      responses: {
        200: vaultData('The new version\'s metadata', VersionSchema),
        404: either('No secret (no body), or the latest version is deleted or destroyed (raw envelope with its metadata as `data`)', noBody('No secret'), vaultData(GONE, VersionSchema, { mountType: '' }))
      }
    },
    delete: { operationId: 'kv-v2-delete', summary: 'Soft-delete the latest version of a secret', responses: { 204: noBody('Deleted') } }
  }
}

/** The `subkeys/:path` path group. */
export const subkeysPaths: KvPathGroup = {
  pattern: /^subkeys\/(.*)$/s,
  fields: new Set(['path', 'depth', 'version']),
  ops: {
    read: async (call) => {
      const version = decodeInt(call.input.version, 'version')
      // Vault's TypeInt: a negative depth is no error (its walk then stops at the top-level keys, as `subkeys` does).
      const depth = decodeInt(call.input.depth, 'depth') ?? 0
      const r = await call.kv.readSubkeys(call.accessor, call.key, version, depth)
      if (r.status === 'missing') throw notFound()
      if (r.status === 'gone') return rawNotFound(call, { metadata: r.metadata, subkeys: null })
      return ok(call.request, { metadata: r.metadata, subkeys: r.value }, { warnings: answerWarnings(call) })
    }
  },
  docPath: 'subkeys/{path}',
  docs: {
    read: {
      operationId: 'kv-v2-read-subkeys',
      summary: 'Read the structure of a secret without its values',
      query: KvSubkeysQuerySchema,
      responses: { 200: vaultData('The keys, with null leaves', KvSubkeysSchema), 404: either('Not found', MISSING, vaultData(GONE, KvSubkeysGoneSchema, { mountType: '' })) }
    }
  }
}
