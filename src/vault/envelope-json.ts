/**
 * Vault's success envelope (spec/vault-core-kv-api.md §1.5) around `data` that is already JSON
 * text: for answers kept pre-serialised (a destination's association map, issue 16). The bytes
 * are those of `ok()` serialised through `envelope()` (src/sync/sync-schemas.ts): every key, in
 * Go struct order; `warnings` null when empty; `auth` null.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { mountTypeFor } from './envelope.js'

/**
 * Sends `dataJson` (a JSON value's text) in the envelope as `application/json`, bypassing the
 * route's serializer. Returns the reply for the handler to return.
 */
export function sendOkJson (request: FastifyRequest, reply: FastifyReply, dataJson: string, warnings: readonly string[] = []): FastifyReply {
  const w = warnings.length > 0 ? JSON.stringify(warnings) : 'null'
  return reply.type('application/json').send(`{"request_id":${JSON.stringify(request.id)},"lease_id":"","renewable":false,"lease_duration":0,"data":${dataJson},"wrap_info":null,"warnings":${w},"auth":null,"mount_type":${JSON.stringify(mountTypeFor(request.url))}}`)
}
