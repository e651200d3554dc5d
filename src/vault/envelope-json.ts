/**
 * Vault's success envelope (spec/vault-core-kv-api.md §1.5) around `data` that is already JSON
 * (UTF-8 bytes): for answers kept pre-serialised (a destination's association map, issue 16). The bytes
 * are those of `ok()` serialised through `envelope()` (src/sync/sync-schemas.ts): every key, in
 * Go struct order; `warnings` null when empty; `auth` null.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { mountTypeFor } from './envelope.js'
import { PiecesPayload } from './pieces-payload.js'

/**
 * Answers at least this long (bytes) go out as their pieces (`PiecesPayload`, one corked
 * `writev`); shorter ones as one joined buffer, which costs less than a stream for a small answer.
 */
export const PIECES_FROM_BYTES = 64 * 1024

/**
 * Sends `data` (a JSON value's UTF-8 bytes, in pieces to send in order) in the envelope as
 * `application/json`, bypassing the route's serializer and never re-encoding the pieces: joined
 * into one buffer when short, else sent piece by piece without joining (same bytes on the wire).
 * Returns the reply for the handler to return.
 */
export function sendOkJson (request: FastifyRequest, reply: FastifyReply, data: readonly Buffer[], warnings: readonly string[] = []): FastifyReply {
  const w = warnings.length > 0 ? JSON.stringify(warnings) : 'null'
  const head = Buffer.from(`{"request_id":${JSON.stringify(request.id)},"lease_id":"","renewable":false,"lease_duration":0,"data":`, 'utf8')
  const tail = Buffer.from(`,"wrap_info":null,"warnings":${w},"auth":null,"mount_type":${JSON.stringify(mountTypeFor(request.url))}}`, 'utf8')
  const pieces = [head, ...data, tail]
  let n = 0
  for (const p of pieces) n += p.length
  return reply.type('application/json').send(n < PIECES_FROM_BYTES ? Buffer.concat(pieces, n) : new PiecesPayload(pieces, n))
}
