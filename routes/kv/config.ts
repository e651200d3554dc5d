/**
 * `config` of a KV v2 mount (spec/vault-core-kv-api.md §3.3; Vault `path_config.go`): GET reads,
 * POST/PUT set `max_versions`, `cas_required`, `delete_version_after` (signed) → 204.
 */
import { decodeBool, decodeDuration, decodeUint } from '../../src/vault/field-decode.js'
import { noContent, ok } from '../../src/vault/envelope.js'
import { KvConfigRequestSchema, KvConfigSchema } from '../../src/kv/kv-schemas.js'
import { noBody, vaultData } from '../../src/openapi/route-doc.js'
import { answerWarnings, type KvPathGroup } from './kv-call.js'

/** The `config` path group. */
export const configPaths: KvPathGroup = {
  pattern: /^config$/,
  fields: new Set(['max_versions', 'cas_required', 'delete_version_after']),
  ops: {
    read: async (call) => ok(call.request, await call.kv.readConfig(call.accessor), { warnings: answerWarnings(call) }),
    update: async ({ reply, kv, accessor, input }) => {
      await kv.writeConfig(accessor, {
        maxVersions: decodeUint(input.max_versions, 'max_versions'),
        casRequired: decodeBool(input.cas_required, 'cas_required'),
        deleteVersionAfter: decodeDuration(input.delete_version_after, 'delete_version_after', true)
      })
      return noContent(reply)
    }
  },
  docPath: 'config',
  docs: {
    read: { operationId: 'kv-v2-read-configuration', summary: 'Read the KV engine\'s configuration', responses: { 200: vaultData('The configuration', KvConfigSchema) } },
    update: { operationId: 'kv-v2-configure', summary: 'Configure the KV engine', body: KvConfigRequestSchema, responses: { 204: noBody('Configured') } }
  }
}
