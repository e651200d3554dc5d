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

/** The envelope's fixed bytes, in order around the request id, `data`, `warnings` and the mount type. */
const OPEN = Buffer.from('{"request_id":')
const TO_DATA = Buffer.from(',"lease_id":"","renewable":false,"lease_duration":0,"data":')
const TO_WARNINGS = Buffer.from(',"wrap_info":null,"warnings":')
const TO_MOUNT_TYPE = Buffer.from(',"auth":null,"mount_type":')
const NULL = Buffer.from('null')
const CLOSE = Buffer.from('}')

/**
 * The envelope's bytes around `data` (a JSON value's UTF-8 bytes, in pieces in order): the pieces
 * to send in order (the fixed ones shared, never to be changed) and their total length (bytes).
 */
export function okJsonPieces (requestId: string, mountType: string, data: readonly Buffer[], warnings: readonly string[] = []): { pieces: Buffer[], length: number } {
  const pieces = [OPEN, Buffer.from(JSON.stringify(requestId)), TO_DATA, ...data, TO_WARNINGS,
    warnings.length > 0 ? Buffer.from(JSON.stringify(warnings)) : NULL, TO_MOUNT_TYPE, Buffer.from(JSON.stringify(mountType)), CLOSE]
  let length = 0
  for (const p of pieces) length += p.length
  return { pieces, length }
}

/**
 * Sends `data` (a JSON value's UTF-8 bytes, in pieces to send in order) in the envelope as
 * `application/json`, bypassing the route's serializer and never re-encoding the pieces: joined
 * into one buffer when short, else sent piece by piece without joining (same bytes on the wire).
 * Returns the reply for the handler to return.
 */
export function sendOkJson (request: FastifyRequest, reply: FastifyReply, data: readonly Buffer[], warnings: readonly string[] = []): FastifyReply {
  const { pieces, length } = okJsonPieces(request.id, mountTypeFor(request.url), data, warnings)
  return reply.type('application/json').send(length < PIECES_FROM_BYTES ? Buffer.concat(pieces, length) : new PiecesPayload(pieces, length))
}
