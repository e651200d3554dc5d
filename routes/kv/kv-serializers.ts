/**
 * The compiled serialisers of the KV answers with a fixed shape (`src/vault/envelope-serializer.ts`):
 * a data read (`{data, metadata}`) and a data write or patch (the version's metadata). The field
 * lists are `VersionSchema`'s and `KvReadSchema`'s (`src/kv/kv-schemas.ts`; a test holds them
 * equal); the secret's own key/value map is written as JSON.stringify writes it. A cached data
 * read is written from the secret's JSON text (`readJson`), in the same bytes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import fastJson from 'fast-json-stringify'
import type { VersionView } from '../../src/kv/kv-views.js'
import { compileEnvelope, openObject, type SerializerSchema } from '../../src/vault/envelope-serializer.js'
import { mountTypeFor, type Envelope } from '../../src/vault/envelope.js'

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

/** A version's metadata alone, as `serializeRead` writes it inside a read's envelope. */
const serializeMetadata = fastJson(openObject(VERSION_FIELDS)) as (metadata: VersionView) => string
/** `serializeMetadata` of shared views (the cached key states' views: never changed), by view object. */
const metadataJson = new WeakMap<VersionView, string>()

/** What `readJson` writes: a data read's parts. */
interface ReadJson { requestId: string, mountType: string, dataJson: string, metadata: VersionView }

/**
 * `serializeRead(ok(request, { data, metadata }))` from `dataJson` (`JSON.stringify(data)`)
 * without parsing it: the envelope's fixed fields as `ok` sets them for a read (no warnings, no
 * auth), the metadata serialised once per view object.
 */
export function readJson ({ requestId, mountType, dataJson, metadata }: ReadJson): string {
  let meta = metadataJson.get(metadata)
  if (meta === undefined) { meta = serializeMetadata(metadata); metadataJson.set(metadata, meta) }
  return '{"request_id":' + JSON.stringify(requestId) + ',"lease_id":"","renewable":false,"lease_duration":0,"data":{"data":' + dataJson +
    ',"metadata":' + meta + '},"wrap_info":null,"warnings":null,"auth":null,"mount_type":' + JSON.stringify(mountType) + '}'
}

/**
 * Answers a data read from its data's JSON text (`sendRead` of `ok(request, { data, metadata })`,
 * the same bytes); `metadata` must not change afterwards.
 */
export function sendReadJson (request: FastifyRequest, reply: FastifyReply, dataJson: string, metadata: VersionView): FastifyReply {
  return reply.serializer(readJson).send({ requestId: request.id, mountType: mountTypeFor(request.url), dataJson, metadata })
}
