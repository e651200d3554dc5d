/**
 * The compiled serialisers of the KV answers with a fixed shape (`src/vault/envelope-serializer.ts`):
 * a data read (`{data, metadata}`) and a data write or patch (the version's metadata). The field
 * lists are `VersionSchema`'s and `KvReadSchema`'s (`src/kv/kv-schemas.ts`; a test holds them
 * equal); the secret's own key/value map is written as JSON.stringify writes it.
 */
import type { FastifyReply } from 'fastify'
import { compileEnvelope, openObject, type SerializerSchema } from '../../src/vault/envelope-serializer.js'
import type { Envelope } from '../../src/vault/envelope.js'

/** A version's metadata (`VersionView`). */
export const VERSION_FIELDS: Record<string, SerializerSchema> = {
  created_time: { type: 'string' },
  custom_metadata: { type: ['object', 'null'], additionalProperties: true },
  deletion_time: { type: 'string' },
  destroyed: { type: 'boolean' },
  version: { type: 'integer' }
}

/** `GET data/:path` data: the secret's map and its version's metadata. */
export const READ_FIELDS: Record<string, SerializerSchema> = {
  data: { type: 'object', additionalProperties: true },
  metadata: openObject(VERSION_FIELDS)
}

/** `JSON.stringify` of a data read's envelope, compiled. */
export const serializeRead = compileEnvelope(openObject(READ_FIELDS))
/** `JSON.stringify` of a data write's or patch's envelope, compiled. */
export const serializeVersion = compileEnvelope(openObject(VERSION_FIELDS))

/** Answers a data read's envelope through its compiled serialiser. */
export function sendRead (reply: FastifyReply, body: Envelope): FastifyReply {
  return reply.serializer(serializeRead).send(body)
}

/** Answers a data write's or patch's envelope (the version's metadata) through its compiled serialiser. */
export function sendVersion (reply: FastifyReply, body: Envelope): FastifyReply {
  return reply.serializer(serializeVersion).send(body)
}
