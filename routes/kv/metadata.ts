/**
 * `metadata/:path` of a KV v2 mount (spec/vault-core-kv-api.md §3.12-3.16; Vault
 * `path_metadata.go`): LIST of a folder, read, write (204, or 200 with the `cas_required`
 * warning), merge patch, and delete of the key with all its versions.
 */
import { Type } from 'typebox'
import { decodeCustomMetadata } from '../../src/kv/kv-fields.js'
import { decodeBool, decodeDuration, decodeUint } from '../../src/vault/field-decode.js'
import type { MetadataInput } from '../../src/kv/kv-service.js'
import { list, noContent, ok } from '../../src/vault/envelope.js'
import { notFound } from '../../src/vault/errors.js'
import { CAS_WARNING_EXAMPLE, KvListSchema, KvMetadataRequestSchema, KvMetadataSchema } from '../../src/kv/kv-schemas.js'
import { errorBody, noBody, vaultData } from '../../src/openapi/route-doc.js'
import { answerWarnings, emptyNotFound, type KvCall, type KvPathGroup } from './kv-call.js'

const WARNED = vaultData('Written, with a warning (`cas_required` cannot be false when the engine requires it)', Type.Null(), { warnings: [CAS_WARNING_EXAMPLE] })

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
  return warnings.length > 0 ? ok(call.request, null, { warnings: answerWarnings(call, warnings) }) : noContent(call.reply)
}

/** The `metadata/:path` path group (the empty path is the mount root, for LIST). */
export const metadataPaths: KvPathGroup = {
  pattern: /^metadata\/(.*)$/s,
  fields: new Set(['path', 'exclude_deleted', 'cas_required', 'max_versions', 'delete_version_after', 'custom_metadata']),
  ops: {
    list: async (call) => list(call.request, await call.kv.list(call.accessor, call.key, { excludeDeleted: decodeBool(call.input.exclude_deleted, 'exclude_deleted') ?? false }),
      {}, { warnings: answerWarnings(call) }),
    read: async (call) => {
      const m = await call.kv.readMetadata(call.accessor, call.key)
      if (m === undefined) throw notFound()
      return ok(call.request, m, { warnings: answerWarnings(call) })
    },
    update: async (call) => answer(call, await call.kv.writeMetadata(call.accessor, call.key, metadataInput(call.input, false))),
    patch: async (call) => {
      const warnings = await call.kv.patchMetadata(call.accessor, call.key, metadataInput(call.input, true))
      return warnings === undefined ? emptyNotFound(call.reply) : answer(call, warnings)
    },
    delete: async (call) => {
      await call.kv.deleteMetadata(call.accessor, call.key)
      return noContent(call.reply)
    }
  },
  docPath: 'metadata/{path}',
  docs: {
    list: {
      operationId: 'kv-v2-list',
      summary: 'List the keys under a folder',
      description: 'List the mount\'s root with `LIST /v1/<mount>/metadata/`. `exclude_deleted=true` leaves out keys whose current version has a deletion time, past or future (Vault 1.21).',
      query: Type.Object({ exclude_deleted: Type.Optional(Type.Boolean({ description: 'Leave out keys whose current version has a deletion time', default: false })) }),
      responses: { 200: vaultData('Keys; folders end in `/`', KvListSchema), 404: errorBody('Nothing under that folder', []) }
    },
    read: {
      operationId: 'kv-v2-read-metadata',
      summary: 'Read the metadata and versions of a secret',
      responses: { 200: vaultData('The metadata', KvMetadataSchema), 404: errorBody('No such secret', []) }
    },
    update: {
      operationId: 'kv-v2-write-metadata',
      summary: 'Write the settings and custom metadata of a secret',
      body: KvMetadataRequestSchema,
      responses: { 200: WARNED, 204: noBody('Written') }
    },
    patch: {
      operationId: 'kv-v2-patch-metadata-path',
      summary: 'Update some metadata fields of a secret (JSON merge patch)',
      description: 'Needs `Content-Type: application/merge-patch+json`.',
      body: KvMetadataRequestSchema,
      responses: { 200: WARNED, 204: noBody('Written'), 404: noBody('No such secret (no body)') }
    },
    delete: { operationId: 'kv-v2-delete-metadata-and-all-versions', summary: 'Delete a secret with all its versions and metadata', responses: { 204: noBody('Deleted') } }
  }
}
